"""CPU-bound work that must not hold the server's event loop: argon2 password hashing (0.1–0.3 s each;
forty members logging in at 08:00 held every tablet's broadcast for seconds). Under `cabinet serve` it
runs in real threads, a few at a time (serving.py installs eventlet's pool of real threads; argon2's C code
releases the GIL); elsewhere — the threading mode, commands, tests — in the caller's own thread, as few at
a time."""
from __future__ import annotations

import os
import threading
from typing import Callable, TypeVar

T = TypeVar("T")
_runner: Callable | None = None
_slots: threading.Semaphore | None = None


def install(runner: Callable | None) -> None:
    """`runner(fn, args, ready)` runs `ready()` once a slot is free, then fn(*args) off the event loop, and
    returns its result (or raises)."""
    global _runner
    _runner = runner


def run(fn: Callable[..., T], *args, ready: Callable[[], None] | None = None) -> T:
    """fn(*args) in one of the few slots; `ready()`, if given, first, once the slot is ours: a check that must
    see what the calls ahead of it did (login_attempts.reserve counts the failures of the guesses before)."""
    if _runner is not None:
        return _runner(fn, args, ready)
    with _local_slots():
        if ready is not None:
            ready()
        return fn(*args)


def slot_count() -> int:
    return max(2, os.cpu_count() or 2)


def _local_slots() -> threading.Semaphore:
    global _slots
    if _slots is None:  # made on first use: after eventlet's monkey-patching, wherever that happens
        _slots = threading.Semaphore(slot_count())
    return _slots
