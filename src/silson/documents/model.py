"""The page model every reader produces: words with boxes in image pixels, and the page image.

A born-digital PDF gives its words from the text layer (confidence 1.0) and a rendered image for the
table rules; a scan or photo gives its words from OCR on the straightened image. The form reader
(`layout`, `forms`) only sees this model, so both paths are read by one set of rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

GrayImage = npt.NDArray[np.uint8]

Source = Literal["text_layer", "ocr", "edocument"]


class Extent:
    """Something on a page with a box from (x0, y0) top left to (x1, y1) bottom right, y down."""

    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def xc(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def yc(self) -> float:
        return (self.y0 + self.y1) / 2

    @property
    def height(self) -> float:
        return self.y1 - self.y0


@dataclass(frozen=True)
class Word(Extent):
    """One word: its text, its box (x0, y0) top left to (x1, y1) bottom right, y down, and OCR confidence 0..1."""

    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    conf: float = 1.0


@dataclass(frozen=True)
class Segment:
    """A ruled line of the form: horizontal (y fixed, x0..x1) or vertical (x fixed, y0..y1)."""

    pos: float
    start: float
    end: float


@dataclass
class Page:
    """One page ready for the form reader."""

    words: list[Word]
    image: GrayImage | None
    width: int
    height: int
    source: Source
    horizontal: list[Segment] = field(default_factory=list)
    vertical: list[Segment] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
