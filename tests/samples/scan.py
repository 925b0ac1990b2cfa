"""Make digital PDFs look like office scans, and give scans tesseract's text layer.

scan_pdf rasterises every page (pypdfium2), degrades it (grey paper, uneven light, skew,
noise, blur) and embeds the grayscale JPEGs as they are into an image-only PDF.
add_ocr_layer runs real tesseract over those same JPEGs, so the text layer has the
damage real scans have (lost Danish letters, words on skewed baselines).
"""

from __future__ import annotations

import io
import os
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pikepdf
import pypdfium2 as pdfium
from PIL import Image, ImageFilter


@dataclass(frozen=True)
class ScanSettings:
    dpi: int = 200
    max_skew_deg: float = 1.0  # each page is rotated by a uniform draw in ±max_skew_deg
    blur: float = 0.6  # Gaussian radius in pixels
    noise: float = 5.0  # std dev of the grain, grey levels
    jpeg_quality: int = 60
    paper_grey: int = 236  # the paper's grey level (255 = white)
    ink_grey: int = 28  # the darkest ink
    shading: float = 6.0  # amplitude of uneven illumination, grey levels
    max_shift_px: int = 6  # the page sits slightly off-centre on the glass
    seed: int = 0

    def with_seed(self, seed: int) -> ScanSettings:
        return replace(self, seed=seed)


def page_rng(settings: ScanSettings, page_index: int) -> np.random.Generator:
    """Each page gets its own stream, so a page looks the same whatever comes before."""
    return np.random.default_rng([settings.seed, page_index])


def degrade(img: Image.Image, settings: ScanSettings, rng: np.random.Generator) -> Image.Image:
    """A clean grayscale page -> what an office scanner makes of it."""
    s = settings
    a = np.asarray(img.convert("L"), dtype=np.float32) / 255.0
    a = s.ink_grey + (s.paper_grey - s.ink_grey) * a
    page = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8), "L")
    angle = float(rng.uniform(-s.max_skew_deg, s.max_skew_deg))
    dx, dy = (int(v) for v in rng.integers(-s.max_shift_px, s.max_shift_px + 1, size=2))
    page = page.rotate(
        angle,
        resample=Image.Resampling.BICUBIC,
        translate=(dx, dy),
        fillcolor=s.paper_grey,
    )
    a = np.asarray(page, dtype=np.float32)
    h, w = a.shape
    if s.shading:
        gx, gy = rng.uniform(-1, 1, size=2)
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        a = a + s.shading * (gx * (xx / w - 0.5) + gy * (yy / h - 0.5)) * 2
    if s.noise:
        a = a + rng.normal(0.0, s.noise, size=a.shape).astype(np.float32)
    page = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8), "L")
    if s.blur:
        page = page.filter(ImageFilter.GaussianBlur(s.blur))
    return page


def encode_jpeg(img: Image.Image, settings: ScanSettings) -> bytes:
    buf = io.BytesIO()
    img.save(
        buf,
        "JPEG",
        quality=settings.jpeg_quality,
        dpi=(settings.dpi, settings.dpi),
        optimize=True,
    )
    return buf.getvalue()


def rasterise(in_pdf: str | Path, dpi: int) -> list[tuple[Image.Image, tuple[float, float]]]:
    """(grayscale image, page size in points) for every page."""
    doc = pdfium.PdfDocument(str(in_pdf))
    try:
        out = []
        for page in doc:
            w, h = page.get_size()
            bitmap = page.render(scale=dpi / 72, grayscale=True)
            out.append((bitmap.to_pil().convert("L"), (w, h)))
            page.close()
        return out
    finally:
        doc.close()


def images_to_pdf(
    jpegs: Sequence[bytes], page_sizes: Sequence[tuple[float, float]], out_pdf: str | Path
) -> Path:
    """An image-only PDF: each JPEG embedded unchanged (DCTDecode), filling its page."""
    pdf = pikepdf.Pdf.new()
    for data, (w, h) in zip(jpegs, page_sizes, strict=True):
        with Image.open(io.BytesIO(data)) as im:
            px_w, px_h = im.size
        image = pikepdf.Stream(pdf, data)
        image.Type = pikepdf.Name.XObject
        image.Subtype = pikepdf.Name.Image
        image.Width, image.Height = px_w, px_h
        image.ColorSpace = pikepdf.Name.DeviceGray
        image.BitsPerComponent = 8
        image.Filter = pikepdf.Name.DCTDecode
        content = pdf.make_stream(f"q {w:.4f} 0 0 {h:.4f} 0 0 cm /Im0 Do Q".encode())
        page = pikepdf.Dictionary(
            Type=pikepdf.Name.Page,
            MediaBox=[0, 0, w, h],
            Resources=pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image)),
            Contents=content,
        )
        pdf.pages.append(pikepdf.Page(page))
    pdf.docinfo["/Producer"] = "budget-pdf-pipeline sample scanner"
    out_pdf = Path(out_pdf)
    pdf.save(out_pdf, deterministic_id=True)
    return out_pdf


def scan_pdf(in_pdf: str | Path, out_pdf: str | Path, settings: ScanSettings) -> Path:
    """Rasterise + degrade every page of in_pdf into an image-only PDF (same page sizes)."""
    pages = rasterise(in_pdf, settings.dpi)
    jpegs = [
        encode_jpeg(degrade(img, settings, page_rng(settings, i)), settings)
        for i, (img, _) in enumerate(pages)
    ]
    return images_to_pdf(jpegs, [size for _, size in pages], out_pdf)


def page_jpegs(pdf_path: str | Path) -> list[bytes]:
    """The raw JPEG stream of the first DCT image on each page."""
    out = []
    with pikepdf.open(pdf_path) as pdf:
        for page in pdf.pages:
            for obj in page.Resources.XObject.values():
                if obj.get("/Subtype") == pikepdf.Name.Image and (
                    obj.get("/Filter") == pikepdf.Name.DCTDecode
                ):
                    out.append(obj.read_raw_bytes())
                    break
    return out


def add_ocr_layer(
    in_pdf: str | Path, out_pdf: str | Path, *, lang: str = "eng", timeout: float = 1800
) -> Path:
    """Run `tesseract <list of images> out -l LANG pdf` over the page JPEGs of an
    image-only PDF. Tesseract embeds JPEG input unchanged and adds an invisible text
    layer; the result is then stripped of its creation date so rebuilds are identical."""
    out_pdf = Path(out_pdf)
    jpegs = page_jpegs(in_pdf)
    with pikepdf.open(in_pdf) as src:
        widths = [float(p.mediabox[2]) - float(p.mediabox[0]) for p in src.pages]
    with tempfile.TemporaryDirectory() as tmp:
        names = []
        dpis = set()
        for i, (data, w_pt) in enumerate(zip(jpegs, widths, strict=True)):
            name = Path(tmp) / f"page_{i + 1:03d}.jpg"
            name.write_bytes(data)
            names.append(str(name))
            with Image.open(io.BytesIO(data)) as im:
                dpis.add(round(im.size[0] / (w_pt / 72)))
        listing = Path(tmp) / "pages.txt"
        listing.write_text("\n".join(names) + "\n")
        base = Path(tmp) / "ocr"
        cmd = ["tesseract", str(listing), str(base), "-l", lang]
        if len(dpis) == 1:
            cmd += ["--dpi", str(dpis.pop())]
        env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
        subprocess.run([*cmd, "pdf"], check=True, env=env, capture_output=True, timeout=timeout)
        with pikepdf.open(base.with_suffix(".pdf")) as pdf:
            for key in ("/CreationDate", "/ModDate"):
                if key in pdf.docinfo:
                    del pdf.docinfo[key]
            pdf.save(out_pdf, deterministic_id=True)
    return out_pdf
