"""The reader's synthetic test set: every kind of document in every variant, generated from one seed.

Six kinds (진료비 영수증 2024 and older layouts, 약제비 영수증, 세부산정내역, 처방전, 진단서·확인서) × four
variants (clean scan PNG, phone photo JPEG with skew, perspective, blur and uneven light, text PDF,
image-only PDF) × `per` documents each: 48 documents at the default per = 2. The same seed gives the
same bytes, so the bench (`bench/documents.py`) and the tests (`tests/documents/`) read the same set.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from silson.documents import synth, synth_medical

KINDS: tuple[str, ...] = ("hospital-2024", "hospital-older", "pharmacy", "itemised", "prescription", "certificate")
VARIANTS: tuple[synth.Variant, ...] = ("scan", "photo", "text_pdf", "image_pdf")
DEFAULT_SEED = 20251201


@dataclass(frozen=True)
class Sample:
    """One rendered document: its name, bytes, file suffix, variant and the fields it must read as."""

    name: str
    kind: str
    variant: synth.Variant
    data: bytes
    suffix: str
    expected: dict[str, Any]


def _spec(kind: str, rng: random.Random) -> synth.Drawable:
    makers: dict[str, Callable[[random.Random], synth.Drawable]] = {
        "itemised": synth_medical.random_itemised,
        "prescription": synth_medical.random_prescription,
        "certificate": synth_medical.random_certificate,
    }
    if kind in makers:
        return makers[kind](rng)
    layout: synth.Layout = kind  # type: ignore[assignment]
    return synth.random_spec(rng, layout)


def generate(
    *,
    per: int = 2,
    seed: int = DEFAULT_SEED,
    kinds: tuple[str, ...] = KINDS,
    variants: tuple[synth.Variant, ...] = VARIANTS,
) -> Iterator[Sample]:
    """The documents, kind by kind and variant by variant; each from its own seeded generator, so a
    subset (one kind, one variant) renders exactly the documents the full set holds."""
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    for kind in kinds:
        for variant in variants:
            for index in range(per):
                rng = random.Random(f"{seed}/{kind}/{variant}/{index}")
                spec = _spec(kind, rng)
                data, suffix = synth.render(spec, variant, rng)
                yield Sample(f"{kind}-{variant}-{index}", kind, variant, data, suffix, spec.expected())
