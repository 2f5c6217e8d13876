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
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import AgreementError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from .judgments import Coded

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


def protocol_order(present: list[str], protocols: RatingProtocols) -> list[str]:
    """The protocols present: the declared ones in catalog order, then any other, sorted."""
    return [v for v in protocols.values if v in present] + sorted(
        v for v in present if v not in protocols.values
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
    order = protocol_order(list(dict.fromkeys(text.tolist())), protocols)
    for value in order:
        yield value, table[text == value]
    if pool and len(order) > 1:
        yield POOLED, table


def protocol_rows(
    codes: Coded, protocols: RatingProtocols, pool: bool
) -> list[tuple[str, np.ndarray | None]]:
    """:func:`protocol_parts` on codes (the pandas-free CLI path): (protocol, row positions;
    None for all rows, the pooled part)."""
    names = np.array(
        [MISSING if n is None else str(n) for n in codes.names] + [MISSING], dtype=object
    )
    text = names[codes.codes]  # code -1 (missing) picks the last name
    order = protocol_order(list(dict.fromkeys(text.tolist())), protocols)
    parts: list[tuple[str, np.ndarray | None]] = [
        (value, np.flatnonzero(text == value)) for value in order
    ]
    if pool and len(order) > 1:
        parts.append((POOLED, None))
    return parts


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
