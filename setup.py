"""The build step setup.cfg cannot say: a wheel holds only what is inside the package, so the repository's
top-level templates/, static/ (with static/vendor from `make assets`) and migrations/ are copied into it as
cabinet/_resources/ (cabinet/resources.py finds them there), and the .po catalogues are compiled to .mo.
An editable install (`pip install -e .`) copies nothing: the app reads the checkout's folders."""
from pathlib import Path
import shutil

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
RESOURCES = ("templates", "static", "migrations")
# Not served and not needed to run: the script that fills static/vendor, its marker, caches.
SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", ".installed", "install-vendor.sh", ".DS_Store")


class BuildWithResources(build_py):
    """build_py, plus the app's files and compiled translations in the built package."""

    def run(self):
        editable = getattr(self, "editable_mode", False)
        target = Path(self.build_lib) / "cabinet"
        if not editable and target.exists():
            shutil.rmtree(target)  # a module deleted from the checkout must not ride along from an old build
        super().run()
        if editable:
            return
        self._copy_resources(target / "_resources")
        self._compile_catalogs(target / "translations")

    def _copy_resources(self, dest: Path) -> None:
        vendor = ROOT / "static" / "vendor"
        if not (vendor / "pdfjs").is_dir():
            raise SystemExit(f"{vendor} is missing: run `make assets` (static/install-vendor.sh) before "
                             "building, or the pages would load no PDF viewer and no Socket.IO client")
        for name in RESOURCES:
            shutil.copytree(ROOT / name, dest / name, ignore=SKIP)

    def _compile_catalogs(self, translations: Path) -> None:
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        for po_path in sorted((ROOT / "cabinet" / "translations").glob("*/LC_MESSAGES/messages.po")):
            mo_path = translations / po_path.relative_to(ROOT / "cabinet" / "translations")
            mo_path = mo_path.with_suffix(".mo")
            mo_path.parent.mkdir(parents=True, exist_ok=True)
            with po_path.open("rb") as po_file:
                catalog = read_po(po_file)
            with mo_path.open("wb") as mo_file:
                write_mo(mo_file, catalog)


setup(cmdclass={"build_py": BuildWithResources})
