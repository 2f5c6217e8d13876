"""Statistics per group of raters or judgments, and tests of differences between groups.

Grouping is by any column of the annotations or the joined raters table (``by``); rows with a
missing group value form no group. For Krippendorff's alpha per group the expected disagreement
D_e comes either from the group's own pairable values (``expected="group"``, the usual practice,
e.g. Gómez-Cañón et al., ISMIR 2020) or from all the data being analysed (``expected="all"``,
which keeps D_e comparable across groups); outputs say which in ``expected_from``.

Group differences in the ratings themselves: Kruskal-Wallis H across all groups and pairwise
Mann-Whitney U (two-sided) with Holm's step-down correction of the p-values (Holm 1979), via
scipy (imported only when asked).

Why a bound on the number of groups: the pairwise tests grow as groups² (200 groups are 19,900
tests, 17 s; 800 groups did not finish in 90 s), and hundreds of groups usually mean grouping by
a continuous column by mistake (``--by valence``). More than :data:`MAX_PAIRWISE_GROUPS` groups
are refused before any test runs, with a message saying how to narrow them.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import combinations
from typing import TYPE_CHECKING

import numpy as np

from ..errors import AgreementError, TooManyGroupsError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

EXPECTED_CHOICES: tuple[str, ...] = ("group", "all")
MAX_PAIRWISE_GROUPS = 100  # 4,950 pairwise tests


def iter_groups(table: pd.DataFrame, by: str) -> Iterator[tuple[object, pd.DataFrame]]:
    """(group value, rows) for each non-missing value of ``by``, in sorted order of the values."""
    if by not in table.columns:
        raise AgreementError(
            f"cannot group by {by!r}: not a column of the annotations or raters ({', '.join(map(str, table.columns))})"
        )
    yield from table.groupby(by, observed=True, sort=True, dropna=True)


def holm_adjust(p_values: np.ndarray) -> np.ndarray:
    """Holm (1979) step-down adjusted p-values (monotone, capped at 1)."""
    p = np.asarray(p_values, dtype=float)
    order = np.argsort(p)
    m = p.size
    adjusted = np.maximum.accumulate((m - np.arange(m)) * p[order])
    result = np.empty(m)
    result[order] = np.minimum(adjusted, 1.0)
    return result


def group_differences(
    table: pd.DataFrame, *, by: str, value: str = "value", max_groups: int = MAX_PAIRWISE_GROUPS
) -> pd.DataFrame:
    """Kruskal-Wallis across groups plus pairwise Mann-Whitney U with Holm-adjusted p-values.

    Rows: ``test`` (kruskal_wallis | mann_whitney_u), ``groups`` ("all" or "A vs B"), ``statistic``,
    ``p_value`` (Holm-adjusted for the pairwise tests), ``n`` (judgments involved).
    """
    import pandas as pd

    samples = {
        key: pd.to_numeric(rows[value], errors="coerce").dropna().to_numpy()
        for key, rows in iter_groups(table, by)
    }
    return pd.DataFrame(
        group_differences_of(samples, max_groups=max_groups, by=by),
        columns=["test", "groups", "statistic", "p_value", "n"],
    )


def group_differences_of(
    samples: dict[object, np.ndarray], *, max_groups: int = MAX_PAIRWISE_GROUPS, by: str = ""
) -> list[tuple]:
    """:func:`group_differences` of the numeric values of each group (in the order given): tuples
    (test, groups, statistic, p_value, n). :class:`TooManyGroupsError` for more than
    ``max_groups`` non-empty groups, before any test is computed."""
    samples = {key: values for key, values in samples.items() if values.size}
    if len(samples) > max_groups:
        raise TooManyGroupsError(_too_many_groups(len(samples), max_groups, by))
    from scipy.stats import kruskal, mannwhitneyu

    records: list[tuple] = []
    if len(samples) >= 2:
        try:
            statistic, p_value = kruskal(*samples.values())
        except ValueError:  # all values identical
            statistic, p_value = np.nan, np.nan
        records.append(
            (
                "kruskal_wallis",
                "all",
                float(statistic),
                float(p_value),
                sum(v.size for v in samples.values()),
            )
        )
        pairwise = []
        for (a, x), (b, y) in combinations(samples.items(), 2):
            statistic, p_value = mannwhitneyu(x, y, alternative="two-sided")
            pairwise.append((f"{a} vs {b}", float(statistic), float(p_value), x.size + y.size))
        adjusted = holm_adjust(np.array([row[2] for row in pairwise])) if pairwise else []
        for (label, statistic, _, n), p_value in zip(pairwise, adjusted):
            records.append(("mann_whitney_u", label, statistic, float(p_value), n))
    return records


def _too_many_groups(count: int, limit: int, by: str) -> str:
    pairs = count * (count - 1) // 2
    column = f" by {by!r}" if by else ""
    return (
        f"group tests{column}: {count} groups would need {pairs:,} pairwise Mann-Whitney tests; "
        f"at most {limit} groups are tested. Narrow the groups first, e.g. with --where "
        f"(`--where \"{by or 'column'} in ['a', 'b', 'c']\"`), or group by a column with fewer "
        "values (a continuous rating is no grouping column); or leave out group_tests."
    )
