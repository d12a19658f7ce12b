"""Test PDFs for the document benchmarks, made deterministically and offline.

    .venv/bin/python bench/make_pdf.py          # make (or reuse) them and print what they are
    .venv/bin/python bench/make_pdf.py --force  # make them again

Two files, cached under bench/.cache/ (the same seed gives the same bytes on the same versions of
fpdf2 and Pillow):
- text-500.pdf  — 500 A4 pages of Vietnamese prose (diacritics, embedded DejaVu Sans subset),
  a heading and six paragraphs per page: a long report, the case where per-page cost shows.
- images-300.pdf — 300 A4 pages, each with one random-noise JPEG (incompressible, ~170 kB) and a
  caption: about 50 MB, the case where copying bytes shows.

Other scripts import `text_pdf()` and `image_pdf()`, which make the file only when it is missing.
"""
from __future__ import annotations

import hashlib
import io
import random
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from fpdf import FPDF
from PIL import Image

CACHE = Path(__file__).resolve().parent / ".cache"
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
FONT_BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
FIXED_DATE = datetime(2026, 1, 1, tzinfo=timezone.utc)
TEXT_PAGES, IMAGE_PAGES = 500, 300
IMAGE_SIZE, JPEG_QUALITY = (520, 420), 85  # ≈ 170 kB of noise per page → ≈ 50 MB in all

SENTENCES = [
    "Ủy ban nhân dân thành phố báo cáo tình hình thực hiện nhiệm vụ phát triển kinh tế – xã hội.",
    "Tổng sản phẩm trên địa bàn ước tăng 8,5% so với cùng kỳ năm trước, vượt kế hoạch đề ra.",
    "Thu ngân sách nhà nước đạt 112% dự toán; chi thường xuyên được kiểm soát chặt chẽ.",
    "Công tác cải cách hành chính tiếp tục được đẩy mạnh, nhất là chuyển đổi số trong giải quyết thủ tục.",
    "Các dự án giao thông trọng điểm được tập trung chỉ đạo, bảo đảm tiến độ và chất lượng công trình.",
    "Hội đồng nhân dân đề nghị các sở, ngành rà soát kỹ những vướng mắc về giải phóng mặt bằng.",
    "Giáo dục và đào tạo đạt nhiều kết quả tích cực; "
    "tỷ lệ học sinh tốt nghiệp trung học phổ thông đạt 99,2%.",
    "Công tác phòng, chống dịch bệnh, bảo đảm an sinh xã hội được quan tâm thực hiện đầy đủ, kịp thời.",
    "Quốc phòng, an ninh được giữ vững; trật tự an toàn xã hội trên địa bàn cơ bản ổn định.",
    "Đề nghị các đại biểu nghiên cứu kỹ tờ trình và cho ý kiến về dự thảo nghị quyết trước phiên họp.",
    "Một số chỉ tiêu chưa đạt kế hoạch do ảnh hưởng của thiên tai và biến động giá nguyên vật liệu.",
    "Nhiệm vụ trọng tâm năm tới là nâng cao chất lượng tăng trưởng, phát triển đô thị thông minh, bền vững.",
]


def _paragraph(rng: random.Random) -> str:
    return " ".join(rng.choice(SENTENCES) for _ in range(4))


def _new_pdf() -> FPDF:
    pdf = FPDF(unit="mm", format="A4")
    pdf.set_creation_date(FIXED_DATE)
    pdf.set_auto_page_break(False)
    pdf.add_font("DejaVu", fname=FONT)
    pdf.add_font("DejaVu", style="B", fname=FONT_BOLD)
    return pdf


def _make_text(target: Path) -> None:
    rng = random.Random(20260101)
    pdf = _new_pdf()
    for number in range(1, TEXT_PAGES + 1):
        pdf.add_page()
        pdf.set_font("DejaVu", "B", 13)
        pdf.set_xy(20, 18)
        pdf.cell(0, 8, f"Phần {number}: Báo cáo kinh tế – xã hội, kỳ họp thứ {number % 20 + 1}")
        pdf.set_font("DejaVu", size=10)
        pdf.set_xy(20, 32)
        for _ in range(6):
            pdf.multi_cell(170, 5.2, _paragraph(rng))
            pdf.ln(3)
            pdf.set_x(20)
        pdf.set_xy(20, 282)
        pdf.cell(170, 5, f"Trang {number}/{TEXT_PAGES}", align="C")
    pdf.output(str(target))


def _noise_jpeg(rng: random.Random) -> bytes:
    width, height = IMAGE_SIZE
    image = Image.frombytes("RGB", IMAGE_SIZE, rng.randbytes(width * height * 3))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=JPEG_QUALITY)
    return buffer.getvalue()


def _make_images(target: Path) -> None:
    rng = random.Random(20260102)
    pdf = _new_pdf()
    for number in range(1, IMAGE_PAGES + 1):
        pdf.add_page()
        pdf.set_font("DejaVu", "B", 12)
        pdf.set_xy(20, 18)
        pdf.cell(0, 8, f"Phụ lục ảnh hiện trạng công trình – ảnh số {number}")
        pdf.image(io.BytesIO(_noise_jpeg(rng)), x=20, y=32, w=170)
        pdf.set_font("DejaVu", size=10)
        pdf.set_xy(20, 282)
        pdf.cell(170, 5, f"Trang {number}/{IMAGE_PAGES}", align="C")
    pdf.output(str(target))


def _cached(name: str, make, force: bool = False) -> Path:
    CACHE.mkdir(exist_ok=True)
    target = CACHE / name
    if force or not target.exists():
        partial = target.with_suffix(".part")
        make(partial)
        partial.replace(target)
    return target


def text_pdf(force: bool = False) -> Path:
    return _cached("text-500.pdf", _make_text, force)


def image_pdf(force: bool = False) -> Path:
    return _cached("images-300.pdf", _make_images, force)


def main() -> None:
    force = "--force" in sys.argv
    from pypdf import PdfReader
    rows = []
    for make in (text_pdf, image_pdf):
        started = time.perf_counter()
        path = make(force)
        elapsed = time.perf_counter() - started
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
        rows.append((path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path,
                     len(PdfReader(str(path)).pages), path.stat().st_size / 1e6, elapsed, digest))
    print(f"{'file':<32} {'pages':>6} {'MB':>8} {'made in s':>10}  sha256[:16]")
    for path, pages, size, elapsed, digest in rows:
        print(f"{str(path):<32} {pages:>6} {size:>8.2f} {elapsed:>10.2f}  {digest}")


if __name__ == "__main__":
    main()
