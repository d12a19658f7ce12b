"""The upload check (pdf/sanitize.py) over hostile files made here and over every good sample: what it
reports, that the cleaned copy really lacks it, that harmless links stay, and that files built to exhaust
it end refused or cleaned within seconds."""
import io
import time

import pikepdf
import pypdf
import pytest

from cabinet.pdf import sanitize
from cabinet.pdf.sanitize import REMOVAL_CODES, Refused, inspect_and_clean

from ..documents_helpers import SAMPLES
from ..hostile_pdfs import EXHAUSTING, HOSTILE, TEXT, assert_inert, deep_dict_nesting, js_in_next_array

GOOD_SAMPLES = ["to-trinh-do-thi-thong-minh.pdf", "bao-cao-kinh-te-xa-hoi-2026.pdf", "mixed-sizes-rotated.pdf",
                "flate-bomb.pdf", "javascript-on-open.pdf"]


def _clean(tmp_path, data: bytes) -> tuple[dict, bytes | None]:
    source, target = tmp_path / "in.pdf", tmp_path / "out.pdf"
    source.write_bytes(data)
    answer = inspect_and_clean(source, target)
    return answer, target.read_bytes() if answer["cleaned"] else None


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_content_is_found_and_gone_from_the_copy(tmp_path, name):
    build, codes = HOSTILE[name]
    answer, cleaned = _clean(tmp_path, build())
    assert set(answer["removed"]) == codes
    assert set(answer["removed"]) <= set(REMOVAL_CODES)
    assert answer["cleaned"] and answer["pages"] == 1
    assert_inert(cleaned)
    assert TEXT in pypdf.PdfReader(io.BytesIO(cleaned)).pages[0].extract_text()


def test_harmless_actions_and_links_stay(tmp_path):
    _answer, cleaned = _clean(tmp_path, HOSTILE["launch_deep_in_next_chain"][0]())
    with pikepdf.open(io.BytesIO(cleaned)) as pdf:
        action = pdf.pages[0].Annots[0].A
        assert action.S == "/GoTo" and action.Next.S == "/GoTo" and action.Next.Next.S == "/URI"
        assert "/Next" not in action.Next.Next, "the Launch went, the chain up to it stayed"
    _answer, cleaned = _clean(tmp_path, HOSTILE["unsafe_uris"][0]())
    with pikepdf.open(io.BytesIO(cleaned)) as pdf:
        uris = [str(annot.A.URI) for annot in pdf.pages[0].Annots if "/A" in annot]
        assert uris == ["https://hoidong.example.vn/"]
    _answer, cleaned = _clean(tmp_path, HOSTILE["outline_script"][0]())
    with pikepdf.open(io.BytesIO(cleaned)) as pdf, pdf.open_outline() as outline:
        titles = [item.title for item in outline.root] + [item.title for item in outline.root[1].children]
        assert titles == ["Mở đầu", "Phụ lục", "Chi tiết", "Chạy"]
        assert outline.root[0].action is not None, "the GoTo bookmark still jumps"
    _answer, cleaned = _clean(tmp_path, HOSTILE["form_field_script"][0]())
    with pikepdf.open(io.BytesIO(cleaned)) as pdf:
        assert [str(field.T) for field in pdf.Root.AcroForm.Fields] == ["amount"], "the field stays, without scripts"


def test_a_next_array_holding_only_a_goto_is_kept_as_it_was(tmp_path):
    """A GoTo chain with nothing active in it: nothing reported, the file served as received."""
    pdf = pikepdf.open(io.BytesIO(js_in_next_array()))
    pdf.Root.OpenAction.Next = pikepdf.Array([pdf.Root.OpenAction.Next[0]])
    out = io.BytesIO()
    pdf.save(out)
    assert _clean(tmp_path, out.getvalue()) == ({"pages": 1, "removed": [], "cleaned": False, "title": None}, None)


@pytest.mark.parametrize("name", sorted(EXHAUSTING))
def test_files_built_to_exhaust_end_refused_or_clean_within_seconds(tmp_path, name):
    started = time.monotonic()
    try:
        answer, cleaned = _clean(tmp_path, EXHAUSTING[name]())
    except Refused as refused:
        assert refused.code in ("damaged", "too_complex")
    else:
        assert answer["pages"] >= 1 and (cleaned is None or cleaned.startswith(b"%PDF-"))
    assert time.monotonic() - started < 20


def test_deeply_nested_objects_are_refused_as_damaged(tmp_path):
    """100 000 dictionaries inside one another: pypdf reads them, but a rewrite or a stamp would overflow
    the stack; the walk refuses them at its nesting bound."""
    with pytest.raises(Refused) as refused:
        _clean(tmp_path, deep_dict_nesting())
    assert refused.value.code == "damaged" and "nested" in refused.value.detail


def test_the_walk_stops_at_its_budget(tmp_path, monkeypatch):
    monkeypatch.setattr(sanitize, "MAX_ENTRIES", 50)
    with pytest.raises(Refused) as refused:
        _clean(tmp_path, (SAMPLES / "bao-cao-kinh-te-xa-hoi-2026.pdf").read_bytes())
    assert refused.value.code == "too_complex" and "entries" in refused.value.detail


@pytest.mark.parametrize("name", GOOD_SAMPLES)
def test_every_good_sample_keeps_its_pages_and_text_through_a_cleaning(tmp_path, name):
    """A script added to each good sample forces the rewrite: the copy has the same pages and words."""
    original = (SAMPLES / name).read_bytes()
    with pikepdf.open(io.BytesIO(original)) as pdf:
        pdf.Root.OpenAction = pdf.make_indirect(pikepdf.Dictionary(S=pikepdf.Name.JavaScript,
                                                                   JS=pikepdf.String("app.alert(1)")))
        out = io.BytesIO()
        pdf.save(out)
    answer, cleaned = _clean(tmp_path, out.getvalue())
    assert answer["removed"] == ["javascript"]
    before, after = pypdf.PdfReader(io.BytesIO(original)), pypdf.PdfReader(io.BytesIO(cleaned))
    assert answer["pages"] == len(before.pages) == len(after.pages)
    assert_inert(cleaned)
    if name != "flate-bomb.pdf":  # its one stream inflates to 256 MiB: the check never decodes it
        assert [p.extract_text() for p in after.pages] == [p.extract_text() for p in before.pages]
        assert any(p.extract_text().strip() for p in after.pages)


@pytest.mark.parametrize("name", [n for n in GOOD_SAMPLES if n != "javascript-on-open.pdf"])
def test_good_samples_pass_untouched(tmp_path, name):
    """Nothing to remove: the file is kept byte for byte (a signed PDF stays signed)."""
    answer, cleaned = _clean(tmp_path, (SAMPLES / name).read_bytes())
    assert answer["removed"] == [] and cleaned is None
