"""The coverage figures that interval caveats quote are the coverage study's, recomputed here from
its recorded table (benchmarks/results/coverage.md), not numbers that can drift from it."""

from __future__ import annotations

from pathlib import Path

from mer_datasets.agreement.bootstrap import interval_caveats

TABLE = Path(__file__).resolve().parents[2] / "benchmarks" / "results" / "coverage.md"


def _coverage_rows() -> list[dict[str, str]]:
    rows = [line for line in TABLE.read_text(encoding="utf-8").splitlines() if line.startswith("|")]
    start = next(i for i, line in enumerate(rows) if line.startswith("| design |"))
    header = [
        cell.strip().replace("-<br>", "-").replace("<br>", " ")
        for cell in rows[start].strip("|").split("|")
    ]
    out = []
    for line in rows[start + 2 :]:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if len(cells) != len(header):
            break
        out.append(dict(zip(header, cells, strict=True)))
    return out


def _span(values: list[float]) -> str:
    return f"{min(values):.2f}-{max(values):.2f}"


def _coverage(row: dict[str, str], method: str) -> float:
    return float(row[method].split()[0])


def test_the_caveats_quote_the_recorded_coverage_study():
    rows = _coverage_rows()
    assert len(rows) == 36
    krippendorff = _span([_coverage(r, "krippendorff") for r in rows])
    crossed_biased = [
        r
        for r in rows
        if r["design"].startswith("c") and r["rater biases"] == "yes" and int(r["items"]) >= 50
    ]
    items = _span([_coverage(r, "items-percentile") for r in crossed_biased])
    (kripp_note,) = interval_caveats("krippendorff", 100)
    (items_note,) = interval_caveats("items", 100)
    assert f"({krippendorff} of nominal 95%" in kripp_note
    assert f"({items} of nominal 95%" in items_note
