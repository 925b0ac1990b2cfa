"""The bad inputs of issue 8, generated so that no binary is committed.

Each builder writes one file and returns its path; `build` writes the named ones with a
good file beside them.
Scans are rasterised digital pages (tests.samples.scan), so what each page says is known.
`python -m tests.bad.make_bad OUT` writes the corpus into OUT to look at.
"""

from __future__ import annotations

import argparse
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path

import pikepdf
import reportlab
from PIL import Image, ImageDraw, ImageFont

from tests.samples.scan import (
    ScanSettings,
    degrade,
    encode_jpeg,
    images_to_pdf,
    page_rng,
    rasterise,
)
from tests.samples.textkit import new_canvas, wrap

A5 = (420.0, 595.0)
FONT = "Helvetica"
MARGIN = 48.0
TITLE = "Københavns Kommune"
PARAGRAPH = (
    "Økonomiforvaltningen har udarbejdet et notat om budgettet for det kommende år. "
    "Kommunen forventer et mindreforbrug på driften, fordi flere projekter er forsinket, "
    "og beløbet søges overført til næste år. Forvaltningen vurderer, at de afsatte midler "
    "til beskæftigelse og integration er tilstrækkelige, men at udgifterne til "
    "overførselsindkomster stiger. Udvalget anbefales at tage orienteringen til efterretning "
    "og at godkende, at bevillingen forlænges uændret. Borgerrepræsentationen behandler "
    "sagen på sit møde i juni, og herefter orienteres de berørte forvaltninger."
)
SCAN = ScanSettings(dpi=150, max_skew_deg=0.3, noise=3.0, blur=0.3)
VERA = Path(reportlab.__file__).parent / "fonts" / "Vera.ttf"


def page_text(size: float = 11.0, width: float = A5[0]) -> list[str]:
    """The heading and wrapped paragraph every generated text page carries."""
    return [TITLE, *wrap(PARAGRAPH, FONT, size, width - 2 * MARGIN)]


def digital_pdf(
    path: Path,
    *,
    pages: int = 1,
    pagesize: tuple[float, float] = A5,
    size: float = 11.0,
    lines: Sequence[str] | None = None,
    stored_turned: int = 0,
) -> Path:
    """A small born-digital PDF with a text layer (the good file of each batch).

    stored_turned: the page is stored turned that many degrees counter-clockwise, with a
    /Rotate that shows it upright again, as landscape layouts and scanners often save."""
    width, height = pagesize
    box = (height, width) if stored_turned in (90, 270) else (width, height)
    c = new_canvas(path, box, TITLE)
    lines = list(lines) if lines is not None else page_text(size, pagesize[0])
    for n in range(pages):
        if stored_turned:
            c.translate(*{90: (box[0], 0), 180: box, 270: (0, box[1])}[stored_turned])
            c.rotate(stored_turned)
        c.setFont(FONT, size)
        y = pagesize[1] - MARGIN - size
        for line in [*lines, f"Side {n + 1}"]:
            c.drawString(MARGIN, y, line)
            y -= size * 1.4
        c.showPage()
    c.save()
    return with_rotate(path, path, stored_turned) if stored_turned else path


def _jpeg(image: Image.Image) -> bytes:
    return encode_jpeg(image, SCAN)


def scanned_pdf(path: Path, *, turn: int = 0) -> Path:
    """An image-only scan of the text page, turned `turn` degrees clockwise on the glass."""
    digital = digital_pdf(path.with_suffix(".src.pdf"))
    [(image, (width, height))] = rasterise(digital, SCAN.dpi)
    digital.unlink()
    image = degrade(image, SCAN, page_rng(SCAN, 0))
    image = image.rotate(-turn, expand=True, fillcolor=SCAN.paper_grey)
    size = (height, width) if turn in (90, 270) else (width, height)
    return images_to_pdf([_jpeg(image)], [size], path)


def zero_byte(path: Path) -> Path:
    path.write_bytes(b"")
    return path


def html_as_pdf(path: Path) -> Path:
    path.write_text(
        "<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head>"
        "<body><h1>Siden findes ikke</h1></body></html>\n",
        encoding="utf-8",
    )
    return path


def truncated(path: Path) -> Path:
    """A download that stopped half way: no pages, no xref, no trailer."""
    digital_pdf(path, pages=3)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])
    return path


def broken_xref(path: Path) -> Path:
    """Every offset of the cross-reference table and startxref points to the wrong place."""
    digital_pdf(path)
    data = path.read_bytes()
    head, sep, tail = data.rpartition(b"\nxref\n")
    lines = tail.split(b"\n")
    lines = [b"0000000007" + ln[10:] if ln.endswith(b" n ") else ln for ln in lines]
    tail = b"\n".join(lines)
    start = tail.rindex(b"startxref\n") + len(b"startxref\n")
    end = tail.index(b"\n", start)
    path.write_bytes(head + sep + tail[:start] + b"123" + tail[end:])
    return path


def encrypted(path: Path, *, user: str, owner: str) -> Path:
    """Encrypted with a user password (cannot be opened) or an owner password only."""
    plain = digital_pdf(path.with_suffix(".plain.pdf"))
    with pikepdf.open(plain) as pdf:
        pdf.save(path, encryption=pikepdf.Encryption(user=user, owner=owner, R=6))
    plain.unlink()
    return path


def zero_pages(path: Path) -> Path:
    pikepdf.Pdf.new().save(path, deterministic_id=True)
    return path


def blank_pages(path: Path, *, pages: int = 2) -> Path:
    """A text page followed by empty pages, as scanners emit for blank backs."""
    with pikepdf.open(digital_pdf(path), allow_overwriting_input=True) as pdf:
        for _ in range(pages):
            pdf.add_blank_page(page_size=A5)
        pdf.save(path, deterministic_id=True)
    return path


def with_rotate(src: Path, path: Path, rotate: int) -> Path:
    """The same PDF with /Rotate set on every page: a viewer shows it turned."""
    with pikepdf.open(src, allow_overwriting_input=True) as pdf:
        for page in pdf.pages:
            page.Rotate = rotate
        pdf.save(path, deterministic_id=True)
    return path


def rotated_digital(path: Path, rotate: int) -> Path:
    """A digital page shown turned `rotate` degrees clockwise by its /Rotate entry."""
    src = digital_pdf(path.with_suffix(".src.pdf"))
    with_rotate(src, path, rotate)
    src.unlink()
    return path


def _text_image(text: str, size: tuple[int, int], font_px: int) -> Image.Image:
    """White image with one line of text in Vera (shipped with reportlab, has æøå)."""
    image = Image.new("L", size, 255)
    font = ImageFont.truetype(str(VERA), font_px)
    ImageDraw.Draw(image).text((font_px, (size[1] - font_px) // 2), text, fill=0, font=font)
    return image


def huge_page(path: Path) -> Path:
    """Two pages of 200 x 200 inches, the largest a PDF allows: one digital, one scanned.

    The scan is rendered under the pipeline's pixel cap, so its text is drawn large."""
    side = 14400.0
    digital = digital_pdf(path.with_suffix(".digital.pdf"), pagesize=(side, side), size=400)
    image = _text_image(f"{TITLE} budget", (1600, 1600), 90)
    scan = images_to_pdf([_jpeg(image)], [(side, side)], path.with_suffix(".scan.pdf"))
    _concat([digital, scan], path)
    digital.unlink()
    scan.unlink()
    return path


def _concat(parts: Sequence[Path], path: Path) -> Path:
    out = pikepdf.Pdf.new()
    for part in parts:
        with pikepdf.open(part) as src:
            out.pages.extend(src.pages)
    out.save(path, deterministic_id=True)
    return path


def long_scan(path: Path, *, pages: int = 300) -> Path:
    """A long image-only scan, one short line per small page, cheap to OCR."""
    size_pt = (288.0, 72.0)
    px = (round(size_pt[0] * SCAN.dpi / 72), round(size_pt[1] * SCAN.dpi / 72))
    jpegs = [
        _jpeg(_text_image(f"Side {n} af {pages} Kommune", px, 40)) for n in range(1, 1 + pages)
    ]
    return images_to_pdf(jpegs, [size_pt] * pages, path)


def ocr_fails_one_page(path: Path) -> Path:
    """Three pages; the middle one is a scanned banner wider than tesseract can read.

    At 300 dpi the banner is 60000 x 417 px: under the pipeline's pixel cap, over
    tesseract's limit of 32767 px a side, so OCR of that page fails every time."""
    digital = digital_pdf(path.with_suffix(".digital.pdf"), pages=2)
    image = _text_image(f"{TITLE} budget", (3000, 100), 40)
    banner = images_to_pdf([_jpeg(image)], [(14400.0, 100.0)], path.with_suffix(".banner.pdf"))
    with pikepdf.open(digital) as pdf, pikepdf.open(banner) as ban:
        pdf.pages.insert(1, ban.pages[0])
        pdf.save(path, deterministic_id=True)
    digital.unlink()
    banner.unlink()
    return path


def copy_as(src: Path, path: Path) -> Path:
    """The same bytes under another name (a duplicate, or a name with odd characters)."""
    shutil.copyfile(src, path)
    return path


LONG_SCAN = "scan_300_pages.pdf"
GOOD = "good.pdf"
DUPLICATE = "good_copy.pdf"  # sorts after GOOD: the copy is the one set aside
ODD_NAME = "Økonomi \"udkast\" 'bilag' æ å.pdf"
ODD_NAME_LINES = ("Bilag med et særligt navn",)


BUILDERS: dict[str, Callable[[Path], Path]] = {
    "zero_byte.pdf": zero_byte,
    "html_saved_as.pdf": html_as_pdf,
    "truncated.pdf": truncated,
    "broken_xref.pdf": broken_xref,
    "encrypted_user.pdf": lambda p: encrypted(p, user="hemmelig", owner="ejer"),
    "encrypted_owner.pdf": lambda p: encrypted(p, user="", owner="ejer"),
    "zero_pages.pdf": zero_pages,
    "blank_pages.pdf": blank_pages,
    "rotate90.pdf": lambda p: rotated_digital(p, 90),
    "rotate180.pdf": lambda p: rotated_digital(p, 180),
    "scan_turned90.pdf": lambda p: scanned_pdf(p, turn=90),
    "scan_turned180.pdf": lambda p: scanned_pdf(p, turn=180),
    "huge_page.pdf": huge_page,
    LONG_SCAN: long_scan,
    "ocr_fails_page2.pdf": ocr_fails_one_page,
}


def build(names: Sequence[str], out: Path) -> dict[str, Path]:
    """The named bad inputs in `out`, plus a good file, its duplicate and a file with an
    odd name (Danish letters, spaces and quotes)."""
    out.mkdir(parents=True, exist_ok=True)
    files = {name: BUILDERS[name](out / name) for name in names}
    files[GOOD] = digital_pdf(out / GOOD)
    files[DUPLICATE] = copy_as(files[GOOD], out / DUPLICATE)
    files[ODD_NAME] = digital_pdf(out / ODD_NAME, lines=ODD_NAME_LINES)
    return files


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="folder to write the bad inputs into")
    args = parser.parse_args(argv)
    for name, path in build(list(BUILDERS), args.out).items():
        print(f"{name}\t{path.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
