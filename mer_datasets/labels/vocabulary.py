"""Emotion vocabularies: categories as spelled in the data, and where each sits in the AV plane.

Why data files: every placement is a claim with a source, and a researcher must be able to read,
cite and change it without reading code. Each ``vocabularies/<id>.yaml`` is validated against
``schemas/vocabulary.schema.json`` (draft 2020-12) plus the checks a schema cannot express
(distributions sum to one, every ``source`` is in ``references``, spellings are unique).

A category is *placed* when it has a quadrant distribution and/or coordinates. The other is
derived when missing, as a documented convention of this library:

- coordinates from a distribution: the expected quadrant centroid, ``sum_q P(q) * centroid(q)``,
  with the centroids of ``russell_quadrants.yaml`` ((+-0.5, +-0.5));
- a distribution from coordinates: the quadrant of the point, axis points split equally
  (:func:`.quadrants.quadrant_distribution` with ``on_axis="split"``).

Unplaced categories (``unplaced: true`` with a reason) stay out of every mapping.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from ..errors import LabelMappingError, VocabularyError
from .quadrants import QUADRANTS, quadrant_distribution

VOCABULARY_DIR = Path(__file__).resolve().parent / "vocabularies"
SCHEMA_NAME = "vocabulary.schema.json"
QUADRANT_VOCABULARY = "russell_quadrants"
CONVENTION = "convention of this library"
DERIVED_CENTROID_NOTE = (
    "expected quadrant centroid of the distribution (convention of this library)"
)
DERIVED_QUADRANT_NOTE = (
    "quadrant of the coordinates, axis points split (convention of this library)"
)


@dataclass(frozen=True)
class Placement:
    """Where a placement comes from: citation key(s), basis and an optional note."""

    source: tuple[str, ...]
    basis: str
    note: str | None = None


@dataclass(frozen=True)
class Category:
    """One category of a vocabulary and its placement (or the reason it has none)."""

    id: str
    vocabulary: str
    aliases: tuple[str, ...] = ()
    group: str | None = None
    description: str | None = None
    distribution: Mapping[str, float] | None = None
    distribution_placement: Placement | None = None
    coordinates: tuple[float, float] | None = None  # (arousal, valence) in [-1, 1]
    coordinates_placement: Placement | None = None
    ambiguous: bool = False
    ambiguity: str | None = None
    unplaced: bool = False
    reason: str | None = None

    @property
    def placed(self) -> bool:
        return not self.unplaced and (self.distribution is not None or self.coordinates is not None)

    @property
    def spellings(self) -> tuple[str, ...]:
        return (self.id, *self.aliases)

    def bases(self) -> set[str]:
        return {p.basis for p in (self.distribution_placement, self.coordinates_placement) if p}


@dataclass(frozen=True)
class Vocabulary:
    """A validated vocabulary file."""

    id: str
    name: str
    description: str
    references: Mapping[str, str]
    categories: tuple[Category, ...]
    used_by: tuple[str, ...] = ()
    data_spelling: str | None = None
    notes: str | None = None
    path: Path | None = None
    _index: dict[str, Category] = field(default_factory=dict, repr=False, compare=False)

    def __iter__(self) -> Iterator[Category]:
        return iter(self.categories)

    def __len__(self) -> int:
        return len(self.categories)

    def find(self, label: Any) -> Category | None:
        """The category spelled ``label`` (id or alias, exact; else case-insensitive if unique)."""
        if label is None or (isinstance(label, float) and math.isnan(label)):
            return None
        text = str(label).strip()
        found = self._index.get(text)
        if found is not None:
            return found
        return self._index.get("\0casefold\0" + text.casefold())

    def category(self, label: Any) -> Category:
        found = self.find(label)
        if found is None:
            known = ", ".join(repr(c.id) for c in self.categories)
            raise LabelMappingError(
                f"vocabulary {self.id!r} has no category spelled {label!r}; its categories: {known}"
            )
        return found

    def placed(self, exclude_bases: Collection[str] = ()) -> tuple[Category, ...]:
        """Categories that take part in mappings, optionally without some bases (e.g. conventions)."""
        return tuple(
            c
            for c in self.categories
            if c.placed and not (c.bases() and c.bases() <= set(exclude_bases))
        )

    def unplaced(self) -> tuple[Category, ...]:
        return tuple(c for c in self.categories if not c.placed)


def vocabulary_ids() -> list[str]:
    """Ids of the packaged vocabularies (file names without ``.yaml``), sorted."""
    return sorted(p.stem for p in VOCABULARY_DIR.glob("*.yaml"))


def _schema() -> dict:
    from ..resources import load_schema

    return load_schema(SCHEMA_NAME)


def schema_problems(document: Any, where: str = "<vocabulary>") -> list[str]:
    """Every schema violation of a parsed vocabulary document, as readable lines."""
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(_schema())
    problems = []
    for error in sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path)):
        location = "/".join(str(p) for p in error.absolute_path) or "(top level)"
        problems.append(f"{where}: {location}: {error.message}")
    return problems


def _placement(raw: Mapping[str, Any]) -> Placement:
    source = raw["source"]
    return Placement(
        tuple([source] if isinstance(source, str) else source), raw["basis"], raw.get("note")
    )


def _semantic_problems(document: Mapping[str, Any], where: str) -> list[str]:
    problems = []
    references = set(document.get("references", {}))
    seen: dict[str, str] = {}
    for index, raw in enumerate(document.get("categories", [])):
        cid = raw["id"]
        for spelling in (cid, *raw.get("aliases", ())):
            if spelling in seen:
                problems.append(
                    f"{where}: categories/{index}: spelling {spelling!r} also used by {seen[spelling]!r}"
                )
            seen[spelling] = cid
        for key in ("quadrants", "coordinates"):
            if key in raw:
                source = raw[key]["source"]
                for citation in [source] if isinstance(source, str) else source:
                    if citation not in references:
                        problems.append(
                            f"{where}: categories/{index} ({cid!r}): {key} source {citation!r} is not a key of `references`"
                        )
        if "quadrants" in raw:
            total = sum(raw["quadrants"]["distribution"].values())
            if abs(total - 1.0) > 1e-9:
                problems.append(
                    f"{where}: categories/{index} ({cid!r}): quadrant distribution sums to {total}, expected 1"
                )
    return problems


def parse_vocabulary(
    document: Mapping[str, Any],
    where: str = "<vocabulary>",
    *,
    centroids: Mapping[str, tuple[float, float]] | None = None,
) -> Vocabulary:
    """Validate a parsed vocabulary document and build the :class:`Vocabulary`."""
    problems = schema_problems(document, where)
    if not problems:
        problems = _semantic_problems(document, where)
    if problems:
        raise VocabularyError(
            "vocabulary does not match schemas/vocabulary.schema.json:\n" + "\n".join(problems)
        )
    vocabulary_id = document["id"]
    categories = []
    for raw in document["categories"]:
        distribution = coordinates = None
        distribution_placement = coordinates_placement = None
        if "quadrants" in raw:
            given = raw["quadrants"]["distribution"]
            distribution = {q: float(given.get(q, 0.0)) for q in QUADRANTS}
            distribution_placement = _placement(raw["quadrants"])
        if "coordinates" in raw:
            coordinates = (
                float(raw["coordinates"]["arousal"]),
                float(raw["coordinates"]["valence"]),
            )
            coordinates_placement = _placement(raw["coordinates"])
        if distribution is not None and coordinates is None and centroids is not None:
            arousal = sum(p * centroids[q][0] for q, p in distribution.items())
            valence = sum(p * centroids[q][1] for q, p in distribution.items())
            coordinates = (arousal, valence)
            coordinates_placement = Placement(("this-library",), CONVENTION, DERIVED_CENTROID_NOTE)
        if coordinates is not None and distribution is None:
            distribution = quadrant_distribution(*coordinates, on_axis="split")
            distribution_placement = Placement(("this-library",), CONVENTION, DERIVED_QUADRANT_NOTE)
        categories.append(
            Category(
                id=raw["id"],
                vocabulary=vocabulary_id,
                aliases=tuple(raw.get("aliases", ())),
                group=raw.get("group"),
                description=raw.get("description"),
                distribution=distribution,
                distribution_placement=distribution_placement,
                coordinates=coordinates,
                coordinates_placement=coordinates_placement,
                ambiguous=bool(raw.get("ambiguous", False)),
                ambiguity=raw.get("ambiguity"),
                unplaced=bool(raw.get("unplaced", False)),
                reason=raw.get("reason"),
            )
        )
    index: dict[str, Category] = {}
    folded: dict[str, list[Category]] = {}
    for category in categories:
        for spelling in category.spellings:
            index[spelling] = category
            folded.setdefault(spelling.casefold(), []).append(category)
    for key, matches in folded.items():
        if len({c.id for c in matches}) == 1:
            index["\0casefold\0" + key] = matches[0]
    return Vocabulary(
        id=vocabulary_id,
        name=document["name"],
        description=document["description"],
        references=dict(document["references"]),
        categories=tuple(categories),
        used_by=tuple(document.get("used_by", ())),
        data_spelling=document.get("data_spelling"),
        notes=document.get("notes"),
        _index=index,
    )


def read_document(path: Path) -> Any:
    import yaml

    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.safe_load(handle)
    except (OSError, yaml.YAMLError) as exc:
        raise VocabularyError(f"cannot read vocabulary file {path}: {exc}") from exc


@cache
def _quadrant_centroids() -> dict[str, tuple[float, float]]:
    path = VOCABULARY_DIR / f"{QUADRANT_VOCABULARY}.yaml"
    quadrants = parse_vocabulary(read_document(path), str(path))
    centroids = {}
    for category in quadrants:
        if category.id not in QUADRANTS or category.coordinates is None:
            raise VocabularyError(f"{path}: every quadrant Q1..Q4 needs coordinates (its centroid)")
        centroids[category.id] = category.coordinates
    return centroids


def quadrant_centroids() -> dict[str, tuple[float, float]]:
    """(arousal, valence) of Q1..Q4 as declared in ``russell_quadrants.yaml`` (a convention)."""
    return dict(_quadrant_centroids())


@cache
def load_vocabulary(vocabulary_id: str) -> Vocabulary:
    """A packaged vocabulary by id, validated (cached per process)."""
    path = VOCABULARY_DIR / f"{vocabulary_id}.yaml"
    if not path.is_file():
        raise LabelMappingError(
            f"no vocabulary {vocabulary_id!r}; known vocabularies: {', '.join(vocabulary_ids())}"
        )
    vocabulary = parse_vocabulary(read_document(path), str(path), centroids=_quadrant_centroids())
    object.__setattr__(vocabulary, "path", path)
    if vocabulary.id != vocabulary_id:
        raise VocabularyError(
            f"{path}: id {vocabulary.id!r} differs from the file name {vocabulary_id!r}"
        )
    return vocabulary
