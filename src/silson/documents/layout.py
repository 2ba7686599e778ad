"""Reading a page as a form: labels, the cell a label sits in, and the cells to its right or below.

Words are grouped into phrases (same text line, small gaps), and labels are found in phrases with a
tolerant match, since OCR misreads a Korean syllable now and then. A label's row is the band between
the ruled lines above and below it; its cells are the intervals between the vertical rules crossing
that band. Without rules (a form printed without borders, or lines lost to blur) the band is the
label's own height and the value is the nearest number to the right.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from silson.documents.model import Extent, Page, Segment, Word

_SPACES = re.compile(r"\s+")
_TRANSLATE = str.maketrans({"·": "ㆍ", "・": "ㆍ", "･": "ㆍ", "•": "ㆍ", "（": "(", "）": ")", "，": ","})


def normalise(text: str) -> str:
    """Text for matching: NFC, no spaces, one middle dot.

    >>> normalise("진료비  총액 (①+②)")
    '진료비총액(①+②)'
    """
    return _SPACES.sub("", unicodedata.normalize("NFC", text)).translate(_TRANSLATE)


@dataclass(frozen=True)
class Phrase:
    """Words on one text line with small gaps between them."""

    words: tuple[Word, ...]

    @property
    def text(self) -> str:
        return normalise("".join(w.text for w in self.words))

    @property
    def x0(self) -> float:
        return min(w.x0 for w in self.words)

    @property
    def x1(self) -> float:
        return max(w.x1 for w in self.words)

    @property
    def y0(self) -> float:
        return min(w.y0 for w in self.words)

    @property
    def y1(self) -> float:
        return max(w.y1 for w in self.words)


@dataclass(frozen=True)
class Box(Extent):
    """A found label (or value): where it is and how sure the reading is."""

    x0: float
    y0: float
    x1: float
    y1: float
    text: str
    conf: float
    edits: int = 0


def _median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2] if ordered else 0.0


def _syllable(text: str) -> bool:
    return len(text) == 1 and "가" <= text <= "힣"


def _ruled_between(vertical: Sequence[Segment], left: Word, right: Word) -> bool:
    y = (left.yc + right.yc) / 2
    return any(left.xc < s.pos < right.xc and s.start <= y <= s.end for s in vertical)


def phrases(words: Sequence[Word], vertical: Sequence[Segment] = ()) -> list[Phrase]:
    """Group words into phrases: same line, gap under 1.2 heights, and no cell border between them."""
    height = _median([w.height for w in words]) or 10.0
    lines: list[list[Word]] = []
    for word in sorted(words, key=lambda w: (w.yc, w.x0)):
        for line in lines:
            ref = line[-1]
            if abs(ref.yc - word.yc) <= 0.5 * max(min(ref.height, word.height), height * 0.5):
                line.append(word)
                break
        else:
            lines.append([word])
    found: list[Phrase] = []
    for line in lines:
        line.sort(key=lambda w: w.x0)
        current = [line[0]]
        for word in line[1:]:
            gap = word.x0 - current[-1].x1
            limit = 1.2 * max(height, min(word.height, current[-1].height))
            if _syllable(word.text) and _syllable(current[-1].text):
                limit *= 4  # letter-spaced labels: "합     계", "항   목"
            if gap > limit or _ruled_between(vertical, current[-1], word):
                found.append(Phrase(tuple(current)))
                current = [word]
            else:
                current.append(word)
        found.append(Phrase(tuple(current)))
    return found


def _best_substring(pattern: str, text: str) -> tuple[int, int, int]:
    """(edits, start, end) of the substring of `text` closest to `pattern` (Sellers' algorithm)."""
    m = len(pattern)
    prev = list(range(m + 1))
    starts_prev = [0] * (m + 1)
    best = (m + 1, 0, 0)
    for j, ch in enumerate(text, start=1):
        cur = [0] * (m + 1)
        starts = [j] * (m + 1)
        for i in range(1, m + 1):
            options = (
                (prev[i - 1] + (pattern[i - 1] != ch), starts_prev[i - 1]),
                (prev[i] + 1, starts_prev[i]),
                (cur[i - 1] + 1, starts[i - 1]),
            )
            cur[i], starts[i] = min(options)
        if cur[m] < best[0]:
            best = (cur[m], starts[m], j)
        prev, starts_prev = cur, starts
    return best


def _span_box(phrase: Phrase, start: int, end: int, edits: int) -> Box:
    """The box of characters start..end of a phrase's normalised text (words touched by the span)."""
    pos = 0
    touched: list[Word] = []
    for word in phrase.words:
        length = len(normalise(word.text))
        if pos < end and pos + length > start:
            touched.append(word)
        pos += length
    touched = touched or list(phrase.words)
    return Box(
        x0=min(w.x0 for w in touched),
        y0=min(w.y0 for w in touched),
        x1=max(w.x1 for w in touched),
        y1=max(w.y1 for w in touched),
        text=phrase.text[start:end],
        conf=min(w.conf for w in touched),
        edits=edits,
    )


def find_labels(
    found: Sequence[Phrase],
    variants: Sequence[str],
    *,
    not_followed_by: Sequence[str] = (),
    not_preceded_by: Sequence[str] = (),
    exact: bool = False,
) -> list[Box]:
    """Every place a label appears, best matches first; tolerant of one misread syllable in four."""
    hits: list[Box] = []
    for phrase in found:
        text = phrase.text
        for variant in variants:
            allowed = 0 if exact or len(variant) < 3 else max(1, len(variant) // 4)
            edits, start, end = _best_substring(variant, text)
            if edits > allowed:
                continue
            after, before = text[end:], text[:start]
            if any(after.startswith(n) for n in not_followed_by):
                continue
            if any(before.endswith(n) for n in not_preceded_by):
                continue
            hits.append(_span_box(phrase, start, end, edits))
            break
    hits.sort(key=lambda b: (b.edits, b.y0))
    return hits


def band(page: Page, box: Box) -> tuple[float, float]:
    """The row a label sits in: between the nearest horizontal rules above and below that span it."""
    spanning = [s for s in page.horizontal if s.start - 5 <= box.xc <= s.end + 5]
    above = [s.pos for s in spanning if s.pos <= box.yc - box.height / 4]
    below = [s.pos for s in spanning if s.pos >= box.yc + box.height / 4]
    height = box.y1 - box.y0
    top = max(above) if above else box.y0 - 0.6 * height
    bottom = min(below) if below else box.y1 + 0.6 * height
    if bottom - top > 8 * height:  # a label in a tall merged cell: keep to its own lines
        top, bottom = max(top, box.y0 - 2 * height), min(bottom, box.y1 + 2 * height)
    return top, bottom


def cells(page: Page, top: float, bottom: float, *, after_x: float) -> list[tuple[float, float]]:
    """The cells of the band top..bottom right of x = after_x, as (x0, x1), from the vertical rules."""
    height = bottom - top
    crossing = sorted(s.pos for s in page.vertical if s.start <= top + 0.3 * height and s.end >= bottom - 0.3 * height)
    edges: list[float] = []
    for pos in crossing:
        if not edges or pos - edges[-1] > 8:
            edges.append(pos)
    right = [e for e in edges if e > after_x]
    return list(pairwise(right))


def words_in(page: Page, x0: float, y0: float, x1: float, y1: float) -> list[Word]:
    """Words whose centre lies in the rectangle, left to right."""
    return sorted((w for w in page.words if x0 <= w.xc <= x1 and y0 <= w.yc <= y1), key=lambda w: (w.x0, w.y0))


def cell_text(words: Sequence[Word]) -> str:
    return " ".join(w.text for w in words)


@dataclass(frozen=True)
class Read:
    """What a form cell held: its text, confidence, and the box it came from (for re-reading)."""

    text: str
    conf: float
    x0: float
    y0: float
    x1: float
    y1: float
    blank: bool = False
    digit_conf: float = 1.0  # the weakest word holding a digit: what an amount's reading rests on


def _read(words: Sequence[Word], x0: float, y0: float, x1: float, y1: float) -> Read:
    if not words:
        return Read("", 1.0, x0, y0, x1, y1, blank=True)
    digits = [w.conf for w in words if any(c.isdigit() for c in w.text)]
    conf = min(w.conf for w in words)
    return Read(cell_text(words), conf, x0, y0, x1, y1, digit_conf=min(digits) if digits else conf)


def right_cell(page: Page, label: Box, *, index: int = 0) -> Read | None:
    """The content of the index-th cell right of the label, in the label's row; None if no cell is found."""
    top, bottom = band(page, label)
    row_cells = cells(page, top, bottom, after_x=label.x1 - 2)
    pad = 2.0
    if len(row_cells) > index:
        x0, x1 = row_cells[index]
        return _read(words_in(page, x0 + pad, top, x1 - pad, bottom), x0, top, x1, bottom)
    if index > 0:
        return None
    # No rules: everything right of the label in its band up to a wide gap.
    near = [w for w in page.words if w.x0 >= label.x1 - 2 and top <= w.yc <= bottom]
    near.sort(key=lambda w: w.x0)
    if not near:
        return None
    chosen = [near[0]]
    for word in near[1:]:
        if word.x0 - chosen[-1].x1 > 3 * (label.y1 - label.y0):
            break
        chosen.append(word)
    return _read(chosen, chosen[0].x0, top, chosen[-1].x1, bottom)


def below_cell(page: Page, label: Box) -> Read | None:
    """The content of the cell under the label (header row above a value row)."""
    top, bottom = band(page, label)
    spanning = [s.pos for s in page.horizontal if s.start - 5 <= label.xc <= s.end + 5 and s.pos > bottom + 5]
    next_bottom = min(spanning) if spanning else bottom + (bottom - top)
    crossing = sorted(s.pos for s in page.vertical if s.start <= bottom + 5 and s.end >= next_bottom - 5)
    left = max((p for p in crossing if p < label.xc), default=label.x0 - 200)
    right = min((p for p in crossing if p > label.xc), default=label.x1 + 200)
    return _read(words_in(page, left + 2, bottom, right - 2, next_bottom), left, bottom, right, next_bottom)


def row_edges(page: Page, x: float) -> list[float]:
    """The y of every horizontal rule crossing x = x, top to bottom, rules closer than 8 px merged."""
    found = sorted(s.pos for s in page.horizontal if s.start - 5 <= x <= s.end + 5)
    edges: list[float] = []
    for pos in found:
        if not edges or pos - edges[-1] > 8:
            edges.append(pos)
    return edges


def row_index(page: Page, box: Box) -> int | None:
    """Which band between the rules at the box's centre it sits in (0 = under the first rule), or None."""
    edges = row_edges(page, box.xc)
    for index, (top, bottom) in enumerate(pairwise(edges)):
        if top <= box.yc <= bottom:
            return index
    return None


def row_box(page: Page, anchor: Box, offset: int) -> Box | None:
    """Where the label `offset` rows below (negative: above) the anchor's row stands, same columns.

    The statutory forms fix the order of their rows (⑥ 진료비 총액 … ⑩ 납부할 금액; 카드, 현금영수증, 현금,
    합계), so a label OCR garbled beyond recognition is found from a neighbour that was read.
    """
    edges = row_edges(page, anchor.xc)
    index = row_index(page, anchor)
    if index is None or not 0 <= index + offset < len(edges) - 1:
        return None
    top, bottom = edges[index + offset], edges[index + offset + 1]
    pad = min(4.0, (bottom - top) / 4)
    return Box(anchor.x0, top + pad, anchor.x1, bottom - pad, text="", conf=anchor.conf, edits=anchor.edits)
