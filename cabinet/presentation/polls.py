"""A poll as tablets, pages and events see it, and the labels of its majority rules.

A closed poll states its result as the law reads it: the rule, the approvals it needed, the count of
each option and of those who did not vote (of all members counted at close), passed or not; a named
poll also lists who chose what and who did not vote.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..extensions import db
from ..models import VOTING_ROLES, BallotParticipation, NamedBallot, Participant, Poll, User
from ..services import rules
from ..services.live import present_count, voting_counts
from ..services.polls import cast_count

MAJORITY_LABELS = {"simple": _l("More than half of the votes cast"),
                   "present": _l("More than half of the members present"),
                   "all": _l("More than half of all members"),
                   "two_thirds": _l("At least two thirds of all members")}


def poll_json(poll: Poll, actor: User | None = None) -> dict:
    """The poll; with `actor`, whether they voted and their receipt (theirs alone)."""
    cast = cast_count(poll)
    data = {"id": poll.id, "meeting_id": poll.meeting_id, "agenda_item_id": poll.agenda_item_id,
            "question": poll.question, "options": poll.options, "secret": poll.secret, "majority": poll.majority,
            "status": poll.status, "cast": cast, "eligible": present_count(voting_counts(poll.meeting))}
    if actor is not None:
        mine = db.session.scalar(select(BallotParticipation.receipt).where(
            BallotParticipation.poll_id == poll.id, BallotParticipation.user_id == actor.id))
        data["voted"] = mine is not None
        if mine is not None:
            data["receipt"] = mine
    if poll.status == "closed":
        data.update(_result(poll, cast))
    return data


def _result(poll: Poll, cast: int) -> dict:
    counts = [t.count for t in poll.tallies]
    members, present = poll.members_total or 0, poll.present_total or 0
    result = {"results": dict(zip(poll.options, counts)),
              "percent_of_members": {label: _percent(c, members) for label, c in zip(poll.options, counts)},
              "members_total": members, "present_total": present, "passed": poll.passed,
              "votes_needed": rules.votes_needed(poll.majority, members, present, cast),
              "quorum_needed": rules.quorum_needed(members, rules.quorum_ratio(poll.meeting)),
              "quorum_met": rules.has_quorum(present, members, rules.quorum_ratio(poll.meeting)),
              "did_not_vote": max(0, members - cast),
              "did_not_vote_percent": _percent(max(0, members - cast), members)}
    if not poll.secret:
        ballots = db.session.scalars(select(NamedBallot).where(NamedBallot.poll_id == poll.id)
                                     .order_by(NamedBallot.user_id)).all()
        result["ballots"] = [{"user_id": b.user_id, "full_name": b.user.full_name,
                              "option": poll.options[b.position]} for b in ballots]
        voted = {b.user_id for b in ballots}
        result["not_voted"] = [{"user_id": p.user_id, "full_name": p.user.full_name}
                               for p in _voting_members(poll) if p.user_id not in voted]
    return result


def _voting_members(poll: Poll) -> list[Participant]:
    return list(db.session.scalars(select(Participant).where(
        Participant.meeting_id == poll.meeting_id, Participant.role.in_(VOTING_ROLES)).order_by(Participant.user_id)))


def _percent(count: int, total: int) -> float:
    return round(100 * count / total, 2) if total else 0.0


def receipts_json(poll: Poll) -> dict:
    """The receipt codes of every counted ballot, in an order that says nothing (sorted): each voter finds
    theirs; the codes say nothing of the choices."""
    codes = sorted(db.session.scalars(select(BallotParticipation.receipt)
                                      .where(BallotParticipation.poll_id == poll.id)))
    return {"poll_id": poll.id, "status": poll.status, "count": len(codes), "receipts": codes}
