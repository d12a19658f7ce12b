"""The child process that does PDF work: `python -m cabinet.pdf.worker`.

Reads a JSON job on stdin, writes a JSON answer on stdout. Imports no Flask and no database, so it
starts fast and holds nothing of the server's. With `--serve` it stays up and answers one JSON job per
line (runner.py): the warm renderer for our own templates, which imports WeasyPrint once, and the warm
children that stamp readers' copies of files already inspected at upload.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path


def handle(job: dict, rest=None) -> dict:
    """Do one job; every failure becomes an answer ({"refused": code, "detail": …}). `rest()` reads the
    job's second line, for a job sent in two parts (--serve only)."""
    command = job["command"]
    try:
        if command == "inspect":
            from .sanitize import inspect_and_clean
            answer = inspect_and_clean(Path(job["source"]), Path(job["target"]))
        elif command == "stamp":
            from .stamp import stamp_pdf
            answer = {"pages": stamp_pdf(Path(job["source"]), Path(job["target"]), job["text"])}
        elif command == "annotate":
            from .annotate import write_annotations
            answer = {"written": write_annotations(Path(job["source"]), Path(job["target"]), job["notes"])}
        elif command == "render_minutes":
            from .minutes import render_minutes_pdf
            answer = render_minutes_pdf(job["html"], Path(job["static_dir"]), Path(job["target"]), job["attachments"])
        elif command == "dossier" and "attachments" not in job and rest is None:
            answer = {"refused": "two_part_job", "detail": "the attachments come as a second line: --serve only"}
        elif command == "dossier":
            from .dossier import assemble_dossier
            attachments = job["attachments"] if "attachments" in job else lambda: rest()["attachments"]
            answer = assemble_dossier(job["title"], job["cover_html"], Path(job["static_dir"]), job["parts"],
                                      attachments, Path(job["target"]), job.get("cover_title", "Bìa và chương trình"))
        elif command == "text":
            from .text import extract_text
            answer = extract_text(Path(job["source"]), int(job["limit"]))
        elif command == "sign":
            from .sign import sign_file
            answer = sign_file(job)
        elif command == "verify":
            from .sign import NotAPdf, verify_pdf
            try:
                answer = verify_pdf(Path(job["source"]).read_bytes(), job["roots"])
            except NotAPdf as err:
                answer = {"refused": err.code, "detail": str(err)}
        else:
            answer = {"refused": "unknown_command"}
    except Exception as err:  # noqa: BLE001 — every failure becomes an answer the server can act on
        from .sanitize import Refused
        answer = {"refused": err.code, "detail": err.detail} if isinstance(err, Refused) else \
            {"refused": "damaged", "detail": f"{type(err).__name__}: {err}"}
    return answer


def serve() -> int:
    import weasyprint  # noqa: F401  (the point of staying up: imported once, not per minutes)
    for line in sys.stdin:
        sys.stdout.write(json.dumps(handle(json.loads(line), rest=lambda: json.loads(sys.stdin.readline()))) + "\n")
        sys.stdout.flush()
    return 0


def main() -> int:
    if sys.argv[1:] == ["--serve"]:
        return serve()
    json.dump(handle(json.load(sys.stdin)), sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
