"""Review of issue 13 (accounts): a reset link sent before the member changed the password themselves."""
from datetime import timedelta

import pytest

from cabinet.extensions import db
from cabinet.models.types import utcnow
from cabinet.services import account_tokens, accounts, password_reset
from cabinet.services.errors import Gone

from ..factories import PASSWORD


def test_changing_ones_password_ends_the_reset_links_still_in_the_mailbox(app, make):
    """A member who changes the password (say, fearing someone reads their mail) expects every way in with
    the old state to end: sessions and tokens do; a reset link mailed a minute earlier still sets a new
    password for 30 minutes."""
    app.config["SMTP_URL"] = "smtp://127.0.0.1:9"  # offered (nothing is sent in this test)
    try:
        member = make.user(email="tv@thanhhoa.gov.vn")
        _token, raw = account_tokens.issue(member, password_reset.PURPOSE, expires_at=utcnow() + timedelta(minutes=30))
        db.session.commit()
        accounts.change_own_password(member, PASSWORD, "Mot-mat-khau-moi-2026!", "Mot-mat-khau-moi-2026!", None)
        db.session.commit()
        with pytest.raises(Gone):
            password_reset.link_holder(raw)
    finally:
        app.config["SMTP_URL"] = None
