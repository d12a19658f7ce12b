"""Run PDF work in a child process with memory and CPU limits and a wall-clock timeout."""
from __future__ import annotations

import json
import logging
import os
import resource
import subprocess
import sys
import threading

log = logging.getLogger(__name__)
MEMORY_LIMIT = 1536 * 1024 * 1024  # bytes of address space for the child
CPU_SECONDS = 120
# At most this many children at once per server process (each may need several times a file's size in
# memory); the rest wait their turn. Under eventlet the semaphore is green, so waiting blocks nobody else.
_slots = threading.BoundedSemaphore(int(os.environ.get("CABINET_PDF_WORKERS") or os.cpu_count() or 2))


class WorkerFailed(Exception):
    """The child died, ran out of memory or time: the file is treated as unprocessable."""


def _limits():
    os.nice(10)  # PDF work yields the CPU to the live session (measured: bench/live_render.py)
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))


def run_pdf_worker(job: dict, timeout: float = 180) -> dict:
    """Send `job` to `python -m cabinet.pdf.worker`; return its answer (may contain "refused")."""
    try:
        with _slots:
            result = subprocess.run([sys.executable, "-m", "cabinet.pdf.worker"], input=json.dumps(job),
                                    capture_output=True, text=True, timeout=timeout, preexec_fn=_limits)
    except subprocess.TimeoutExpired:
        log.warning("pdf worker timed out on %s", job.get("command"))
        raise WorkerFailed("timeout")
    if result.returncode != 0 or not result.stdout.strip():
        log.warning("pdf worker failed (%s): %s", result.returncode, result.stderr[-500:])
        raise WorkerFailed(f"exit {result.returncode}")
    return json.loads(result.stdout)
