"""Stage 2b: words -> lines -> columns -> blocks, in reading order.

Pure geometry on word boxes, the same for text-layer and OCR words:
1. deskew: OCR words of a skewed scan are turned back by the angle their lines show;
2. segments: words on one baseline, split where the gap is too wide to be a space;
3. regions: a recursive XY-cut that prefers column gutters (vertical gaps between two
   sides of running text) over horizontal gaps, and keeps bands that share a gutter
   together, so a two-column page is never read across its columns;
4. blocks: each leaf region's segments regrouped into lines, top to bottom.
Tables are kept as rows: a gap next to a column of numbers is not a gutter.
"""

from __future__ import annotations

import itertools
import math
import re
import statistics
from collections import defaultdict
from dataclasses import dataclass, replace

from pipeline.records import BBox, Block, Line, Word, union_bbox

_ALPHA = re.compile(r"[^\W\d_]{2,}")
_NUMBER = re.compile(r"^[-−–+]?\d[\d.,]*%?$")


@dataclass(frozen=True)
class LayoutSettings:
    """Thresholds in units of the local line height, so they hold at any font size."""

    line_overlap: float = 0.5  # share of the smaller height two words must share to be one line
    word_gap: float = 1.2  # a horizontal gap wider than this splits a line into segments
    block_gap: float = 0.8  # a vertical gap wider than this starts a new block
    gutter: float = 0.8  # a column gutter is at least this wide
    prose_share: float = 0.5  # share of alphabetic tokens a column side needs
    min_skew_deg: float = 0.05  # smaller angles are left alone

    def __post_init__(self) -> None:
        for name in ("line_overlap", "word_gap", "block_gap", "gutter", "prose_share"):
            value = getattr(self, name)
            if not 0 < value < 10:
                raise ValueError(f"LayoutSettings.{name} must be in (0, 10), got {value!r}")


@dataclass(frozen=True, slots=True)
class Segment:
    words: tuple[Word, ...]
    bbox: BBox

    @property
    def height(self) -> float:
        return self.bbox[3] - self.bbox[1]


# --- 1. deskew -------------------------------------------------------------------------


def skew_angle(words: list[Word] | tuple[Word, ...]) -> float:
    """Median slope (radians) of the OCR engine's own lines; 0 without line hints."""
    by_line: dict[int, list[Word]] = defaultdict(list)
    for w in words:
        if w.line_hint >= 0:
            by_line[w.line_hint].append(w)
    slopes: list[float] = []
    for line in by_line.values():
        if len(line) < 3:
            continue
        xs = [(w.x0 + w.x1) / 2 for w in line]
        ys = [w.bottom for w in line]
        span = max(xs) - min(xs)
        if span < 50:
            continue
        mx, my = statistics.fmean(xs), statistics.fmean(ys)
        sxx = sum((x - mx) ** 2 for x in xs)
        sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
        slopes.extend([sxy / sxx] * len(line))
    if len(slopes) < 6:
        return 0.0
    return math.atan(statistics.median(slopes))


def deskew(words: tuple[Word, ...], width: float, height: float, angle: float) -> tuple[Word, ...]:
    """Turn word centres back by `angle` around the page centre; boxes keep their size."""
    cos, sin = math.cos(-angle), math.sin(-angle)
    cx0, cy0 = width / 2, height / 2
    out = []
    for w in words:
        cx, cy = (w.x0 + w.x1) / 2 - cx0, (w.top + w.bottom) / 2 - cy0
        nx, ny = cx * cos - cy * sin + cx0, cx * sin + cy * cos + cy0
        hw, hh = (w.x1 - w.x0) / 2, (w.bottom - w.top) / 2
        out.append(replace(w, x0=nx - hw, x1=nx + hw, top=ny - hh, bottom=ny + hh))
    return tuple(out)


# --- 2. lines and segments -------------------------------------------------------------


def group_lines(words: list[Word] | tuple[Word, ...], settings: LayoutSettings) -> list[list[Word]]:
    """Cluster words sharing a baseline band, top to bottom, each left to right."""
    bands: list[list[float]] = []  # [top, bottom] running band of each line
    members: list[list[Word]] = []
    for w in sorted(words, key=lambda w: ((w.top + w.bottom) / 2, w.x0)):
        h = max(w.bottom - w.top, 1e-3)
        best, best_overlap = -1, 0.0
        # Only the most recent lines can still be open: words arrive sorted by centre.
        for i in range(len(bands) - 1, max(-1, len(bands) - 8), -1):
            top, bottom = bands[i]
            overlap = min(bottom, w.bottom) - max(top, w.top)
            need = settings.line_overlap * min(h, bottom - top)
            if overlap >= need and overlap > best_overlap:
                best, best_overlap = i, overlap
        if best < 0:
            bands.append([w.top, w.bottom])
            members.append([w])
        else:
            members[best].append(w)
            n = len(members[best])
            band = bands[best]
            band[0] += (w.top - band[0]) / n
            band[1] += (w.bottom - band[1]) / n
    lines = [sorted(m, key=lambda w: w.x0) for m in members]
    lines.sort(key=lambda ln: min(w.top for w in ln))
    return lines


def split_segments(line: list[Word], settings: LayoutSettings) -> list[Segment]:
    height = statistics.median(w.bottom - w.top for w in line)
    segments: list[list[Word]] = [[line[0]]]
    for prev, w in itertools.pairwise(line):
        if w.x0 - prev.x1 > settings.word_gap * height:
            segments.append([w])
        else:
            segments[-1].append(w)
    return [Segment(tuple(s), union_bbox([w.bbox for w in s])) for s in segments]


# --- 3. regions (XY-cut) ---------------------------------------------------------------


def _line_height(segments: list[Segment]) -> float:
    return statistics.median(s.height for s in segments) if segments else 1.0


def _is_prose(segments: list[Segment], settings: LayoutSettings) -> bool:
    tokens = [w.text_raw for s in segments for w in s.words]
    if not tokens:
        return False
    alpha = sum(1 for t in tokens if _ALPHA.search(t))
    return alpha / len(tokens) >= settings.prose_share


def _left_aligned(segments: list[Segment]) -> bool:
    """A column of text starts its lines at one x (a sidebar of addresses and phone
    numbers does); a column of right-aligned numbers does not."""
    if len(segments) < 3:
        return False
    start = min(s.bbox[0] for s in segments)
    tolerance = 0.5 * _line_height(segments)
    aligned = sum(1 for s in segments if s.bbox[0] - start <= tolerance)
    return aligned / len(segments) >= 0.8


def _is_column(segments: list[Segment], settings: LayoutSettings) -> bool:
    return _is_prose(segments, settings) or _left_aligned(segments)


def _is_number(segment: Segment) -> bool:
    return all(_NUMBER.match(w.text_raw) for w in segment.words)


def _splits_table_row(segments: list[Segment], x: float) -> bool:
    """A number on both sides of x in one row: x runs between two cells of a table."""
    for row in _rows(segments):
        left = [s for s in row if s.bbox[2] <= x]
        right = [s for s in row if s.bbox[0] >= x]
        if left and right:
            nearest_left = max(left, key=lambda s: s.bbox[2])
            nearest_right = min(right, key=lambda s: s.bbox[0])
            if _is_number(nearest_left) and _is_number(nearest_right):
                return True
    return False


def _gaps(intervals: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Uncovered stretches between sorted, merged intervals."""
    intervals = sorted(intervals)
    gaps: list[tuple[float, float]] = []
    reach = intervals[0][1]
    for start, end in intervals[1:]:
        if start > reach:
            gaps.append((reach, start))
        reach = max(reach, end)
    return gaps


def _gutters(segments: list[Segment], settings: LayoutSettings) -> list[float]:
    """x positions of column gutters that run through the whole region."""
    if len(segments) < 2:
        return []
    min_width = settings.gutter * _line_height(segments)
    cuts: list[float] = []
    for start, end in _gaps([(s.bbox[0], s.bbox[2]) for s in segments]):
        if end - start < min_width:
            continue
        x = (start + end) / 2
        left = [s for s in segments if s.bbox[2] <= x]
        right = [s for s in segments if s.bbox[0] >= x]
        if (
            _is_column(left, settings)
            and _is_column(right, settings)
            and not _splits_table_row(segments, x)
        ):
            cuts.append(x)
    return cuts


def _bands(segments: list[Segment], settings: LayoutSettings) -> list[list[Segment]]:
    min_gap = settings.block_gap * _line_height(segments)
    ordered = sorted(segments, key=lambda s: s.bbox[1])
    bands: list[list[Segment]] = [[ordered[0]]]
    reach = ordered[0].bbox[3]
    for s in ordered[1:]:
        if s.bbox[1] - reach > min_gap:
            bands.append([s])
        else:
            bands[-1].append(s)
        reach = max(reach, s.bbox[3])
    return bands


def _merge_bands_sharing_gutter(
    bands: list[list[Segment]], settings: LayoutSettings
) -> list[list[Segment]]:
    """Keep consecutive bands together while a common column gutter runs through them."""
    merged: list[list[Segment]] = [bands[0]]
    for band in bands[1:]:
        union = merged[-1] + band
        if _gutters(union, settings):
            merged[-1] = union
        else:
            merged.append(band)
    return merged


def _rows(segments: list[Segment]) -> list[list[Segment]]:
    """Segments sharing a baseline band, top to bottom."""
    rows: list[list[Segment]] = []
    bottom = -math.inf
    for s in sorted(segments, key=lambda s: (s.bbox[1] + s.bbox[3]) / 2):
        centre = (s.bbox[1] + s.bbox[3]) / 2
        if rows and centre < bottom:
            rows[-1].append(s)
            bottom = max(bottom, s.bbox[3])
        else:
            rows.append([s])
            bottom = s.bbox[3]
    return rows


def _partial_gutter(
    segments: list[Segment], settings: LayoutSettings
) -> list[list[Segment]] | None:
    """Split off the run of rows beside which a second column stands (a sidebar next to a
    paragraph whose first line runs above it): rows before, the run, rows after."""
    rows = _rows(segments)
    if len(rows) < 3:
        return None
    min_gap = settings.gutter * _line_height(segments)
    best: tuple[int, int, int] | None = None  # (rows with right-side text, start, end)
    for x in sorted({round(s.bbox[0], 1) for s in segments}):
        start = 0
        for i in range(len(rows) + 1):
            fits = i < len(rows) and all(
                s.bbox[2] <= x - min_gap or s.bbox[0] >= x for s in rows[i]
            )
            if fits:
                continue
            run = rows[start:i]
            right = [s for r in run for s in r if s.bbox[0] >= x]
            left = [s for r in run for s in r if s.bbox[2] <= x - min_gap]
            n_right = sum(1 for r in run if any(s.bbox[0] >= x for s in r))
            if (
                0 < len(run) < len(rows)
                and n_right >= 2
                and sum(1 for r in run if any(s.bbox[2] <= x - min_gap for s in r)) >= 2
                and _is_column(left, settings)
                and _is_column(right, settings)
                and not _splits_table_row(segments, x)
                and (best is None or n_right > best[0])
            ):
                best = (n_right, start, i)
            start = i + 1
    if best is None:
        return None
    _, start, end = best
    parts = [rows[:start], rows[start:end], rows[end:]]
    return [[s for r in part for s in r] for part in parts if part]


def _regions(
    segments: list[Segment], column: int, settings: LayoutSettings
) -> list[tuple[int, list[Segment]]]:
    """Leaf regions in reading order, each with its column index."""
    gutters = _gutters(segments, settings)
    if gutters:
        edges = [-math.inf, *gutters, math.inf]
        out: list[tuple[int, list[Segment]]] = []
        for i in range(len(edges) - 1):
            part = [s for s in segments if edges[i] <= (s.bbox[0] + s.bbox[2]) / 2 < edges[i + 1]]
            if part:
                out.extend(_regions(part, i, settings))
        return out
    bands = _bands(segments, settings)
    if len(bands) > 1:
        bands = _merge_bands_sharing_gutter(bands, settings)
    if len(bands) == 1:
        bands = _partial_gutter(segments, settings) or [segments]
    if len(bands) == 1:
        return [(column, segments)]
    return [leaf for band in bands for leaf in _regions(band, column, settings)]


# --- 4. blocks -------------------------------------------------------------------------


def _leaf_lines(segments: list[Segment], settings: LayoutSettings) -> tuple[Line, ...]:
    words = [w for s in segments for w in s.words]
    return tuple(Line(tuple(ln)) for ln in group_lines(words, settings))


def layout_page(
    words: tuple[Word, ...],
    width: float,
    height: float,
    settings: LayoutSettings | None = None,
) -> tuple[tuple[Word, ...], tuple[Block, ...]]:
    """Deskewed words and their blocks in reading order."""
    settings = settings or LayoutSettings()
    if not words:
        return (), ()
    angle = skew_angle(words)
    if abs(math.degrees(angle)) >= settings.min_skew_deg:
        words = deskew(words, width, height, angle)
    segments = [s for ln in group_lines(words, settings) for s in split_segments(ln, settings)]
    blocks = tuple(
        Block(block=i, column=column, lines=_leaf_lines(region, settings))
        for i, (column, region) in enumerate(_regions(segments, 0, settings))
    )
    return words, blocks
