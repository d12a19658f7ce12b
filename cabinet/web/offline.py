"""Offline reading: the service worker at /sw.js, the page it shows when nothing was saved, and the list of
what a meeting page asks it to keep (the meeting, its documents, the viewer's assets).

The worker itself (static/sw.js) and the page side (static/js/offline.js) hold the mechanics; see
docs/DOCUMENTS.md. Nothing here decides who may read what: the list is built from what the services
already gave this user.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from flask import Blueprint, current_app, render_template, send_from_directory, url_for
from flask_login import login_required

offline_bp = Blueprint("offline", __name__)

# What a reading tablet needs from static/: styles, our scripts, the PDF viewer and its data.
# (install-vendor.sh, licences and source maps are not needed to read.)
STATIC_KEEP = (".css", ".js", ".mjs", ".svg", ".bcmap", ".pfb", ".ttf", ".otf", ".woff", ".woff2",
               ".wasm", ".json", ".png", ".icc")
STATIC_SKIP = ("sw.js",)


@offline_bp.get("/sw.js")
def service_worker():
    """The service worker, served from the root so that it may control every page (scope "/")."""
    response = send_from_directory(current_app.static_folder, "sw.js", mimetype="application/javascript",
                                   max_age=0)
    response.headers["Service-Worker-Allowed"] = "/"
    response.headers["Cache-Control"] = "no-cache"  # a new worker is picked up on the next visit
    return response


@offline_bp.get("/offline")
@login_required
def offline_page():
    """What the worker shows for a page that was not saved on this tablet."""
    return render_template("documents/offline.html")


def static_assets() -> tuple[list[str], str]:
    """URLs of the static files a page or the viewer may load, for the worker to keep, and a version of
    them (names, sizes, times) so that the worker downloads them again only after they changed."""
    root = Path(current_app.static_folder)
    urls, version = [], hashlib.sha256()
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        if (path.is_file() and path.suffix in STATIC_KEEP and relative not in STATIC_SKIP
                and not path.name.endswith(".map")):
            stat = path.stat()
            urls.append(url_for("static", filename=relative))
            version.update(f"{relative}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
    return urls, version.hexdigest()[:16]


def meeting_manifest(user, meeting, documents: list[dict]) -> dict:
    """What the meeting page asks the worker to keep: `documents` are the Document JSON of those this
    user may read (the services chose them). Files carry their version, so an unchanged one is not
    downloaded again."""
    meeting_urls = [url_for("meetings.detail", meeting_id=meeting.id),
                    f"/api/v1/meetings/{meeting.id}/agenda"]
    files = []
    for document in documents:
        if document.get("withdrawn"):
            continue  # (the secretariat sees it; no tablet keeps it: the worker deletes its copy)
        meeting_urls += [f"/documents/{document['id']}", f"/api/v1/documents/{document['id']}",
                         f"/api/v1/documents/{document['id']}/annotations"]
        files.append({"url": document.get("file_url") or f"/api/v1/documents/{document['id']}/file",
                      "version": (document.get("version") or {}).get("number")})
    assets, assets_version = static_assets()
    return {
        "user": str(user.id),
        "meeting": meeting.id,
        "urls": meeting_urls,
        "files": files,
        "pages": [url_for("meetings.index"), url_for("offline.offline_page")],
        "assets": assets,
        "assets_version": assets_version,
    }
