"""Group commit of ballots: a council of hundreds votes within a second, and each ballot alone costs a
transaction of its own (the poll locked, who voted looked up, a participation inserted, a count moved,
an audit entry chained, a commit). Ballots waiting at the same moment share one transaction instead;
`polls.cast_ballots` applies the rules of one ballot to each, so each still gets its own receipt or its
own refusal, and nothing is acknowledged before it is committed.

One box per poll, so that a poll whose row is held (a slow database, a stuck transaction) stalls only its
own voters, never another meeting's vote. No thread of its own: the first caller to find nobody writing
for its poll becomes that poll's writer. It takes everything waiting for the poll (one ballot per voter; a
voter's second ballot waits for the next round), commits it, answers those callers, and goes on until its
own ballot is answered; then it hands the writing to the next caller still waiting, or stops if there is
none. Under eventlet the callers are greenlets (the
threading primitives are monkey-patched), under the threading mode threads; several server processes
each have their own box and the database's lock on the poll orders them.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from ..extensions import db, socketio
from ..models import Poll, User
from . import audit, polls, validation
from .errors import DomainError, NotFound, Unavailable

log = logging.getLogger(__name__)
MAX_BATCH = 250  # ballots in one transaction: enough for a council, short enough to keep answers flowing
WAIT_LIMIT = 20.0  # seconds a caller waits for the writer (a database that stopped answering, say)


@dataclass(eq=False)
class _Waiting:
    poll_id: int
    voter_id: int  # read in the caller's own context: the writer never asks the actor who it is
    request: polls.BallotRequest
    woken: threading.Event = field(default_factory=threading.Event)
    answer: object = None  # the receipt, or the exception to raise
    answered: bool = False
    leads: bool = False


_lock = threading.Lock()
_queues: dict[int, list[_Waiting]] = {}  # poll id -> ballots waiting, in order of arrival
_writing: set[int] = set()  # polls that have a writer


def cast(actor: User, poll_id, option, key=None) -> str:
    """Cast the actor's ballot and return its receipt once it is committed, or raise its refusal (the
    same answers as polls.cast_ballot). `actor` must be a real User: the writer reads it in another
    context, where Flask-Login's `current_user` proxy would name whoever the writer is serving."""
    if type(actor) is not User:  # noqa: E721 — isinstance() is fooled by a proxy
        raise TypeError(f"ballot_box.cast needs a User, not {type(actor).__name__}")
    if not validation.is_id(poll_id):
        raise NotFound(_l("Poll not found."), code="poll_not_found")
    mine = _Waiting(poll_id, actor.id, polls.BallotRequest(actor, option, key, audit.acting_address()))
    actor.roles, actor.full_name  # what the writer reads of the actor: loaded now, by its own session
    _give_back_connection()
    with _lock:
        _queues.setdefault(poll_id, []).append(mine)
        if poll_id not in _writing:
            _writing.add(poll_id)
            mine.leads = True
    if not mine.leads and not mine.woken.wait(WAIT_LIMIT):  # answered, or handed the writing, in time?
        _give_up(mine)
    if not mine.answered:
        _write_until_answered(mine, current_app._get_current_object())
    if isinstance(mine.answer, BaseException):
        raise mine.answer
    return mine.answer


def _give_up(mine: _Waiting) -> None:
    """The writer is stuck: answer the caller rather than hold it (and its tablet) for ever. A ballot still
    queued leaves the queue, uncounted; one already in the writer's transaction may yet be counted. Either
    way the tablet sends it again with the same key: counted by then, it gets its receipt; if not, it is
    counted now."""
    with _lock:
        if mine.leads or mine.answered:  # woken just now
            return
        queue = _queues.get(mine.poll_id, [])
        if mine in queue:
            queue.remove(mine)
            log.warning("ballot box: a ballot of poll %s waited %.0f s and was not cast", mine.poll_id, WAIT_LIMIT)
            raise Unavailable(_l("Too many ballots are waiting; yours was not cast. Send it again."),
                              code="ballot_box_busy")
    log.warning("ballot box: a ballot of poll %s is still being written after %.0f s", mine.poll_id, WAIT_LIMIT)
    raise Unavailable(_l("Your ballot is still being written; send it again with the same key for its receipt."),
                      code="ballot_pending")


def _give_back_connection() -> None:
    """End the caller's transaction (reads only, in the views that call cast) without expiring what it
    loaded: its connection goes back to the pool while it waits, for hundreds waiting must not empty the
    pool the writer draws from, and the actor stays readable without a query."""
    session = db.session()
    expire, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expire


def _write_until_answered(mine: _Waiting, app) -> None:
    poll_id, batch = mine.poll_id, []
    try:
        while not mine.answered:
            socketio.sleep(0)  # let ballots that arrived meanwhile join this round
            with _lock:
                batch = _take(poll_id)
            _commit(app, poll_id, batch)
    except BaseException as err:  # the writer itself is stopped (its greenlet killed, say): nobody may hang
        for waiting in batch:
            if not waiting.answered:
                waiting.answer, waiting.answered = err, True
                waiting.woken.set()
        raise
    finally:
        with _lock:
            queue = _queues.get(poll_id, [])
            successor = next((w for w in queue if not w.answered), None)
            if successor is None:
                _writing.discard(poll_id)
                _queues.pop(poll_id, None)
            else:
                successor.leads = True
                successor.woken.set()


def _take(poll_id: int) -> list[_Waiting]:
    """Up to MAX_BATCH ballots waiting for the poll, the first of each voter; the rest stay queued in order."""
    batch, seen, rest = [], set(), []
    for waiting in _queues.get(poll_id, []):
        if waiting.voter_id in seen or len(batch) == MAX_BATCH:
            rest.append(waiting)
        else:
            seen.add(waiting.voter_id)
            batch.append(waiting)
    _queues[poll_id] = rest
    return batch


def _commit(app, poll_id: int, batch: list[_Waiting]) -> None:
    """One transaction for the batch, in a context (and database session) of its own. If the batch as a
    whole fails, each ballot is tried alone so that each gets its own answer."""
    with app.app_context():
        try:
            poll = db.session.get(Poll, poll_id, options=[joinedload(Poll.meeting)])
            if poll is None:
                answers = [NotFound(_l("Poll not found."), code="poll_not_found")] * len(batch)
            else:
                answers = polls.cast_ballots(poll, [w.request for w in batch])
            db.session.commit()
        except DomainError as err:
            db.session.rollback()
            if len(batch) > 1:
                for waiting in batch:
                    _commit(app, poll_id, [waiting])
                return
            answers = [err]
        except Exception as err:  # the database is gone, say: every caller raises it and it is logged
            db.session.rollback()
            log.exception("ballots of poll %s could not be written", poll_id)
            answers = [err] * len(batch)
        finally:
            db.session.remove()
    for waiting, answer in zip(batch, answers):
        waiting.answer, waiting.answered = answer, True
        waiting.woken.set()
