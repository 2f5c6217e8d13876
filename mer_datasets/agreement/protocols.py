"""Rating protocols: datasets whose judgments were collected in more than one way.

Why: DEAP mixes an online self-assessment (integer SAM answers, 14-16 anonymous raters per video,
120 videos) with a lab experiment (continuous answers, 32 participants, 40 videos). Pooled, the
two give one valence alpha (0.331) that describes neither protocol (0.478 lab, 0.224 online).
The catalog declares such datasets (``protocols:`` with the judgments column that tells them
apart); the agreement report then gives one set of records per protocol and the pooled figure
only on request (``pool_protocols=True``, ``--pool-protocols``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import AgreementError

#: The ``protocol`` of records computed over all protocols together.
POOLED = "pooled"
#: The ``protocol`` of judgments whose protocol column is empty.
MISSING = "(missing)"


@dataclass(frozen=True)
class RatingProtocols:
    """The judgments column telling the protocols apart and the declared values (catalog order)."""

    column: str
    values: tuple[str, ...]
    note: str = ""

    @classmethod
    def from_catalog(cls, entry: Mapping[str, Any] | None) -> RatingProtocols | None:
        """The catalog's ``protocols:`` block (schemas/catalog.schema.json), or None."""
        if not entry:
            return None
        return cls(
            column=str(entry["column"]),
            values=tuple(str(v["value"]) for v in entry["values"]),
            note=" ".join(str(entry.get("note", "")).split()),
        )


def protocol_parts(
    table: pd.DataFrame, protocols: RatingProtocols | None, pool: bool
) -> Iterator[tuple[str | None, pd.DataFrame]]:
    """(protocol, its judgments) for each protocol present, declared order first, then the pooled
    table when ``pool`` (or the whole table with protocol None when there are no protocols)."""
    if protocols is None:
        yield None, table
        return
    if protocols.column not in table.columns:
        raise AgreementError(
            f"the catalog declares rating protocols in column {protocols.column!r}, which the "
            f"judgments do not have (columns: {', '.join(map(str, table.columns))})"
        )
    column = table[protocols.column]
    text = np.where(column.isna().to_numpy(), MISSING, column.astype(str).to_numpy())
    present = list(pd.unique(text))
    order = [v for v in protocols.values if v in present]
    order += sorted(v for v in present if v not in protocols.values)
    for value in order:
        yield value, table[text == value]
    if pool and len(order) > 1:
        yield POOLED, table


def protocols_note(protocols: RatingProtocols, present: list[str], pooled: bool) -> str:
    """The line under the report saying how the protocols were treated."""
    shown = ", ".join(present)
    if pooled:
        return (
            f"rating protocols ({protocols.column}: {shown}): reported separately and pooled "
            f"(protocol '{POOLED}'), on request; the pooled figure mixes protocols"
        )
    return (
        f"rating protocols ({protocols.column}: {shown}): reported separately, not pooled (the "
        "catalog declares them; --pool-protocols / pool_protocols=True adds the pooled figure)"
    )
