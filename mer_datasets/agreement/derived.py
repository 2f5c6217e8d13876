"""Derived nominal dimensions: each judgment mapped to a label space before agreement is computed.

Why: published studies report agreement on the Russell quadrant implied by each listener's own
arousal/valence answers, or on a categorical vocabulary mapped to quadrants; exporting a file and
feeding it back loses the counts of what could not be mapped. Here the mapping happens per
judgment inside the report, and every judgment that gives no label is counted by reason
(:attr:`DerivedJudgments.unmapped`), never dropped silently.

Specifications (``derive=`` in the Python API, ``--derive`` on the command line):

``quadrant`` or ``quadrant:RULE``
    The quadrant of each annotation record's own arousal and valence (the two judgments that share
    an ``annotation_id``; without that column, the same rater, item and timestamp). Q1 A+V+,
    Q2 A+V-, Q3 A-V-, Q4 A-V+ (:mod:`mer_datasets.labels.quadrants`), signs taken against the
    midpoint of each declared scale (5 on 1-9; 0 on -1..+1). ``RULE`` says what an answer *on*
    an axis (equal to the midpoint) becomes:

    - ``missing`` (default): no quadrant; counted as ``on_axis``.
    - ``asymmetric``: the boundary rule of the consensus-entropy study (Gómez-Cañón et al., ISMIR
      2021; see :mod:`mer_datasets.personal.labels`): at or above the midpoint is positive, so an
      axis answer lands on the positive side.

    ``split`` (the third policy of :mod:`mer_datasets.labels.quadrants`) is refused: it gives an
    axis answer half a judgment in each adjacent quadrant, and nominal alpha needs one label per
    judgment.

``SOURCE->TARGET``
    The labels of the categorical dimension ``SOURCE`` mapped to ``TARGET``: ``quadrant`` (through
    the vocabulary the catalog declares for ``SOURCE``: each category's quadrant distribution) or
    the id of another vocabulary (a direct correspondence of ``labels/correspondences.yaml`` when
    there is one, else the route through the quadrants). A judgment gets the unique most probable
    label; a tie, an unplaced category or a word absent from the vocabulary gives none (counted).
    A ``mappings[SOURCE]`` dictionary (label -> label) replaces the vocabulary route.

The derived dimension is nominal; its judgments keep every attribute of their source record
(rater, track, timestamp, ``setting``...), so ``where``, ``by``, duplicates and protocols apply.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..errors import AgreementError

#: On-axis rules a derived quadrant accepts (see the module docstring).
QUADRANT_RULES: tuple[str, ...] = ("missing", "asymmetric")
#: Unmapped reasons, in the order they are reported.
REASONS: tuple[str, ...] = (
    "on_axis", "missing_arousal", "missing_valence", "not_in_mapping", "unknown_label",
    "unplaced", "tied",
)  # fmt: skip
_BY_SIGNS = {(1, 1): "Q1", (1, -1): "Q2", (-1, -1): "Q3", (-1, 1): "Q4"}


@dataclass(frozen=True)
class Derivation:
    """One derived dimension: its ``source`` (None: arousal and valence), ``target`` and ``rule``."""

    target: str
    source: str | None = None
    rule: str = "missing"

    @property
    def name(self) -> str:
        """The dimension name in the report: ``quadrant``, ``quadrant:asymmetric``, ``emotion->quadrant``."""
        if self.source is None:
            return "quadrant" if self.rule == "missing" else f"quadrant:{self.rule}"
        return f"{self.source}->{self.target}"

    def describe(self, midpoints: Mapping[str, float] | None = None) -> str:
        """How the labels were made, for the report's note."""
        if self.source is None:
            axes = ", ".join(
                f"{d} {_fmt((midpoints or {}).get(d, 0.0))}" for d in ("arousal", "valence")
            )
            rule = "none" if self.rule == "missing" else "positive (asymmetric)"
            return f"quadrant of each record's arousal/valence (axes at {axes}; on an axis: {rule})"
        return f"{self.source} labels mapped to {self.target} (unique most probable label)"


def _fmt(value: float) -> str:
    return f"{float(value):g}"


def parse_derivation(spec: str | Derivation) -> Derivation:
    """``quadrant``, ``quadrant:RULE`` or ``SOURCE->TARGET`` as a :class:`Derivation`."""
    if isinstance(spec, Derivation):
        return spec
    if not isinstance(spec, str) or not spec.strip():
        raise AgreementError(
            f"derive: expected 'quadrant', 'quadrant:RULE' or 'SOURCE->TARGET', got {spec!r}"
        )
    text = spec.strip()
    if "->" in text:
        source, _, target = (part.strip() for part in text.partition("->"))
        if not source or not target:
            raise AgreementError(
                f"derive {spec!r}: expected SOURCE->TARGET, e.g. emotion->quadrant"
            )
        return Derivation(target=target, source=source)
    name, _, rule = text.partition(":")
    if name != "quadrant":
        raise AgreementError(
            f"derive {spec!r}: unknown derived dimension {name!r}; expected 'quadrant[:RULE]' "
            "(from arousal/valence) or 'SOURCE->TARGET' (a mapped label space)"
        )
    rule = rule or "missing"
    if rule == "split":
        raise AgreementError(
            "derive 'quadrant:split': the split rule gives an on-axis answer half a judgment in "
            "each adjacent quadrant, and nominal agreement needs one label per judgment; use "
            "'quadrant' (on-axis answers counted as unmapped) or 'quadrant:asymmetric'"
        )
    if rule not in QUADRANT_RULES:
        raise AgreementError(
            f"derive {spec!r}: unknown on-axis rule {rule!r}; expected one of "
            f"{', '.join(QUADRANT_RULES)}"
        )
    return Derivation(target="quadrant", rule=rule)


def parse_derivations(specs: Any) -> list[Derivation]:
    """A list of specifications (one string is one specification) as derivations, names unique."""
    if specs is None:
        return []
    if isinstance(specs, (str, Derivation)):
        specs = [specs]
    if not isinstance(specs, Iterable):
        raise AgreementError(f"derive must be a list of specifications, got {specs!r}")
    out = [parse_derivation(s) for s in specs]
    names = [d.name for d in out]
    if len(set(names)) != len(names):
        raise AgreementError(f"derive: the same derived dimension twice ({names})")
    return out


@dataclass(frozen=True)
class DerivedJudgments:
    """Derived judgment rows (``table``: the source record's columns, ``dimension`` = the derived
    name, ``label``, ``value`` missing) and the source records that gave no label (``unmapped``:
    the same columns and ``reason``)."""

    table: pd.DataFrame
    unmapped: pd.DataFrame
    notes: dict[str, str] = field(default_factory=dict)

    def counts(self, dimension: str | None = None) -> dict[str, int]:
        """Unmapped judgments by reason (of one derived dimension, or all)."""
        rows = self.unmapped
        if dimension is not None:
            rows = rows[rows["dimension"] == dimension]
        counted = rows["reason"].value_counts()
        return {r: int(counted[r]) for r in REASONS if r in counted.index}


def derive_judgments(
    table: pd.DataFrame,
    derive: Any,
    *,
    midpoints: Mapping[str, float] | None = None,
    vocabularies: Mapping[str, str] | None = None,
    mappings: Mapping[str, Mapping[str, str]] | None = None,
) -> DerivedJudgments:
    """The derived judgments of ``table`` (long annotations) for each specification of ``derive``.

    ``midpoints``: the axis value per dimension (arousal, valence; default 0); ``vocabularies``:
    the vocabulary id of each categorical dimension; ``mappings``: a label -> label dictionary per
    source dimension, used instead of its vocabulary.
    """
    parts, unmapped, notes = [], [], {}
    derivations = parse_derivations(derive)
    existing = set(table["dimension"].astype(str).unique())
    clash = [d.name for d in derivations if d.name in existing]
    if clash:
        raise AgreementError(
            f"derive: the data already has a dimension named {clash[0]!r}; a derived dimension "
            "cannot share its name (rename that dimension, or skip the derivation)"
        )
    for derivation in derivations:
        if derivation.source is None:
            rows, missing = _quadrant_rows(table, derivation, midpoints or {})
        else:
            rows, missing = _mapped_rows(table, derivation, vocabularies or {}, mappings or {})
        parts.append(rows.assign(dimension=derivation.name))
        unmapped.append(missing.assign(dimension=derivation.name))
        notes[derivation.name] = derivation.describe(midpoints)
    columns = list(table.columns) + ([] if "label" in table.columns else ["label"])
    derived = pd.concat(parts, ignore_index=True) if parts else table.iloc[:0].assign(label=None)
    lost = (
        pd.concat(unmapped, ignore_index=True)
        if unmapped
        else table.iloc[:0].assign(reason=pd.Series(dtype=object))
    )
    return DerivedJudgments(derived[columns], lost, notes)


def _record_keys(rows: pd.DataFrame) -> list[str]:
    if "annotation_id" in rows.columns and rows["annotation_id"].notna().all():
        return ["annotation_id"]
    keys = ["track_id", "rater_id"]
    return keys + (["timestamp"] if "timestamp" in rows.columns else [])


def _quadrant_rows(
    table: pd.DataFrame, derivation: Derivation, midpoints: Mapping[str, float]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    dimension = table["dimension"].astype(str)
    present = set(dimension.unique())
    if not {"arousal", "valence"} & present:
        raise AgreementError(
            "derive 'quadrant' needs arousal and valence judgments; this table has neither "
            f"(dimensions: {', '.join(sorted(present)) or 'none'})"
        )
    is_axis = dimension.isin(["arousal", "valence"]).to_numpy()
    source = table[is_axis]
    keys = _record_keys(source)
    key = source[keys[0]].astype(str)
    for column in keys[1:]:  # one text key per record: the columns joined by a unit separator
        key = key + "\x1f" + source[column].astype(str)
    values = pd.to_numeric(source["value"], errors="coerce") if "value" in source else None
    if values is None:
        raise AgreementError("derive 'quadrant' needs numeric arousal/valence values")
    frame = pd.DataFrame(
        {"_key": key.to_numpy(dtype=object), "_dim": dimension.to_numpy()[is_axis],
         "_x": values.to_numpy(dtype=float)},
        index=pd.RangeIndex(len(source)),
    )  # fmt: skip
    if frame.duplicated(["_key", "_dim"]).any():
        example = frame[frame.duplicated(["_key", "_dim"], keep=False)].iloc[0]
        raise AgreementError(
            f"derive 'quadrant': record {example['_key'].replace(chr(31), ', ')!r} has more than "
            f"one {example['_dim']} "
            f"judgment; records are paired by {', '.join(keys)}, which must identify one answer"
        )
    first = frame.drop_duplicates("_key", keep="first")  # the record's first judgment
    wide = frame.pivot(index="_key", columns="_dim", values="_x").reindex(
        index=first["_key"].to_numpy(), columns=["arousal", "valence"]
    )
    base = source.iloc[first.index.to_numpy()].reset_index(drop=True)
    a, v = wide["arousal"].to_numpy(float), wide["valence"].to_numpy(float)
    a_sign = _signs(a, float(midpoints.get("arousal", 0.0)), derivation.rule)
    v_sign = _signs(v, float(midpoints.get("valence", 0.0)), derivation.rule)
    reason = np.full(len(base), None, dtype=object)
    reason[(a_sign == 0) | (v_sign == 0)] = "on_axis"
    reason[np.isnan(v)] = "missing_valence"
    reason[np.isnan(a)] = "missing_arousal"
    label = np.array(
        [_BY_SIGNS.get((int(s), int(t))) for s, t in zip(a_sign, v_sign)], dtype=object
    )
    return _split(base, label, reason)


def _signs(x: np.ndarray, midpoint: float, rule: str) -> np.ndarray:
    """+1 / -1 by side of the midpoint; on it 0, or +1 under the asymmetric rule; NaN gives 0."""
    with np.errstate(invalid="ignore"):
        out = np.where(x > midpoint, 1, np.where(x < midpoint, -1, 0))
        if rule == "asymmetric":
            out = np.where(x == midpoint, 1, out)
    return np.where(np.isnan(x), 0, out)


def _split(
    base: pd.DataFrame, label: np.ndarray, reason: np.ndarray
) -> tuple[pd.DataFrame, pd.DataFrame]:
    lost = np.array([r is not None for r in reason], dtype=bool)
    mapped = base[~lost].assign(label=label[~lost])
    if "value" in mapped.columns:
        mapped = mapped.assign(value=np.nan)
    return mapped, base[lost].assign(reason=reason[lost])


def _mapped_rows(
    table: pd.DataFrame,
    derivation: Derivation,
    vocabularies: Mapping[str, str],
    mappings: Mapping[str, Mapping[str, str]],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    source = derivation.source
    rows = table[table["dimension"].astype(str) == source].reset_index(drop=True)
    if rows.empty:
        present = ", ".join(sorted(table["dimension"].astype(str).unique())) or "none"
        raise AgreementError(
            f"derive {derivation.name!r}: no judgments of dimension {source!r} (dimensions: {present})"
        )
    text = _label_text(rows)
    if source in mappings:
        mapping = {str(k): str(v) for k, v in mappings[source].items()}
        label = np.array([mapping.get(t) if t is not None else None for t in text], dtype=object)
        reason = np.array(
            [None if m is not None else "not_in_mapping" for m in label], dtype=object
        )
        return _split(rows, label, reason)
    vocabulary = vocabularies.get(source)
    if vocabulary is None:
        raise AgreementError(
            f"derive {derivation.name!r}: dimension {source!r} has no vocabulary in the catalog; "
            f"give a mapping (Python: mappings={{{source!r}: {{label: {derivation.target!r} "
            "label}}})"
        )
    route = _vocabulary_route(vocabulary, derivation.target)
    cache: dict[str | None, tuple[str | None, str | None]] = {}
    results = []
    for t in text:
        if t not in cache:
            cache[t] = route(t)
        results.append(cache[t])
    label = np.array([r[0] for r in results], dtype=object)
    reason = np.array([r[1] for r in results], dtype=object)
    return _split(rows, label, reason)


def _label_text(rows: pd.DataFrame) -> list[str | None]:
    """Each judgment's label as text (a numeric value as ``3``, not ``3.0``); None when missing."""
    out: list[str | None] = [None] * len(rows)
    labels = rows["label"].tolist() if "label" in rows.columns else out
    values = rows["value"].tolist() if "value" in rows.columns else out
    for i, (label, value) in enumerate(zip(labels, values)):
        if label is not None and not pd.isna(label):
            out[i] = str(label)
        elif value is not None and not pd.isna(value):
            out[i] = format(float(value), "g")
    return out


def _vocabulary_route(vocabulary: str, target: str):
    """label -> (mapped label or None, reason or None) through the labels package."""
    from ..labels.correspondences import correspondence
    from ..labels.mapping import category_quadrants, category_to_vocabulary
    from ..labels.vocabulary import load_vocabulary

    source = load_vocabulary(vocabulary)
    if target != "quadrant":
        load_vocabulary(target)  # an unknown target is refused before any judgment

    def route(text: str | None) -> tuple[str | None, str | None]:
        if text is None:
            return None, "unknown_label"
        category = source.find(text)
        if category is None:
            return None, "unknown_label"
        if target == "quadrant":
            mapped = category_quadrants(category.id, source)
        else:
            direct = correspondence(source.id, category.id, target)
            if direct is not None:
                return direct.target, None
            mapped = category_to_vocabulary(category.id, source, target)
        if mapped is None:
            return None, "unplaced"
        return (mapped.label, None) if mapped.label is not None else (None, "tied")

    return route
