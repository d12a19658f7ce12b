"""Copies made ahead (cabinet/services/copies_ahead.py), end to end on a real `cabinet serve`.

    .venv/bin/python bench/copies_ahead.py            # 50 members, the 50 MB scan, 3 rounds

The same site as bench/serve.py (50 members invited to a published meeting; accounts cached in
bench/.cache/), but with copies made ahead on. Per round: the secretariat uploads the 300-page 50 MB
scan as `participants`; we time how long the server takes to make every member's stamped copy in the
background (the stamped_copies rows of that version, read from the server's SQLite file every 0.2 s),
and then all 50 members fetch the whole file at the same moment, as in serve.py's "cold, 50" case,
which before this change queued behind 25–45 CPU-s of stamping.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from make_pdf import image_pdf  # noqa: E402
from serve import Site, fetch_together, pct  # noqa: E402


def copies_of(database: Path, document_id: int) -> int:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5) as conn:
        return conn.execute("SELECT count(*) FROM stamped_copies JOIN document_versions v ON v.id = version_id "
                            "WHERE v.document_id = ?", (document_id,)).fetchone()[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readers", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    pdf = image_pdf()
    site = Site(Path(tempfile.mkdtemp(prefix="cabinet-bench-")), args.readers)
    site.env["CABINET_PREPARE_COPIES"] = "true"
    try:
        site.start()
        tokens = [token for token, _ in site.readers]
        database = site.data / "cabinet.sqlite3"
        print(f"{args.readers} members, {pdf.name}; load average at start {os.getloadavg()[0]:.2f}\n")
        print(f"{'round':>5} {'upload s':>9} {'all copies ready s':>19} {'then 50 at once: wall s':>24} "
              f"{'request median':>15} {'p90':>6} {'max':>6} {'failed':>7}")
        for round_number in range(1, args.rounds + 1):
            document_id, size, upload_s = site.upload(pdf, "participants")
            started = time.perf_counter()
            while copies_of(database, document_id) < args.readers:
                if time.perf_counter() - started > 600:
                    raise SystemExit(f"only {copies_of(database, document_id)} copies after 600 s")
                time.sleep(0.2)
            ready_s = time.perf_counter() - started
            outcome = fetch_together(site.file_url(document_id), tokens, None)
            totals = outcome["total"]
            print(f"{round_number:>5} {upload_s:>9.2f} {ready_s:>19.1f} {outcome['wall']:>24.2f} "
                  f"{statistics.median(totals):>15.2f} {pct(totals, 0.9):>6.2f} {max(totals):>6.2f} "
                  f"{len(outcome['failed']):>7}")
        print(f"\nload average at end {os.getloadavg()[0]:.2f}")
    finally:
        site.stop()
        shutil.rmtree(site.data, ignore_errors=True)


if __name__ == "__main__":
    main()
