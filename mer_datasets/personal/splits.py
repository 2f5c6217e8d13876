"""Seeded, reproducible splits with a manifest that records the seed, input checksum and lists.

Per-user splits: for each rater, that rater's labelled tracks are split into train and test
*by track* (a track is never on both sides for one rater, whatever the repeat policy left).
General splits for the non-personal case: ``random`` (rows), ``grouped`` (by track: every row
of a track on one side) and ``stratified`` (by label, per-class proportions kept). A dataset's
official split, where its tracks table has one, is read with :func:`official_split`.

Each split seeds its own ``numpy.random.default_rng`` from ``(seed, rater)`` so adding or
removing a rater does not change the others' splits.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from .errors import PersonalizationError
from .labels import PersonalLabels

MANIFEST_VERSION = 1
Method = Literal["random", "grouped", "stratified"]


@dataclass(frozen=True)
class SplitManifest:
    """What was split, how, and the lists: ``splits[key] = {"train": [...], "test": [...]}``."""

    kind: str
    seed: int
    parameters: dict[str, Any]
    input_sha256: str
    splits: dict[str, dict[str, list[str]]]
    dataset: str | None = None
    version: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "manifest_version": MANIFEST_VERSION,
            "kind": self.kind,
            "dataset": self.dataset,
            "version": self.version,
            "seed": self.seed,
            "parameters": self.parameters,
            "input_sha256": self.input_sha256,
            "extra": self.extra,
            "splits": self.splits,
        }

    def write(self, path: str | Path) -> Path:
        """Write as JSON (``.json``) or Parquet (``.parquet``: one row per key, side, item)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix == ".parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            rows = [
                (key, side, item)
                for key, sides in self.splits.items()
                for side, items in sides.items()
                for item in items
            ]
            table = pa.table(
                {
                    "key": [r[0] for r in rows],
                    "side": [r[1] for r in rows],
                    "item": [r[2] for r in rows],
                }
            )
            meta = {k: v for k, v in self.to_dict().items() if k != "splits"}
            meta["keys"] = list(self.splits)
            table = table.replace_schema_metadata({"mer_datasets.split": json.dumps(meta)})
            pq.write_table(table, path)
        elif path.suffix == ".json":
            path.write_text(json.dumps(self.to_dict(), indent=2, sort_keys=False) + "\n")
        else:
            raise PersonalizationError(f"{path}: write a split manifest as .json or .parquet")
        return path


def read_manifest(path: str | Path) -> SplitManifest:
    """Read a manifest written by :meth:`SplitManifest.write` (JSON or Parquet)."""
    path = Path(path)
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        table = pq.read_table(path)
        raw = (table.schema.metadata or {}).get(b"mer_datasets.split")
        if raw is None:
            raise PersonalizationError(
                f"{path}: not a split manifest (no mer_datasets.split metadata)"
            )
        document = json.loads(raw)
        splits: dict[str, dict[str, list[str]]] = {
            key: {"train": [], "test": []} for key in document.pop("keys")
        }
        for key, side, item in zip(*(table.column(c).to_pylist() for c in ("key", "side", "item"))):
            splits.setdefault(key, {}).setdefault(side, []).append(item)
        document["splits"] = splits
    else:
        try:
            document = json.loads(path.read_text())
        except json.JSONDecodeError as exc:
            raise PersonalizationError(
                f"{path}: not valid JSON ({exc.msg}, line {exc.lineno})"
            ) from None
    if document.get("manifest_version") != MANIFEST_VERSION:
        raise PersonalizationError(
            f"{path}: manifest_version {document.get('manifest_version')!r}, expected {MANIFEST_VERSION}"
        )
    document.pop("manifest_version")
    return SplitManifest(**document)


def table_sha256(table: pd.DataFrame) -> str:
    """Checksum of a table's content (columns, rows in a canonical order, values as CSV text)."""
    columns = sorted(table.columns)
    canonical = table[columns].astype(str).sort_values(columns, kind="stable")
    return hashlib.sha256(canonical.to_csv(index=False).encode()).hexdigest()


def _rng(seed: int, key: str) -> np.random.Generator:
    return np.random.default_rng([seed, zlib.crc32(key.encode())])


def _n_test(n: int, test_size: float | int) -> int:
    if isinstance(test_size, float) and 0.0 < test_size < 1.0:
        return int(round(n * test_size))
    if isinstance(test_size, int) and test_size >= 0:
        return min(test_size, n)
    raise PersonalizationError(
        f"test_size must be a fraction in (0, 1) or a count, got {test_size!r}"
    )


def _split_items(
    items: list[str], test_size: float | int, rng: np.random.Generator
) -> dict[str, list[str]]:
    order = rng.permutation(len(items))
    shuffled = [items[i] for i in order]
    k = _n_test(len(items), test_size)
    return {"train": sorted(shuffled[k:]), "test": sorted(shuffled[:k])}


def per_user_splits(
    labels: PersonalLabels | pd.DataFrame,
    *,
    seed: int,
    test_size: float | int = 0.25,
    raters: Iterable[str] | None = None,
    dataset: str | None = None,
    version: str | None = None,
) -> SplitManifest:
    """For each rater, that rater's labelled tracks split into train/test by track (seeded)."""
    table = labels.table if isinstance(labels, PersonalLabels) else labels
    chosen = sorted(set(table["rater_id"])) if raters is None else sorted(set(raters))
    unknown = set(chosen) - set(table["rater_id"])
    if unknown:
        raise PersonalizationError(f"rater(s) {sorted(unknown)[:5]} have no labels to split")
    splits = {}
    for rater in chosen:
        tracks = sorted(set(table.loc[table["rater_id"] == rater, "track_id"].astype(str)))
        splits[rater] = _split_items(tracks, test_size, _rng(seed, rater))
    return SplitManifest(
        kind="per_user",
        seed=seed,
        parameters={"test_size": test_size, "group": "track_id"},
        input_sha256=table_sha256(table),
        splits=splits,
        dataset=dataset,
        version=version,
    )


def general_split(
    table: pd.DataFrame,
    *,
    method: Method,
    seed: int,
    test_size: float | int = 0.25,
    id_column: str | None = None,
    group_column: str = "track_id",
    label_column: str = "label",
    dataset: str | None = None,
    version: str | None = None,
) -> SplitManifest:
    """Split the rows of ``table`` (ids from ``id_column``, default the index) one of three ways.

    ``random``: rows shuffled. ``grouped``: the groups (``group_column``) are shuffled and every
    row of a group follows it. ``stratified``: within each label, rows shuffled and the same
    fraction (rounded per label) put in test.
    """
    ids = (table[id_column] if id_column else pd.Series(table.index, index=table.index)).astype(str)
    if ids.duplicated().any():
        raise PersonalizationError("split ids must be unique; choose an id_column that is")
    rng = _rng(seed, method)
    if method == "random":
        sides = _split_items(ids.tolist(), test_size, rng)
    elif method == "grouped":
        if group_column not in table.columns:
            raise PersonalizationError(f"no column {group_column!r} to group by")
        groups = table[group_column].astype(str)
        group_sides = _split_items(sorted(set(groups)), test_size, rng)
        test_groups = set(group_sides["test"])
        in_test = groups.isin(test_groups).to_numpy()
        sides = {"train": sorted(ids[~in_test]), "test": sorted(ids[in_test])}
    elif method == "stratified":
        if label_column not in table.columns:
            raise PersonalizationError(f"no column {label_column!r} to stratify by")
        if not (isinstance(test_size, float) and 0 < test_size < 1):
            raise PersonalizationError("a stratified split needs test_size as a fraction")
        sides = {"train": [], "test": []}
        for _, members in ids.groupby(table[label_column].astype(str).to_numpy(), sort=True):
            part = _split_items(sorted(members), test_size, rng)
            sides["train"] += part["train"]
            sides["test"] += part["test"]
        sides = {k: sorted(v) for k, v in sides.items()}
    else:
        raise PersonalizationError(f"method={method!r}: use random, grouped or stratified")
    return SplitManifest(
        kind=f"general_{method}",
        seed=seed,
        parameters={"test_size": test_size, "group": group_column, "label": label_column},
        input_sha256=table_sha256(table),
        splits={"all": sides},
        dataset=dataset,
        version=version,
    )


def official_split(tracks: pd.DataFrame) -> dict[str, list[str]] | None:
    """The dataset's own split from its tracks table's ``split`` column, or None if it has none."""
    if "split" not in tracks.columns or tracks["split"].isna().all():
        return None
    known = tracks[tracks["split"].notna()]
    return {
        str(side): sorted(group["track_id"].astype(str))
        for side, group in known.groupby(known["split"].astype(str), sort=True)
    }
