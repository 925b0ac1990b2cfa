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
