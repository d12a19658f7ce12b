"""The counting rules of a session, each named once: who is present, how many make the quorum, how many
approvals a majority rule needs. The live session, the polls, the minutes and the pages all ask here.

Law 47/2019 and the councils' working rules: a session needs at least two thirds of the members unless
the body sets another ratio; a decision passes with more than half (or at least two thirds) of the votes
of the base its rule names.
"""
from __future__ import annotations

import math

PRESENT = ("room", "online")  # in the room or connected: may vote, counts for the quorum
DEFAULT_QUORUM = 2 / 3


def is_present(attendance: str | None) -> bool:
    return attendance in PRESENT


def quorum_ratio(meeting) -> float:
    """The ratio the room sat under: frozen on the meeting when it started, else its body's, else 2/3."""
    if getattr(meeting, "quorum_ratio", None) is not None:
        return meeting.quorum_ratio
    if meeting.body is not None and meeting.body.quorum_ratio is not None:
        return meeting.body.quorum_ratio
    return DEFAULT_QUORUM


def quorum_needed(expected: int, ratio: float) -> int:
    """Members who must be present: the ratio of the expected, rounded up (6 of 9 at two thirds)."""
    return math.ceil(round(ratio * expected, 6))


def votes_needed(majority: str, members: int, present: int, cast: int) -> int:
    """Approvals the rule needs to pass: more than half of its base, or at least two thirds of all
    members; never fewer than one."""
    if majority == "two_thirds":
        return max(1, math.ceil(round(2 * members / 3, 6)))
    base = {"simple": cast, "present": present, "all": members}[majority]
    return base // 2 + 1


def has_quorum(present: int, members: int, ratio: float) -> bool:
    return members > 0 and present >= quorum_needed(members, ratio)


def passes(majority: str, approvals: int, members: int, present: int, cast: int, ratio: float) -> bool:
    """Decided: the room had its quorum, and the approvals reached what the rule needs."""
    return has_quorum(present, members, ratio) and approvals >= votes_needed(majority, members, present, cast)
