"""Run PDF work in a child process with memory and CPU limits and a wall-clock timeout."""
from __future__ import annotations

import json
import logging
import os
import resource
import select
import subprocess
import sys
import threading

log = logging.getLogger(__name__)
MEMORY_LIMIT = 1536 * 1024 * 1024  # bytes of address space for the child
CPU_SECONDS = 120
# At most this many children at once per server process (each may need several times a file's size in
# memory); the rest wait their turn. Under eventlet the semaphore is green, so waiting blocks nobody else.
PDF_CHILDREN = int(os.environ.get("CABINET_PDF_WORKERS") or os.cpu_count() or 2)
_slots = threading.BoundedSemaphore(PDF_CHILDREN)


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


class WarmRenderer:
    """One long-lived `python -m cabinet.pdf.worker --serve` per server process, for renderings of our
    own templates (the minutes): WeasyPrint's import (~0.5 s) is paid once, not per rendering. Jobs take
    turns; a job that overruns its time kills the child, and the next job starts a fresh one. The child
    is also replaced after JOBS_PER_CHILD jobs, so memory and CPU limits stay meaningful."""

    JOBS_PER_CHILD = 50

    def __init__(self):
        self._lock = threading.Lock()  # green under eventlet (monkey-patched), a real lock otherwise
        self._child: subprocess.Popen | None = None
        self._jobs = 0

    def _start(self) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", "cabinet.pdf.worker", "--serve"], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, bufsize=1,
                                preexec_fn=_long_lived_limits)

    def _stop(self) -> None:
        if self._child is not None:
            self._child.kill()
            self._child.wait()
        self._child, self._jobs = None, 0

    def prestart(self) -> None:
        """Start the child now (a server starting up), so the first minutes render warm too."""
        with self._lock:
            if self._child is None:
                self._child = self._start()

    def run(self, job: dict, timeout: float = 120, then=None) -> dict:
        """Send `job` and return the answer. `then()`, if given, makes the job's second line while the
        child already works on the first (the dossier's cover and pages, while the record is gathered)."""
        with self._lock:
            if self._child is None or self._child.poll() is not None or self._jobs >= self.JOBS_PER_CHILD:
                self._stop()
                self._child = self._start()
            self._jobs += 1
            try:
                self._child.stdin.write(json.dumps(job) + "\n")
                self._child.stdin.flush()
                if then is not None:
                    try:
                        rest = then()
                    except BaseException:
                        self._stop()  # the child waits for a line that will not come
                        raise
                    self._child.stdin.write(json.dumps(rest) + "\n")
                    self._child.stdin.flush()
                ready, _, _ = select.select([self._child.stdout], [], [], timeout)
                line = self._child.stdout.readline() if ready else ""
            except OSError:
                line = ""
            if not line:
                log.warning("warm renderer failed or timed out on %s", job.get("command"))
                self._stop()
                raise WorkerFailed("warm renderer")
            return json.loads(line)


class WarmPool:
    """Warm children for the work done per reader on files already stored (and so already checked and
    rewritten by `inspect` at upload): stamping a reader's copy, writing annotations into a download.
    A one-shot child spends more time starting and importing than stamping (bench/watermark.py), and
    fifty members opening a new document together each need a copy. Each child is a WarmRenderer (same
    limits, same replacement after JOBS_PER_CHILD jobs, killed on overrun); the pool shares the slots of
    one-shot children, so no more PDF children than cores run at once."""

    def __init__(self, size: int):
        self._renderers = [WarmRenderer() for _ in range(size)]
        self._free = list(self._renderers)
        self._lock = threading.Lock()

    def prestart(self) -> None:
        for renderer in self._renderers:
            renderer.prestart()

    def run(self, job: dict, timeout: float = 180) -> dict:
        with _slots:  # at most `size` holders, so a renderer is always free here
            with self._lock:
                renderer = self._free.pop()
            try:
                return renderer.run(job, timeout)
            finally:
                with self._lock:
                    self._free.append(renderer)


def _long_lived_limits():
    os.nice(10)
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    limit = CPU_SECONDS * WarmRenderer.JOBS_PER_CHILD
    resource.setrlimit(resource.RLIMIT_CPU, (limit, limit))


warm_renderer = WarmRenderer()  # our own templates: minutes, the dossier's cover
reader_pool = WarmPool(PDF_CHILDREN)  # readers' copies
