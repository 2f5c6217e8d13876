"""Direct correspondences (``correspondences.yaml``): word to word, and dimension to axis.

Why a file of its own: routing every category through the quadrants turns TROMPA's ``tenderness``
into a distribution over GEMS' Q4 categories (tenderness, calmness, solemnity...) although it is
the GEMS factor tenderness. A correspondence is a published identity (same word, or the same
scale item under another name) with its source; it is applied before the quadrant route and
maps with probability 1. The ``axes`` section names dimensions read as arousal or valence under
another name (Soundtracks' ``energy``), with the note that says why the reading is a choice.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from ..errors import LabelMappingError

PATH = Path(__file__).with_name("correspondences.yaml")


@dataclass(frozen=True)
class Correspondence:
    """``source_vocabulary/source`` is ``target_vocabulary/target``, per ``reference``."""

    source_vocabulary: str
    source: str
    target_vocabulary: str
    target: str
    basis: str
    reference: str


@dataclass(frozen=True)
class AxisReading:
    """Dimension ``dimension`` of ``dataset`` is read as ``axis`` (arousal or valence)."""

    dataset: str
    dimension: str
    axis: str
    reference: str
    note: str


@cache
def _document() -> dict[str, Any]:
    import yaml

    with PATH.open(encoding="utf-8") as handle:
        document = yaml.safe_load(handle)
    references = document.get("references") or {}
    for entry in [*document.get("words", []), *document.get("axes", [])]:
        if entry.get("source") not in references:
            raise LabelMappingError(f"{PATH.name}: unknown source {entry.get('source')!r}")
    return document


def _split(qualified: str) -> tuple[str, str]:
    vocabulary, _, category = qualified.partition("/")
    if not category:
        raise LabelMappingError(f"{PATH.name}: {qualified!r} is not <vocabulary>/<category>")
    return vocabulary, category


@cache
def word_correspondences() -> dict[tuple[str, str, str], Correspondence]:
    """``(source vocabulary, source category, target vocabulary)`` -> the correspondence."""
    table: dict[tuple[str, str, str], Correspondence] = {}
    for entry in _document().get("words", []):
        a_vocabulary, a = _split(entry["from"])
        b_vocabulary, b = _split(entry["to"])
        pairs = [(a_vocabulary, a, b_vocabulary, b)]
        if entry.get("both_ways"):
            pairs.append((b_vocabulary, b, a_vocabulary, a))
        for sv, s, tv, t in pairs:
            key = (sv, s, tv)
            if key in table and table[key].target != t:
                raise LabelMappingError(f"{PATH.name}: {sv}/{s} corresponds to two {tv} categories")
            table[key] = Correspondence(sv, s, tv, t, entry["basis"], entry["source"])
    return table


def correspondence(
    source_vocabulary: str, category: str, target_vocabulary: str
) -> Correspondence | None:
    """The direct correspondence of a category in ``target_vocabulary``, if one is recorded."""
    return word_correspondences().get((source_vocabulary, category, target_vocabulary))


def axis_readings(dataset_id: str) -> list[AxisReading]:
    """The dimensions of ``dataset_id`` read as arousal/valence under another name."""
    return [
        AxisReading(
            e["dataset"], e["dimension"], e["axis"], e["source"], " ".join(e["note"].split())
        )
        for e in _document().get("axes", [])
        if e["dataset"] == dataset_id
    ]


def reference(key: str) -> str:
    """The full text of a source key."""
    return " ".join(str(_document()["references"][key]).split())
