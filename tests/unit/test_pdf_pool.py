"""The warm children that stamp readers' copies (cabinet.pdf.runner.WarmPool): jobs from many callers at
once share the pool's children, each copy names its own reader, and a child that dies is replaced."""
import os
import threading

import pytest
from pypdf import PdfReader

from cabinet.pdf.runner import PDF_CHILDREN, WarmPool

from ..documents_helpers import SAMPLES

SOURCE = SAMPLES / "to-trinh-do-thi-thong-minh.pdf"


@pytest.fixture()
def pools():
    """make(size) → a WarmPool whose children are stopped after the test."""
    made = []

    def make(size):
        made.append(WarmPool(size))
        return made[-1]

    yield make
    for pool in made:
        for renderer in pool._renderers:
            renderer._stop()


def _stamp(pool, target, name):
    return pool.run({"command": "stamp", "source": str(SOURCE), "target": str(target),
                     "text": f"Cấp cho {name} lúc 08:00 27/11/2026 – Cabinet"})


def _stamped_for(path) -> str:
    return PdfReader(path).pages[0].extract_text()


def test_many_readers_share_the_warm_children(tmp_path, pools):
    pool = pools(PDF_CHILDREN)
    names = [f"Đại biểu số {i}" for i in range(3 * PDF_CHILDREN)]
    answers = {}

    def one(i, name):
        answers[i] = _stamp(pool, tmp_path / f"{i}.pdf", name)

    threads = [threading.Thread(target=one, args=(i, name)) for i, name in enumerate(names)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert all(answers[i].get("pages") for i in range(len(names))), answers
    for i, name in enumerate(names):
        assert name in _stamped_for(tmp_path / f"{i}.pdf")
    children = {r._child.pid for r in pool._renderers if r._child is not None}
    assert 1 <= len(children) <= PDF_CHILDREN, "the jobs ran in the pool's children, not a child each"


def test_a_child_that_dies_is_replaced(tmp_path, pools):
    pool = pools(1)
    assert _stamp(pool, tmp_path / "a.pdf", "Nguyễn Văn An").get("pages")
    first = pool._renderers[0]._child
    os.kill(first.pid, 9)
    first.wait()
    assert _stamp(pool, tmp_path / "b.pdf", "Trần Thị Bình").get("pages")
    assert pool._renderers[0]._child.pid != first.pid
    assert "Trần Thị Bình" in _stamped_for(tmp_path / "b.pdf")


def test_a_broken_file_is_refused_and_the_child_goes_on(tmp_path, pools):
    pool = pools(1)
    broken = pool.run({"command": "stamp", "source": str(SAMPLES / "truncated.pdf"),
                       "target": str(tmp_path / "x.pdf"), "text": "Cấp cho Lê Văn Cường"})
    assert broken.get("refused"), broken
    assert _stamp(pool, tmp_path / "c.pdf", "Lê Văn Cường").get("pages")
