"""CPU-bound work that must not hold the server's event loop: argon2 password hashing (0.1–0.3 s each;
forty members logging in at 08:00 held every tablet's broadcast for seconds). Under `cabinet serve` it
runs in real threads, a few at a time (serving.py installs eventlet's thread pool; argon2's C code
releases the GIL); elsewhere — the threading mode, commands, tests — in the caller's own thread."""
from __future__ import annotations

from typing import Callable, TypeVar

T = TypeVar("T")
_runner: Callable | None = None


def install(runner: Callable) -> None:
    """`runner(fn, *args)` runs fn(*args) off the event loop and returns its result (or raises)."""
    global _runner
    _runner = runner


def run(fn: Callable[..., T], *args) -> T:
    return fn(*args) if _runner is None else _runner(fn, *args)
