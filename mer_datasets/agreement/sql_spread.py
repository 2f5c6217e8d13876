"""Per-item spread out of core under any :class:`~.spread.SpreadConvention` (``--sd-ddof``,
``--quantile-method``), for ``--items`` on the SQL engines (DuckDB, Spark).

Why order statistics and not one SQL quantile per method: the engines have one interpolating
quantile (DuckDB ``quantile_cont``, Spark ``percentile``: numpy's ``linear``), numpy has
thirteen methods. Every one of them is, for an item of n sorted values x, either x[k] or an
interpolation between x[k] and x[k + 1] with a weight g, where (k, g) depend only on n, the
quantile and the method. So (k, g) are found by running the in-memory engine's own function
(spread._quartiles) on the positions 0..n-1 for each item size present; the engine returns, per
item, only the values at positions k and k + 1 (``row_number()`` within the item), and NumPy
interpolates as numpy does. No item's values are brought back whole, and the figures are the
in-memory engine's to 1e-9 for every method. The SD is a sum formula: ``stddev_samp`` (N - 1)
or ``stddev_pop`` (N).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .spread import SpreadConvention

QUARTILES: tuple[tuple[str, float], ...] = (("q25", 0.25), ("median", 0.5), ("q75", 0.75))
COLUMNS = ("track_id", "n", "n_raters", "mean", "std", "q25", "median", "q75", "iqr", "min", "max")
#: probe values per batch of item sizes (bounds the memory of the position probe)
PROBE_BATCH = 1 << 22


def spread_frame(source: Any, p: Any, convention: SpreadConvention | None = None) -> Any:
    """item.spread's table (entropy.rating_spread's columns) of the plan's judgments."""
    import pandas as pd

    convention = convention or SpreadConvention()
    std = "stddev_samp" if convention.sd_ddof == 1 else "stddev_pop"
    linear = convention.quantile_method == "linear"
    quartiles = "".join(f"{source.quantile('v', q)} AS {name}, " for name, q in QUARTILES if linear)
    frame = pd.DataFrame(
        source.run(
            f"WITH {p.ctes} SELECT CAST(i AS {source.text_type}) AS track_id, count(*) AS n, "
            f"count(DISTINCT r) AS n_raters, avg(v) AS mean, {std}(v) AS std, {quartiles}"
            "min(v) AS min, max(v) AS max FROM j GROUP BY i ORDER BY 1"
        )
    )
    for column in ("n", "n_raters"):
        frame[column] = frame[column].astype("int64")
    if not linear:
        ordered = order_quartiles(source, p, frame["n"], convention.quantile_method)
        frame = frame.merge(ordered, on="track_id", how="left")
    frame["iqr"] = pd.to_numeric(frame["q75"]) - pd.to_numeric(frame["q25"])
    frame = frame[list(COLUMNS)]
    for column in COLUMNS[3:]:
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    if convention.sd_ddof == 1:  # pandas' ddof=1 std of one value (SQL says 0)
        frame.loc[frame["n"] < 2, "std"] = np.nan
    return frame


def quantile_positions(sizes: Any, method: str) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """For each item size n: (k, g) of the three quartiles, the in-memory engine's quartiles of
    the positions 0..n-1 (spread._quartiles, so pandas' or numpy's method as in memory)."""
    import pandas as pd

    from .spread import _quartiles

    sizes = sorted({int(n) for n in sizes})
    found: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    while sizes:
        batch, total = [], 0
        while sizes and (not batch or total + sizes[0] <= PROBE_BATCH):
            total += sizes[0]
            batch.append(sizes.pop(0))
        probe = pd.DataFrame(
            {"n": np.repeat(batch, batch), "_x": np.concatenate([np.arange(n) for n in batch])}
        )
        table = _quartiles(probe.assign(_x=probe["_x"].astype(np.float64)), "n", method)
        for n, row in zip(table.index, table[[name for name, _ in QUARTILES]].to_numpy()):
            k = np.floor(row)
            found[int(n)] = (k.astype(np.int64), row - k)
    return found


def order_quartiles(source: Any, p: Any, sizes: Any, method: str) -> Any:
    """q25, median, q75 per item from the values at the positions :func:`quantile_positions`
    names (``row_number()`` within the item), interpolated as numpy interpolates."""
    import pandas as pd

    positions = quantile_positions(sizes, method)
    if not positions:
        return pd.DataFrame(columns=["track_id", *(name for name, _ in QUARTILES)])
    table = ", ".join(
        f"({n}, {', '.join(str(int(v)) for v in k)})" for n, (k, _) in positions.items()
    )
    picks = ", ".join(
        f"max(CASE WHEN o.pos = kt.k{c} THEN o.v END) AS lo{c}, "
        f"max(CASE WHEN o.pos = kt.k{c} + 1 THEN o.v END) AS hi{c}"
        for c in range(len(QUARTILES))
    )
    rows = source.run(
        f"WITH {p.ctes}, o AS (SELECT i, v, row_number() OVER (PARTITION BY i ORDER BY v) - 1 "
        "AS pos, count(*) OVER (PARTITION BY i) AS n FROM j) "
        f"SELECT CAST(o.i AS {source.text_type}) AS track_id, max(o.n) AS n, {picks} FROM o "
        f"JOIN (VALUES {table}) AS kt(n, k0, k1, k2) ON o.n = kt.n "
        "WHERE o.pos IN (kt.k0, kt.k0 + 1, kt.k1, kt.k1 + 1, kt.k2, kt.k2 + 1) GROUP BY o.i"
    )
    n = np.asarray(rows["n"], dtype=np.int64)
    gamma = np.array([positions[int(size)][1] for size in n]).reshape(len(n), len(QUARTILES))
    result = {"track_id": rows["track_id"]}
    for c, (name, _) in enumerate(QUARTILES):
        low = np.asarray(pd.to_numeric(pd.Series(rows[f"lo{c}"])), dtype=np.float64)
        high = np.asarray(pd.to_numeric(pd.Series(rows[f"hi{c}"])), dtype=np.float64)
        result[name] = lerp(low, high, gamma[:, c])
    return pd.DataFrame(result)


def lerp(low: np.ndarray, high: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """numpy's quantile interpolation (numpy.lib._function_base_impl._lerp): from the upper end
    for weights of one half and more; the lower value itself where the weight is 0."""
    with np.errstate(invalid="ignore"):
        diff = high - low
        value = np.where(weight >= 0.5, high - diff * (1.0 - weight), low + diff * weight)
    return np.where(weight == 0.0, low, value)
