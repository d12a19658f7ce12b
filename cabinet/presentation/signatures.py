"""A signature report (`cabinet.pdf.sign.verify_pdf`) in people's words, for the verify page, the JSON API
and `cabinet verify`: one verdict line, then per signature who signed (and as what, when the minutes say
so), when, where that time came from, what changed afterwards and whether the certificate is trusted.

Every label lives here; the report's codes (`changes`, `trusted`, pyHanko's `summary`) stay for
machines and are never shown to a person.
"""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.lists import format_list
from flask_babel import get_locale, gettext as _, lazy_gettext as _l, ngettext

from ..config import DEFAULT_TIMEZONE
from ..services.participants import ROLE_LABELS

# services/minutes_signing.py names each field of the minutes after its signer's role.
FIELD_ROLES = {"Signature_secretary": "secretary", "Signature_chair": "chair"}

CHANGES = {
    "none": (_l("None: the document is exactly as it was signed."), "ok"),
    "allowed": (_l("Only later signatures or form filling were added, which is allowed."), "ok"),
    "disallowed": (_l("Changed after this signature in a way that is not allowed."), "bad"),
    "unknown": (_l("The signature is damaged, so this cannot be checked."), "bad"),
}
FACT_LABELS = {"when": _l("Signed at"), "clock": _l("Time from"), "changes": _l("Changes after signing"),
               "certificate": _l("Certificate"), "signature": _l("Signature"), "reason": _l("Reason")}


def explain_report(report: dict) -> dict:
    """The verdict and every signature in the current language: {"verdict": {kind, text}, "signatures":
    [{signer, role, chips, facts}]} (kind: success, warning, error or info; fact state: ok, info, bad)."""
    return {"verdict": verdict(report), "signatures": [explain_signature(s) for s in report["signatures"]]}


def report_json(report: dict) -> dict:
    """The machine report with the people's words beside it: `verdict` on top, `plain` per signature."""
    explained = explain_report(report)
    return report | {"verdict": explained["verdict"],
                     "signatures": [s | {"plain": plain} for s, plain in
                                    zip(report["signatures"], explained["signatures"])]}


def verdict(report: dict) -> dict:
    """One line for the whole file; the worst news first."""
    signatures = report["signatures"]
    if not report["signed"] or not signatures:
        return {"kind": "info", "text": _("This PDF carries no digital signature.")}
    changed = [s for s in signatures if s["changes"] == "disallowed"]
    if changed:
        return {"kind": "error", "text": _("The document was changed after the signature of %(names)s.",
                                           names=_names(changed))}
    if any(s["changes"] == "unknown" for s in signatures):
        return {"kind": "error", "text": _("A signature in this document is damaged and cannot be checked.")}
    forged = [s for s in signatures if not s["valid"]]
    if forged:
        return {"kind": "error", "text": _("The signature of %(names)s does not match its certificate.",
                                           names=_names(forged))}
    strangers = [s for s in signatures if not s["trusted"]]
    if strangers:
        return {"kind": "warning",
                "text": _("The document is intact, but the certificate of %(names)s does not chain to a "
                          "trusted root.", names=_names(strangers))}
    return {"kind": "success", "text": ngettext("The document is intact, %(num)d valid signature.",
                                                "The document is intact, %(num)d valid signatures.",
                                                len(signatures))}


def explain_signature(sig: dict) -> dict:
    """One signature: its signer and role, two chips for a glance, and the facts in sentences."""
    role = FIELD_ROLES.get(sig.get("field") or "")
    intact = sig["changes"] in ("none", "allowed")
    trusted = sig["trusted"]
    chips = [{"key": "integrity", "ok": intact,
              "text": _("Intact") if intact else _("Modified after signing")},
             {"key": "trust", "ok": trusted, "text": _("Trusted") if trusted else _("Not trusted")}]
    changes, state = CHANGES.get(sig["changes"], CHANGES["unknown"])
    facts = [_fact("when", signed_at_text(sig["signed_at"]), "info"),
             _fact("clock", *_clock(sig)),
             _fact("changes", str(changes), state),
             _fact("certificate", *_certificate(sig))]
    if sig["changes"] != "unknown" and sig["intact"] and not sig["valid"]:
        facts.append(_fact("signature", _("It does not match the signer's certificate."), "bad"))
    if sig.get("reason"):
        facts.append(_fact("reason", sig["reason"], "info"))
    return {"signer": sig.get("signer") or _("Unknown signer"),
            "role": str(ROLE_LABELS[role]) if role else None, "chips": chips, "facts": facts}


def signed_at_text(iso: str | None) -> str:
    """08:15 ngày 07/12/2026 (or 08:15 on 07/12/2026), in the meeting system's time zone."""
    if not iso:
        return _("Unknown")
    moment = datetime.fromisoformat(iso).astimezone(ZoneInfo(DEFAULT_TIMEZONE))
    return _("%(time)s on %(date)s", time=moment.strftime("%H:%M"), date=moment.strftime("%d/%m/%Y"))


def _clock(sig: dict) -> tuple[str, str]:
    if sig.get("timestamped"):
        return _("The time-stamping authority %(name)s",
                 name=sig.get("timestamp_authority") or _("Unknown")), "ok"
    return _("Only the signer's own computer clock (no time-stamp)"), "info"


def _certificate(sig: dict) -> tuple[str, str]:
    if sig["trusted"]:
        return _("Chains to the trusted root %(root)s.", root=sig.get("trust_root") or _("Unknown")), "ok"
    return _("Does not chain to any root this system trusts."), "bad"


def _fact(key: str, text: str, state: str) -> dict:
    return {"key": key, "label": str(FACT_LABELS[key]), "text": text, "state": state}


def _names(signatures: list) -> str:
    names = [s.get("signer") or _("an unknown signer") for s in signatures]
    return format_list(names, locale=get_locale() or "vi")
