"""Stamping one reader's copy: Cabinet's stamp_pdf against the reference, qpdf --overlay.

    .venv/bin/python bench/watermark.py                       # both test PDFs, 11 rounds
    .venv/bin/python bench/watermark.py --pdf text --runs 9 --profile

For each test PDF (bench/make_pdf.py: the 500-page text report, and the 50 MB 300-page scan):
  (a) in-process  — cabinet.pdf.stamp.stamp_pdf(source, target, text) called directly;
  (b) worker      — run_pdf_worker({"command": "stamp", ...}), exactly as the server does it for a
                    reader's first request until session 4: a `python -m cabinet.pdf.worker` child with limits
                    (process start and imports included);
  (c) qpdf        — `qpdf --overlay STAMP.pdf --repeat=1 -- in.pdf out.pdf`, where STAMP.pdf is a
                    blank page of the same size carrying the same stamp (made once, by stamp_pdf, so
                    text, font and placements are identical): the same result by the reference tool;
  start-only      — to read (b): `python -c "import cabinet.pdf.stamp"`, the part of the worker's
                    time that is process start and imports (pypdf, fpdf2 + fontTools), no stamping;
  (d) warm        — the same job sent to a warm child (cabinet.pdf.runner.WarmPool, one child here),
                    as the server sends readers' copies since session 4: started once, same limits.
Time: 1 warm-up of each, then --runs rounds; each round runs every method once, in a shuffled order
(fixed seed), so that a change in machine load hits all methods alike. Per method: wall clock
median / p90 / min, and CPU seconds (user + system; the children's for b, c and start-only), which
do not grow when other programs compete for the CPU.
Memory: each method once more in its own fresh process (after a warm-up there): for (a) the
tracemalloc peak plus the growth of peak RSS (VmHWM), for the others the child's max RSS
(getrusage(RUSAGE_CHILDREN).ru_maxrss, what /usr/bin/time -v reports; it cannot read below the RSS of
the small forking process, printed below the table).
Goal (from the issue): stamping within 3x of qpdf. Ratios: ours / qpdf, of medians and of CPU.

--profile adds the top cProfile entries of one in-process stamp of the 500-page file.
"""
from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

TEXT = "Cấp cho Nguyễn Thị Minh Khai (daibieu07) lúc 08:30 15/01/2026 – Cabinet"  # stamp_text()'s shape
METHODS = ("in-process", "worker", "warm", "qpdf", "start-only")
_POOL = None  # the warm child, started on first use


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def peak_rss_mib() -> float:
    """This process's peak RSS since exec (VmHWM); ru_maxrss(RUSAGE_SELF) would also count the
    parent's pages inherited at fork time."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def make_overlay(source: Path, target: Path) -> None:
    """A blank page the size of `source`'s first page, stamped with TEXT by Cabinet's own code."""
    from fpdf import FPDF
    from pypdf import PdfReader

    from cabinet.pdf.stamp import stamp_pdf
    box = PdfReader(str(source)).pages[0].mediabox
    blank = FPDF(unit="pt", format=(float(box.width), float(box.height)))
    blank.add_page()
    blank_path = target.with_name("blank.pdf")
    blank.output(str(blank_path))
    stamp_pdf(blank_path, target, TEXT)


def runner(method: str, source: Path, overlay: Path, target: Path):
    """A function doing one stamp (or one start) by `method`."""
    if method == "in-process":
        from cabinet.pdf.stamp import stamp_pdf
        return lambda: stamp_pdf(source, target, TEXT)
    if method == "worker":
        from cabinet.pdf.runner import run_pdf_worker

        def once():
            answer = run_pdf_worker({"command": "stamp", "source": str(source), "target": str(target),
                                     "text": TEXT})
            assert "pages" in answer, answer
        return once
    if method == "warm":
        def once():
            answer = warm_pool().run({"command": "stamp", "source": str(source), "target": str(target),
                                      "text": TEXT})
            assert "pages" in answer, answer
        return once
    if method == "qpdf":
        command = [shutil.which("qpdf"), "--overlay", str(overlay), "--repeat=1", "--",
                   str(source), str(target)]
        return lambda: subprocess.run(command, check=True, capture_output=True)
    command = [sys.executable, "-c", "import cabinet.pdf.stamp"]
    return lambda: subprocess.run(command, check=True, cwd=ROOT)


def warm_pool():
    global _POOL
    if _POOL is None:
        from cabinet.pdf.runner import WarmPool
        _POOL = WarmPool(1)
        _POOL.prestart()
    return _POOL


def warm_child_pid() -> int:
    return warm_pool()._renderers[0]._child.pid


def cpu_now(method: str) -> float:
    if method == "in-process":
        return time.process_time()
    if method == "warm":  # a live child: its own counters (RUSAGE_CHILDREN counts only ended ones)
        fields = Path(f"/proc/{warm_child_pid()}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


# --- memory: one method in a fresh, small process ----------------------------------------------

def memory_child(method: str, source: Path, overlay: Path) -> dict:
    with tempfile.TemporaryDirectory() as work:
        once = runner(method, source, overlay, Path(work) / "out.pdf")
        before = peak_rss_mib()
        once()  # warm-up
        if method == "in-process":
            growth = peak_rss_mib() - before
            tracemalloc.start()
            once()
            peak = tracemalloc.get_traced_memory()[1] / 2 ** 20
            tracemalloc.stop()
            return {"text": f"tracemalloc {peak:.0f} MiB, RSS +{growth:.0f} MiB"}
        once()
        if method == "warm":
            status = Path(f"/proc/{warm_child_pid()}/status").read_text()
            peak = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:"))
            return {"text": f"child max RSS {peak / 1024:.0f} MiB (a long-lived child)", "floor": peak_rss_mib()}
        child_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        return {"text": f"child max RSS {child_rss:.0f} MiB", "floor": peak_rss_mib()}


def memory(method: str, source: Path, overlay: Path) -> dict:
    answer = subprocess.run([sys.executable, __file__, "--memory-child", method, "--source", str(source),
                             "--overlay", str(overlay)],
                            capture_output=True, text=True, cwd=ROOT, timeout=600)
    if answer.returncode != 0:
        raise SystemExit(f"{method} failed:\n{answer.stderr}")
    return json.loads(answer.stdout)


# --- report -------------------------------------------------------------------------------------

def bench_one(source: Path, runs: int, rng: random.Random) -> tuple[dict, dict]:
    times = {m: [] for m in METHODS}
    cpus = {m: [] for m in METHODS}
    with tempfile.TemporaryDirectory() as work:
        overlay = Path(work) / "stamp.pdf"
        make_overlay(source, overlay)
        onces = {m: runner(m, source, overlay, Path(work) / f"out-{m}.pdf") for m in METHODS}
        for once in onces.values():
            once()  # warm-up
        for _ in range(runs):
            order = list(METHODS)
            rng.shuffle(order)
            for method in order:
                cpu, started = cpu_now(method), time.perf_counter()
                onces[method]()
                times[method].append(time.perf_counter() - started)
                cpus[method].append(cpu_now(method) - cpu)
        sizes = {m: (Path(work) / f"out-{m}.pdf").stat().st_size / 1e6
                 for m in ("in-process", "worker", "warm", "qpdf")}
        memories = {m: memory(m, source, overlay) for m in METHODS}
    return {"times": times, "cpus": cpus, "sizes": sizes}, memories


def profile(source: Path) -> None:
    from cabinet.pdf.stamp import stamp_pdf
    with tempfile.TemporaryDirectory() as work:
        stamp_pdf(source, Path(work) / "warm.pdf", TEXT)
        profiler = cProfile.Profile()
        profiler.enable()
        stamp_pdf(source, Path(work) / "out.pdf", TEXT)
        profiler.disable()
    print(f"\ncProfile, one in-process stamp of {source.name} (top 15 by cumulative time):")
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(15)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--pdf", choices=("text", "images", "both"), default="both")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--memory-child", choices=METHODS)
    parser.add_argument("--source")
    parser.add_argument("--overlay")
    args = parser.parse_args()

    if args.memory_child:
        print(json.dumps(memory_child(args.memory_child, Path(args.source), Path(args.overlay))))
        return

    if not shutil.which("qpdf"):
        raise SystemExit("qpdf is missing: apt-get install -y qpdf")
    from make_pdf import image_pdf, text_pdf
    sources = {"text": [text_pdf()], "images": [image_pdf()], "both": [text_pdf(), image_pdf()]}[args.pdf]
    qpdf_version = subprocess.run(["qpdf", "--version"], capture_output=True,
                                  text=True).stdout.splitlines()[0]
    began, load = time.perf_counter(), os.getloadavg()[0]
    print(f"stamp text: {TEXT!r}\n{args.runs} rounds after 1 warm-up; {qpdf_version}; "
          f"load average at start {load:.2f} on {os.cpu_count()} CPUs\n")
    header = (f"{'file':<15} {'method':<11} {'median s':>9} {'p90 s':>7} {'min s':>7} {'CPU s':>7} "
              f"{'x qpdf':>7} {'x qpdf CPU':>10} {'out MB':>7}  peak memory")
    print(header)
    print("-" * (len(header) + 24))
    rng = random.Random(7)
    floors = []
    for source in sources:
        result, memories = bench_one(source, args.runs, rng)
        reference = statistics.median(result["times"]["qpdf"])
        reference_cpu = statistics.median(result["cpus"]["qpdf"])
        for method in METHODS:
            times, cpus = result["times"][method], result["cpus"][method]
            median, cpu = statistics.median(times), statistics.median(cpus)
            size = f"{result['sizes'][method]:.1f}" if method in result["sizes"] else "-"
            print(f"{source.name:<15} {method:<11} {median:>9.3f} {percentile(times, 0.9):>7.3f} "
                  f"{min(times):>7.3f} "
                  f"{cpu:>7.3f} {median / reference:>7.2f} {cpu / reference_cpu:>10.2f} {size:>7}  "
                  f"{memories[method]['text']}")
            if "floor" in memories[method]:
                floors.append(memories[method]["floor"])
        print()
    print(f"(child max RSS cannot read below its forking process's own RSS, here <= {max(floors):.0f} MiB)")
    print(f"goal: warm (what a reader waits for since session 4; worker before) within 3x of qpdf. "
          f"Took {time.perf_counter() - began:.0f} s; load average at end {os.getloadavg()[0]:.2f}")
    if args.profile:
        profile(text_pdf())


if __name__ == "__main__":
    main()
