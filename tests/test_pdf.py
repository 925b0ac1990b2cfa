"""Opening PDFs: clear reasons for what cannot be read, faithful word boxes for what can."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pikepdf
import pypdfium2
import pytest
from PIL import Image, ImageDraw
from reportlab.pdfgen import canvas

from pipeline import pdf
from pipeline.errors import DocumentError


def make_pdf(path: Path, pages: int = 1, text: str = "Københavns Kommune 1.100.691") -> Path:
    c = canvas.Canvas(str(path), pagesize=(600, 800), invariant=1)
    for _ in range(pages):
        c.setFont("Helvetica", 12)
        c.drawString(100, 700, text)
        c.showPage()
    c.save()
    return path


def test_words_come_with_boxes_from_the_top_left(tmp_path: Path) -> None:
    layer = pdf.read_text_layer(make_pdf(tmp_path / "a.pdf"), 0)
    assert [w.text_raw for w in layer.words] == ["Københavns", "Kommune", "1.100.691"]
    first = layer.words[0]
    assert first.x0 == pytest.approx(100, abs=0.5)
    assert 800 - 700 - 12 < first.top < first.bottom <= 800 - 700 + 3
    assert pdf.peek_text_layer(tmp_path / "a.pdf", 0).image_cover == 0


def test_probe_counts_pages(tmp_path: Path) -> None:
    assert pdf.probe(make_pdf(tmp_path / "a.pdf", pages=3)).n_pages == 3


def test_render_gives_grey_image_at_the_asked_resolution(tmp_path: Path) -> None:
    image, scale = pdf.render_page(make_pdf(tmp_path / "a.pdf"), 0, dpi=144)
    assert image.mode == "L" and image.size == (1200, 1600) and scale == 2.0


def _encrypted(tmp_path: Path, user: str, owner: str) -> Path:
    src = make_pdf(tmp_path / "plain.pdf")
    out = tmp_path / f"enc-{bool(user)}.pdf"
    with pikepdf.open(src) as p:
        p.save(out, encryption=pikepdf.Encryption(user=user, owner=owner))
    return out


@pytest.mark.parametrize(
    ("content", "kind", "message"),
    [
        (b"", "empty_file", "0 bytes"),
        (b"<!DOCTYPE html><html><body>404</body></html>", "not_a_pdf", "HTML page"),
        (b"PK\x03\x04rest", "not_a_pdf", "ZIP"),
        (b"%PDF-1.7\n1 0 obj <<>> endobj\n", "corrupt_pdf", "qpdf"),
    ],
)
def test_unreadable_files_say_why(tmp_path: Path, content: bytes, kind: str, message: str) -> None:
    path = tmp_path / "bad.pdf"
    path.write_bytes(content)
    with pytest.raises(DocumentError, match=message) as info:
        pdf.probe(path)
    assert info.value.kind == kind


def test_user_password_is_reported_with_the_fix(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match="qpdf --decrypt") as info:
        pdf.probe(_encrypted(tmp_path, user="secret", owner="owner"))
    assert info.value.kind == "encrypted"


def test_owner_password_only_is_still_readable(tmp_path: Path) -> None:
    path = _encrypted(tmp_path, user="", owner="owner")
    assert pdf.probe(path).n_pages == 1
    assert pdf.read_text_layer(path, 0).words[0].text_raw == "Københavns"


def test_a_plain_scan_page_is_decoded_not_rendered_and_looks_the_same(tmp_path: Path) -> None:
    scan = Image.new("L", (1000, 1400), 235)
    ImageDraw.Draw(scan).text((100, 100), "Københavns Kommune 1.100.691", fill=20)
    path = tmp_path / "scan.pdf"
    scan.save(path, resolution=120)  # an image-only page, as a scanner writes it
    with pypdfium2.PdfDocument(str(path)) as doc:
        page = doc[0]
        assert pdf._plain_scan(page, 300 / 72) is not None
        rendered = page.render(scale=300 / 72, grayscale=True).to_pil().convert("L")
    image, scale = pdf.render_page(path, 0, dpi=300)
    assert scale == 300 / 72 and abs(image.width - rendered.width) <= 1
    w, h = min(image.width, rendered.width), min(image.height, rendered.height)
    diff = np.abs(np.asarray(image, float)[:h, :w] - np.asarray(rendered, float)[:h, :w])
    assert diff.mean() < 3


def test_a_digital_page_is_rendered(tmp_path: Path) -> None:
    with pypdfium2.PdfDocument(str(make_pdf(tmp_path / "a.pdf"))) as doc:
        assert pdf._plain_scan(doc[0], 2.0) is None
