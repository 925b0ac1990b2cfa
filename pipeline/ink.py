"""Where a scanned page has ink that OCR returned no words for.

Tesseract's page segmentation sometimes drops a whole region, typically a narrow column
of numbers at the right edge of a table, as if it were an image. Comparing the page's
ink with the boxes of the words read finds such regions, so they can be read again.
Works on a coarse grid (about 50 dpi): fast, and blind to specks and scan noise.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PIL import Image

from pipeline.records import BBox

INK_LEVEL = 128  # darker is ink (whatever the paper's shade)
_INK_LUT = [255 if v < INK_LEVEL else 0 for v in range(256)]
CELL_PT = 1.5  # grid cell size in points (~48 dpi)


def _grid(image: Image.Image, scale: float) -> tuple[np.ndarray, float]:
    """Ink share per grid cell, and the cell size in points."""
    factor = max(1, round(CELL_PT * scale))
    # threshold, then let PIL average each cell (C speed): the cell's share of ink pixels
    ink = image.point(_INK_LUT)
    cells = np.asarray(ink.reduce(factor), dtype=np.float32) / 255.0
    return cells, factor / scale


def _in_long_runs(mask: np.ndarray, length: int, axis: int) -> np.ndarray:
    """Cells that lie in a run of at least `length` True cells along `axis`."""
    m = np.moveaxis(mask, axis, -1).astype(np.int32)
    if m.shape[-1] < length:
        return np.zeros_like(mask, dtype=bool)
    cs = np.concatenate([np.zeros((*m.shape[:-1], 1), np.int32), m.cumsum(-1)], axis=-1)
    starts = (cs[..., length:] - cs[..., :-length]) == length  # window [j, j+length) full
    cover = np.concatenate(
        [np.zeros((*starts.shape[:-1], 1), np.int32), starts.astype(np.int32).cumsum(-1)],
        axis=-1,
    )
    n = m.shape[-1]
    idx = np.arange(n)
    lo = np.clip(idx - length + 1, 0, starts.shape[-1])
    hi = np.clip(idx + 1, 0, starts.shape[-1])
    covered = (cover[..., hi] - cover[..., lo]) > 0
    return np.moveaxis(covered, -1, axis)


def _rules(cells: np.ndarray, length: int) -> np.ndarray:
    """Ruling lines and box edges: long runs of inked cells at most two cells thick (a line
    of text is as long, but its letters fill several rows), widened by one cell."""
    marked = cells > 0.1
    rules = np.zeros_like(marked)
    for axis in (1, 0):
        runs = _in_long_runs(marked, length, axis)
        rules |= runs & ~_in_long_runs(runs, 3, 1 - axis)
    near = rules.copy()
    near[1:] |= rules[:-1]
    near[:-1] |= rules[1:]
    near[:, 1:] |= rules[:, :-1]
    near[:, :-1] |= rules[:, 1:]
    return near


def _components(mask: np.ndarray) -> list[tuple[int, int, int, int, int]]:
    """Bounding boxes (row0, col0, row1, col1, n_cells) of 8-connected True regions."""
    seen = np.zeros_like(mask, dtype=bool)
    out = []
    rows, cols = mask.shape
    for r0, c0 in zip(*np.nonzero(mask), strict=True):
        if seen[r0, c0]:
            continue
        stack = [(r0, c0)]
        seen[r0, c0] = True
        top, left, bottom, right, n = r0, c0, r0, c0, 0
        while stack:
            r, c = stack.pop()
            n += 1
            top, bottom, left, right = min(top, r), max(bottom, r), min(left, c), max(right, c)
            for dr in (-1, 0, 1):
                for dc in (-1, 0, 1):
                    rr, cc = r + dr, c + dc
                    if 0 <= rr < rows and 0 <= cc < cols and mask[rr, cc] and not seen[rr, cc]:
                        seen[rr, cc] = True
                        stack.append((rr, cc))
        out.append((top, left, bottom + 1, right + 1, n))
    return out


def unread_regions(
    image: Image.Image,
    scale: float,
    word_boxes: Sequence[BBox],
    *,
    text_height: float,
) -> list[BBox]:
    """Boxes (points) of text-like ink that no word box covers.

    text_height: the usual height of a word on the page (points); regions lower than a
    digit or narrower than half of one (specks, bullets) are left alone, and so are ruling
    lines and box edges.
    """
    cells, cell = _grid(image, scale)
    ink = cells > 0.02
    ink &= ~_rules(cells, max(3, round(3 * text_height / cell)))
    pad = max(1, round(0.3 * text_height / cell))
    for x0, top, x1, bottom in word_boxes:
        r0, r1 = max(0, int(top / cell) - pad), int(bottom / cell) + pad + 1
        c0, c1 = max(0, int(x0 / cell) - pad), int(x1 / cell) + pad + 1
        ink[r0:r1, c0:c1] = False
    # letters of one word or line touch on this grid once widened by a letter's width
    join = max(1, round(0.5 * text_height / cell))
    grown = ink.copy()
    for shift in range(1, join + 1):
        grown[:, shift:] |= ink[:, :-shift]
        grown[:, :-shift] |= ink[:, shift:]
    regions = []
    for r0, c0, r1, c1, _ in _components(grown):
        height, width = (r1 - r0) * cell, (c1 - c0) * cell
        density = ink[r0:r1, c0:c1].mean()
        if height >= 0.6 * text_height and width >= 0.4 * text_height and density > 0.08:
            regions.append((c0 * cell, r0 * cell, c1 * cell, r1 * cell))
    return regions


BOX_SIDES = (0.7, 2.6)  # a check box's side, in usual word heights...
BOX_MIN_PT = 6.0  # ...and at least about 2 mm: a box is printed to be marked by hand
BOX_INK_LEVEL = 170  # a thin edge averaged with paper at half resolution is still this dark
BOX_EDGE = 0.9  # share of an edge's length that must be ink
BOX_MARKED = (0.04, 0.5)  # ink share inside a marked box; more is a filled square (bullet)


def check_boxes(image: Image.Image, scale: float, *, text_height: float) -> list[tuple[BBox, bool]]:
    """Square outlines about the size of a word (form check boxes), in points, each with
    whether it is marked (an X or a tick inside).

    OCR reads an empty box as bracket noise and often drops a marked one altogether, so
    the boxes are found in the ink: a horizontal ink run of a box's width whose ends drop
    into two vertical edges joined by a bottom edge."""
    # at half resolution (a quarter of the pixels): a box edge survives, darker than
    # paper though averaged with it
    factor = 2 if scale * BOX_MIN_PT >= 16 else 1
    ink = np.asarray(image.reduce(factor) if factor > 1 else image) < BOX_INK_LEVEL
    scale /= factor
    lo, hi = (round(f * text_height * scale) for f in BOX_SIDES)
    lo = max(lo, round(BOX_MIN_PT * scale))
    first, last = np.empty_like(ink), np.empty_like(ink)  # first and last pixel of a run
    first[:, 0], last[:, -1] = ink[:, 0], ink[:, -1]
    np.greater(ink[:, 1:], ink[:, :-1], out=first[:, 1:])
    np.greater(ink[:, :-1], ink[:, 1:], out=last[:, :-1])
    starts_y, starts_x = np.nonzero(first)
    _, ends_x = np.nonzero(last)  # row-major, so the k-th end closes the k-th start
    ends_x += 1
    lengths = ends_x - starts_x
    found: list[tuple[BBox, bool]] = []
    taken: list[tuple[int, int, int, int]] = []
    for k in np.nonzero((lengths >= lo) & (lengths <= hi))[0]:
        y, x0, x1 = int(starts_y[k]), int(starts_x[k]), int(ends_x[k])
        if any(a <= x0 <= c and b <= y <= d for a, b, c, d in taken):
            continue
        side = x1 - x0
        marked = _box_at(ink, x0, y, side)
        if marked is None:
            continue
        taken.append((x0 - side // 4, y - side // 4, x1 + side // 4, y + side + side // 4))
        found.append(((x0 / scale, y / scale, x1 / scale, (y + side) / scale), marked))
    return found


def _box_at(ink: np.ndarray, x0: int, y: int, side: int) -> bool | None:
    """Whether the square with top-left (x0, y) is a box (None if it is not one) and, if
    so, whether it holds a mark."""
    t = max(2, side // 8)  # edge thickness allowed, skew included
    y1 = y + side
    if y1 + t > ink.shape[0] or x0 + side > ink.shape[1]:
        return None
    rows = ink[y : y1 + 1]
    left = rows[:, max(0, x0 - t // 2) : x0 + t].any(axis=1).mean()
    right = rows[:, x0 + side - t : x0 + side + t // 2].any(axis=1).mean()
    bottom = ink[y1 - t : y1 + t, x0 : x0 + side].any(axis=0).mean()
    if min(left, right, bottom) < BOX_EDGE:
        return None
    # square corners (a round letter's are empty) and paper above the top edge (a bold
    # letter's inner stroke has more letter above it)
    corners = (
        ink[y : y + t, x0 : x0 + t],
        ink[y : y + t, x0 + side - t : x0 + side],
        ink[y1 - t : y1 + 1, x0 : x0 + t],
        ink[y1 - t : y1 + 1, x0 + side - t : x0 + side],
    )
    above = ink[max(0, y - t - 1) : max(0, y - 1), x0 + t : x0 + side - t]
    if not all(c.any() for c in corners) or (above.size and above.mean() > 0.1):
        return None
    # thin edges: just inside them is mostly paper (a bold letter's strokes go on)
    rim = (
        ink[y + t : y + 2 * t, x0 + t : x0 + side - t],
        ink[y1 - 2 * t : y1 - t, x0 + t : x0 + side - t],
        ink[y + t : y1 - t, x0 + t : x0 + 2 * t],
        ink[y + t : y1 - t, x0 + side - 2 * t : x0 + side - t],
    )
    if any(r.size and r.mean() > 0.35 for r in rim):
        return None
    inside = ink[y + t + 1 : y1 - t, x0 + t + 1 : x0 + side - t - 1]
    fill = float(inside.mean()) if inside.size else 1.0
    if fill >= BOX_MARKED[1]:
        return None
    return fill > BOX_MARKED[0]
