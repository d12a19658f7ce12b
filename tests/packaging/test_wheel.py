"""The wheel is the product: built from this checkout, installed into a fresh venv the way
docs/DEPLOYMENT.md says (the lock, then the wheel without dependencies) and run from a folder that is not
the checkout, it must create its database, serve its pages in Vietnamese and English and its static files."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import venv
from pathlib import Path

import pytest
import requests

from ..servers import Server, cabinet_env

pytestmark = pytest.mark.packaging

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / "requirements.lock"
# The lock's wheels, kept between runs: asking the index ~80 times takes longer than the rest of the test.
WHEELHOUSE = Path(os.environ.get("CABINET_WHEELHOUSE") or Path.home() / ".cache" / "cabinet" / "wheelhouse")


def _run(command: list, timeout: float, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run([str(part) for part in command], capture_output=True, text=True, timeout=timeout,
                            **kwargs)
    assert result.returncode == 0, f"{' '.join(map(str, command))} failed:\n{result.stdout[-3000:]}\n" \
                                   f"{result.stderr[-3000:]}"
    return result


@pytest.fixture()
def installed(tmp_path) -> Path:
    """A venv holding the locked dependencies and the wheel built from this checkout; its bin folder."""
    work = tmp_path / "wheel"
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", work / "dist", ROOT],
         timeout=300)
    wheel = next((work / "dist").glob("cabinet-*.whl"))
    venv.create(work / "venv", with_pip=True)
    pip = work / "venv" / "bin" / "pip"
    offline = [pip, "install", "--quiet", "--no-index", "--find-links", WHEELHOUSE,
               "--require-hashes", "-r", LOCK]
    if subprocess.run(offline, capture_output=True, timeout=600).returncode != 0:  # a new machine, a new lock
        _run([pip, "download", "--quiet", "--require-hashes", "-r", LOCK, "-d", WHEELHOUSE], timeout=900)
        _run(offline, timeout=600)
    _run([pip, "install", "--quiet", "--no-deps", wheel], timeout=120)
    return work / "venv" / "bin"


@pytest.fixture()
def outside(tmp_path) -> Path:
    """A working folder with nothing of the checkout in it."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    return folder


def check_imports_the_wheel(installed: Path, outside: Path) -> None:
    """The venv imports its own copy (not this checkout), which carries its templates, static files,
    migrations and compiled Vietnamese catalogue."""
    probe = ("import cabinet, cabinet.resources as r; print(cabinet.__file__); print(r.installed()); "
             "print(all(p.is_dir() for p in (r.templates_dir(), r.static_dir() / 'vendor' / 'pdfjs', "
             "r.migrations_dir() / 'versions'))); "
             "print((r.translations_dir() / 'vi' / 'LC_MESSAGES' / 'messages.mo').is_file())")
    lines = _run([installed / "python", "-c", probe], timeout=60, cwd=outside,
                 env=cabinet_env(outside / "data")).stdout.split()
    assert Path(lines[0]).is_relative_to(installed.parent), lines[0]
    assert lines[1:] == ["True", "True", "True"]


def test_wheel_installs_and_serves_from_elsewhere(installed, outside):
    """One test, not several: under xdist each would build and install the wheel again."""
    check_imports_the_wheel(installed, outside)
    env = cabinet_env(outside / "data", CABINET_SECURE_COOKIES="false")  # plain HTTP on the loopback
    help_text = _run([installed / "cabinet", "--help"], timeout=60, cwd=outside, env=env).stdout
    assert "init-db" in help_text and "serve" in help_text

    _run([installed / "cabinet", "init-db"], timeout=120, cwd=outside, env=env)
    assert (outside / "data" / "cabinet.sqlite3").is_file()

    server = Server(env, outside / "server.log", cabinet=str(installed / "cabinet"), cwd=outside)
    server.start(timeout=60)
    try:
        browser = requests.Session()
        page = browser.get(server.url + "/login", timeout=10)
        assert page.status_code == 200
        assert 'lang="vi"' in page.text and "Đăng nhập" in page.text  # template + compiled catalogue

        stylesheets = re.findall(r'href="(/static/[^"]+\.css)"', page.text)
        assert stylesheets
        vendor = ["/static/vendor/pdfjs/pdf.mjs", "/static/vendor/socket.io/socket.io.esm.min.js"]
        for url in stylesheets + vendor:
            assert browser.get(server.url + url, timeout=10).status_code == 200, url
        assert browser.get(server.url + "/static/install-vendor.sh", timeout=10).status_code == 404

        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        switched = browser.post(server.url + "/lang/en", data={"csrf_token": token, "next": "/login"},
                                timeout=10)
        assert switched.status_code == 200 and switched.url.endswith("/login")
        assert 'lang="en"' in switched.text and ">Log in<" in switched.text
        assert "Đăng nhập" not in switched.text
    finally:
        server.stop()
