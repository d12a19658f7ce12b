"""Electronic voting (biểu quyết): polls with statutory majorities, named or secret ballots.

A ballot is counted exactly once: one participation row per voter and poll (unique in the database),
written in the same transaction as the choice (a named ballot and its counter, or a sealed ballot); the
poll row is locked while a ballot is cast or the poll closed, so a close racing the last ballots neither
loses nor double-counts one. A secret poll's choices are sealed under its key and only their sum is ever
decrypted, at close (sealing.py, poll_keys.py, models/live.py).
"""
from __future__ import annotations

import base64
import logging
import secrets
import uuid
from collections import Counter
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from ..extensions import db
from ..models import (DEFAULT_OPTIONS, MAJORITY_RULES, BallotParticipation, Meeting, NamedBallot,
                      Poll, PollTally, SealedBallot, User)
from ..models.types import utcnow
from ..realtime import progress
from ..outbox import after_commit, announce_unnumbered, publish
from . import audit, poll_keys, rules, sealing
from . import validation as v
from .errors import Conflict, DomainError, Invalid, NotAllowed, NotFound, Unavailable
from .live import attendance, ensure_live, present_count, voting_counts
from .meetings import ensure_editable, has_open_poll
from .permissions import may, require

log = logging.getLogger(__name__)

def options_for(meeting: Meeting) -> list[str]:
    return list(meeting.body.vote_options) if meeting.body is not None and meeting.body.vote_options \
        else list(DEFAULT_OPTIONS)


def get_poll(actor: User, poll_id) -> Poll:
    poll = db.session.get(Poll, poll_id, options=[joinedload(Poll.meeting)]) if v.is_id(poll_id) else None
    if poll is None:
        raise NotFound(_l("Poll not found."), code="poll_not_found")
    require(actor, "poll.view", poll)
    return poll


def counted_poll(actor: User, poll_id) -> Poll:
    """A poll whose ballots are all counted (closed), for its published receipts; 409 while open."""
    poll = get_poll(actor, poll_id)
    if poll.status != "closed":
        raise Conflict(_l("The receipts are published once the poll is closed."), code="poll_not_closed")
    return poll


def _locked(poll: Poll) -> Poll:
    """Re-read the poll holding a lock that keeps other ballots and the close out until commit: a row lock
    on PostgreSQL; on SQLite (which has no row locks, and whose driver starts a transaction only at the
    first write) a no-op write, so the database's write lock is held before the poll is read."""
    if db.session.get_bind().dialect.name == "sqlite":
        status = db.session.scalar(update(Poll).where(Poll.id == poll.id).values(status=Poll.status)
                                   .returning(Poll.status).execution_options(synchronize_session=False))
    else:
        status = db.session.scalar(select(Poll.status).where(Poll.id == poll.id).with_for_update())
    set_committed_value(poll, "status", status)  # the status as it stands under the lock; nothing else moves
    return poll


def create_poll(actor: User, meeting: Meeting, data: dict) -> Poll:
    require(actor, "poll.manage", meeting)
    ensure_editable(meeting)
    question = v.text(data.get("question"), "question", max_length=1000)
    options = data.get("options") or options_for(meeting)
    if not isinstance(options, list) or not 2 <= len(options) <= 10:
        raise Invalid(_l("A poll has between 2 and 10 options."), code="invalid_options", field="options")
    options = [v.text(o, "options", max_length=100) for o in options]
    if len(set(options)) != len(options):
        raise Invalid(_l("The options must differ."), code="duplicate_options", field="options")
    item_id = v.integer(data.get("agenda_item_id"), "agenda_item_id", required=False)
    if item_id is not None and not any(i.id == item_id for i in meeting.items):
        raise Invalid(_l("The agenda item is not on this meeting's agenda."), code="unknown_item",
                      field="agenda_item_id")
    poll = Poll(meeting_id=meeting.id, agenda_item_id=item_id, question=question, options=options,
                secret=v.boolean(data.get("secret", False), "secret"),
                majority=v.choice(data.get("majority") or "simple", "majority", MAJORITY_RULES), status="draft")
    poll.tallies = [PollTally(position=i, count=0) for i in range(len(options))]
    db.session.add(poll)
    db.session.flush()
    return poll


def open_poll(actor: User, poll: Poll) -> Poll:
    meeting = poll.meeting
    require(actor, "poll.manage", meeting)
    ensure_live(meeting)
    _locked(poll)
    if poll.status != "draft":
        raise Conflict(_l("Only a prepared poll can be opened."), code="poll_not_draft")
    other_open = Conflict(_l("Another poll is open; close it first."), code="other_poll_open")
    if has_open_poll(meeting):
        raise other_open
    room = attendance(meeting)
    if not room["quorum_met"]:
        raise Conflict(_l("No quorum: %(needed)s members must be present to vote (%(present)s are).",
                          needed=room["needed"], present=room["present"]), code="no_quorum")
    poll.status, poll.opened_at = "open", utcnow()
    try:
        db.session.flush()  # the database's one-open-poll index settles a race the check above cannot see
    except IntegrityError:
        db.session.rollback()
        raise other_open
    if poll.secret:
        poll.seal_key = poll_keys.create(poll.id)
        db.session.flush()
    from ..presentation.polls import poll_json  # the event's shape (presentation imports this module)
    publish(db.session, meeting, "poll.opened", {"poll": poll_json(poll)}, only_users=audience(poll))
    return poll


def cast_count(poll: Poll) -> int:
    return db.session.scalar(select(db.func.count()).select_from(BallotParticipation)
                             .where(BallotParticipation.poll_id == poll.id)) or 0


@dataclass
class BallotRequest:
    """One voter's ballot as asked: who, which option, the retry key, and from where (for the audit log)."""
    actor: User
    option: object
    key: object = None
    address: str | None = None


def cast_ballot(actor: User, poll: Poll, option, key=None) -> str:
    """Record the actor's ballot in the current transaction and return its receipt. Retrying with the same
    key returns the same receipt; a second ballot, a closed poll → 409; not checked in or no voting role
    → 403. (Tablets' ballots go through ballot_box, which commits many at once by the same rules.)"""
    answer = cast_ballots(poll, [BallotRequest(actor, option, key)])[0]
    if isinstance(answer, DomainError):
        raise answer
    return answer


def cast_ballots(poll: Poll, requests: list[BallotRequest]) -> list[str | DomainError]:
    """The rules of one ballot applied to several voters in the current transaction: each answer is a
    receipt or the refusal of that ballot alone. A voter appears at most once per call. The cost hardly
    grows with their number: the poll is locked once, one query finds who voted already, one statement
    inserts the participations and one per option moves its count."""
    meeting = poll.meeting
    meeting.remember_participants([r.actor.id for r in requests])  # the checks below ask no query each
    answers: list = [None] * len(requests)
    keys = {}
    for i, r in enumerate(requests):
        try:
            require(r.actor, "poll.vote", meeting)
            keys[i] = v.text(str(uuid.uuid4()) if r.key is None else r.key, "key", max_length=64)
        except DomainError as err:
            answers[i] = err
    if not keys:
        return answers
    _locked(poll)
    voted = {p.user_id: p for p in db.session.scalars(select(BallotParticipation).where(
        BallotParticipation.poll_id == poll.id,
        BallotParticipation.user_id.in_([requests[i].actor.id for i in keys])))}
    admitted: dict[int, int] = {}  # request index -> position of its new ballot
    for i, key in keys.items():
        r = requests[i]
        try:
            answers[i], position = _admit(poll, r.actor, r.option, key, voted.get(r.actor.id))
        except DomainError as err:
            answers[i] = err
            continue
        if position is not None:
            admitted[i] = position
    if admitted:
        _record_new(poll, requests, keys, answers, admitted)
    return answers


def _admit(poll: Poll, actor: User, option, key: str, existing: BallotParticipation | None) -> tuple[str, int | None]:
    """Decide one ballot under the poll's lock: the receipt to return, and the option to count if new."""
    if existing is not None and existing.key == key:
        return existing.receipt, None  # a retry of a ballot already counted
    if poll.status != "open":
        raise Conflict(_l("The poll is closed.") if poll.status == "closed" else _l("The poll is not open yet."),
                       code="poll_closed" if poll.status == "closed" else "poll_not_open")
    ensure_live(poll.meeting)  # an adjourned or closed session takes no ballot, whatever its polls say
    if not rules.is_present(poll.meeting.participant_for(actor).attendance):
        raise NotAllowed(_l("Check in to the session before voting."), code="not_checked_in")
    if option not in poll.options:
        raise Invalid(_l("“%(option)s” is not an option of this poll.", option=str(option)[:100]),
                      code="invalid_option", field="option")
    position = poll.options.index(option)
    if existing is not None:
        return _change_ballot(poll, existing, actor, position), None
    return _receipt(), position


def _receipt() -> str:
    """A receipt code a person can read aloud and compare: 80 random bits as four groups of four base32
    letters and digits ("K7QD-9XMA-2RPF-HW3C")."""
    code = base64.b32encode(secrets.token_bytes(10)).decode()
    return "-".join(code[i:i + 4] for i in range(0, 16, 4))


def _record_new(poll: Poll, requests: list[BallotRequest], keys: dict, receipts: list, admitted: dict) -> None:
    """Write the admitted new ballots: participations, counts, named choices, the audit log's entries.
    No savepoint: SQLite's driver would commit the participations apart from the counts. Under the lock a
    second ballot was found above; the unique constraint is the last line of defence, and then nothing of
    this transaction has been written yet."""
    private = poll_keys.private_key(poll.id, poll.seal_key) if poll.seal_key else None
    try:
        db.session.execute(insert(BallotParticipation), [
            {"poll_id": poll.id, "user_id": requests[i].actor.id, "key": keys[i], "receipt": receipts[i]}
            for i in admitted])
    except IntegrityError:
        db.session.rollback()
        raise Conflict(_l("You have already voted in this poll."), code="already_voted")
    if private is not None:  # a secret poll: the choices sealed, in an order that says nothing
        sealed = [{"poll_id": poll.id, "code": receipts[i], "sealed": sealing.seal(private, position, len(poll.options))}
                  for i, position in admitted.items()]
        db.session.execute(insert(SealedBallot), sorted(sealed, key=lambda row: row["code"]))
    else:
        for position, count in Counter(admitted.values()).items():
            _count(poll, position, count)
    if not poll.secret:
        db.session.execute(insert(NamedBallot), [
            {"poll_id": poll.id, "user_id": requests[i].actor.id, "position": position}
            for i, position in admitted.items()])
    # The audit log says who took part; the choice only for a named poll (never linkable when secret).
    for i, position in admitted.items():
        audit.record(db.session, "poll.vote", actor=requests[i].actor, obj=poll, meeting_id=poll.meeting_id,
                     remote_addr=requests[i].address, details={"secret": True} if poll.secret
                     else {"secret": False, "option": poll.options[position]})
    after_commit(db.session, lambda: progress.ballot_counted(poll.id))


def _change_ballot(poll: Poll, participation: BallotParticipation, actor: User, position: int) -> str:
    body = poll.meeting.body
    if poll.secret or body is None or not body.ballot_change_allowed:
        raise Conflict(_l("You have already voted in this poll; a cast ballot is final."), code="already_voted")
    ballot = db.session.scalar(select(NamedBallot).where(NamedBallot.poll_id == poll.id,
                                                         NamedBallot.user_id == actor.id))
    if ballot.position != position:
        _count(poll, ballot.position, -1)
        _count(poll, position, +1)
        ballot.position, ballot.cast_at = position, utcnow()
        audit.record(db.session, "poll.vote_change", actor=actor, obj=poll, meeting_id=poll.meeting_id,
                     details={"secret": False, "option": poll.options[position]})  # named polls only
    db.session.flush()
    return participation.receipt


def _count(poll: Poll, position: int, delta: int) -> None:
    db.session.execute(update(PollTally).where(PollTally.poll_id == poll.id, PollTally.position == position)
                       .values(count=PollTally.count + delta))


def close_poll(actor: User, poll: Poll) -> Poll:
    """Close the poll and decide it by its majority rule; results are final."""
    meeting = poll.meeting
    require(actor, "poll.manage", meeting)
    _locked(poll)
    if poll.status != "open":
        raise Conflict(_l("Only an open poll can be closed."), code="poll_not_open")
    for tally in poll.tallies:
        db.session.refresh(tally)
    if poll.seal_key:
        _open_the_sum(poll)
    poll.status, poll.closed_at = "closed", utcnow()
    counts = voting_counts(meeting)
    poll.members_total = sum(counts.values())
    poll.present_total = present_count(counts)
    poll.passed = rules.passes(poll.majority, poll.tallies[0].count, poll.members_total, poll.present_total,
                               sum(t.count for t in poll.tallies), rules.quorum_ratio(meeting))  # 1st: approval
    db.session.flush()
    from ..presentation.polls import poll_json  # the event's shape (presentation imports this module)
    payload = poll_json(poll)
    # The last progress counts every ballot; then the result, numbered.
    announce_unnumbered(db.session, meeting, "poll.progress",
                        {"poll_id": poll.id, "cast": payload["cast"], "eligible": payload["eligible"]},
                        only_users=audience(poll))
    publish(db.session, meeting, "poll.closed", {"poll": payload, "results": payload["results"],
                                                 "passed": poll.passed}, only_users=audience(poll))
    return poll


def cancel_poll(actor: User, poll: Poll, reason) -> Poll:
    """Void an open poll (its key lost, a wrong question, a disturbance): nothing it received is counted, the
    reason goes in the audit log, and the meeting may vote again. The tablets drop it like a closed poll."""
    meeting = poll.meeting
    require(actor, "poll.manage", meeting)
    reason = v.text(reason, "reason", max_length=1000)
    _locked(poll)
    if poll.status != "open":
        raise Conflict(_l("Only an open poll can be cancelled."), code="poll_not_open")
    poll.status, poll.closed_at = "cancelled", utcnow()
    db.session.flush()
    audit.record(db.session, "poll.cancel", actor=actor, obj=poll, meeting_id=meeting.id, details={"reason": reason})
    if poll.seal_key:
        after_commit(db.session, lambda: poll_keys.discard(poll.id))
    from ..presentation.polls import poll_json  # the event's shape (presentation imports this module)
    publish(db.session, meeting, "poll.closed", {"poll": poll_json(poll), "results": None, "passed": None},
            only_users=audience(poll))
    return poll


def _open_the_sum(poll: Poll) -> None:
    """Count a secret poll: add its sealed ballots up, decrypt the sums (the only decryption ever made)
    and forget the key once that is committed. The counts must account for every participation."""
    sealed = list(db.session.scalars(select(SealedBallot.sealed).where(SealedBallot.poll_id == poll.id)))
    private = poll_keys.private_key(poll.id, poll.seal_key)
    try:
        counts = sealing.open_sums(private, sealing.add_up(sealed, len(poll.options)), len(sealed))
    except sealing.SealError:
        log.exception("the sealed ballots of poll %s do not decrypt", poll.id)
        counts = []
    if sum(counts) != len(sealed) or len(sealed) != cast_count(poll):
        log.error("poll %s: sealed ballots %s, decrypted %s, participations %s", poll.id, len(sealed), counts,
                  cast_count(poll))
        raise Unavailable(_l("The sealed ballots do not add up; the poll stays open. Tell the administrator."),
                          code="ballots_do_not_add_up")
    for tally, count in zip(poll.tallies, counts):
        tally.count = count
    after_commit(db.session, lambda: poll_keys.discard(poll.id))


def list_polls(actor: User, meeting: Meeting) -> list[Poll]:
    """The meeting's polls the actor may see (those of confidential items not for guests)."""
    require(actor, "meeting.view", meeting)
    return [p for p in db.session.scalars(select(Poll).where(Poll.meeting_id == meeting.id).order_by(Poll.id))
            if may(actor, "poll.view", p)]


def audience(poll: Poll) -> set[int] | None:
    """Who may receive the poll's events: the whole room, or, for a poll of a confidential item, the
    participants who may see it (others see a gap in seq and reload what they may see)."""
    meeting = poll.meeting
    if all(may(p.user, "poll.view", poll) for p in meeting.participants if p.role == "guest"):
        return None
    return {p.user_id for p in meeting.participants if may(p.user, "poll.view", poll)}
