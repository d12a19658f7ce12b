"""The inbox as the page and the API show it: entries grouped by source, each with the link where it is done."""
from __future__ import annotations

from flask import url_for

from ..services.inbox import SOURCES, Entry


def entry_json(entry: Entry) -> dict:
    endpoint, values = SOURCES[entry.source].place(entry)
    return {"source": entry.source, "ref_id": entry.ref_id, "title": entry.title, "state": entry.state,
            "meeting": {"id": entry.meeting_id, "title": entry.meeting_title, "starts_at": entry.starts_at.isoformat()},
            "url": url_for(endpoint, **values), **entry.extra}


def grouped(entries: list[Entry]) -> list[dict]:
    """Every registered source in order, with its heading and its entries (empty groups too: the page says
    "nothing" for them)."""
    by_source = {name: [] for name in SOURCES}
    for entry in entries:
        by_source[entry.source].append(entry)
    return [{"source": name, "label": str(SOURCES[name].label), "entries": listed}
            for name, listed in by_source.items()]
