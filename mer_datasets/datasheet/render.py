"""Render a datasheet dict as Markdown or standalone HTML.

Why one block list and two writers: the page is first described as a list of blocks (headings,
paragraphs, tables, figures, lists, code), then written out; Markdown and HTML can never say
different things. Inline text may hold `code` spans and [links](url), nothing else.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .build import GENERATED_SECTIONS, question_titles
from .build import MISSING as MISSING_VALUE
from .figures import Figure

SECTION_TITLES = {
    "counts": "Counts",
    "rater_attributes": "Raters' attributes",
    "judgments_per_rater": "Judgments per rater and raters per track",
    "rating_distributions": "Rating distributions",
    "label_distributions": "Label distributions",
    "agreement": "Agreement",
    "consensus_entropy": "Most and least agreed items",
    "intra_rater": "Intra-rater consistency",
    "ground_truth_vs_raters": "Published ground truth and per-rater judgments",
    "quirks": "Loader quirks report",
}


#: Anchor ids of the computed sections (the summary's numbers link to them).
ANCHORS = {key: key.replace("_", "-") for key in SECTION_TITLES} | {"av_scatter": "av-scatter"}


@dataclass
class Block:
    kind: str  # heading | paragraph | table | figure | list | code | note | anchor
    text: str = ""
    level: int = 2
    headers: Sequence[str] = ()
    rows: Sequence[Sequence[Any]] = ()
    items: Sequence[str] = ()
    figure: Figure | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e9:
            return f"{value:.0f}"
        return f"{value:.3f}" if abs(value) < 1000 else f"{value:.1f}"
    if isinstance(value, (list, tuple)):
        return ", ".join(_fmt(v) for v in value)
    return str(value)


def _share(value: float) -> str:
    return f"{100 * value:.1f}%"


# -- blocks ----------------------------------------------------------------------------------


def _catalog_blocks(sheet: dict[str, Any]) -> list[Block]:
    cat = sheet["catalog"]
    facts = [
        ["Dataset id", f"`{sheet['id']}`"],
        ["Version", sheet["version"]],
        ["Year", cat["year"]],
        ["Homepage", f"[{cat['homepage']}]({cat['homepage']})" if cat["homepage"] else None],
        ["License", cat["license"]],
        ["Access", cat["access"]],
        ["Emotion model", f"{cat['taxonomy']}, {cat['perspective']}, {cat['temporal']}"],
        ["Per-rater judgments", cat["per_rater"]],
        ["Synthetic", cat["synthetic"]],
    ]
    blocks = [
        Block("anchor", "dataset-facts"),
        Block("heading", "Dataset facts", level=2),
        Block("paragraph", " ".join(str(cat["description"]).split())),
    ]
    if cat["synthetic"]:
        blocks.append(
            Block("note", "This dataset is synthetic: generated data, no real listeners.")
        )
    blocks.append(Block("table", headers=["Fact", "Value"], rows=facts))
    if cat.get("license_note"):
        blocks.append(Block("paragraph", "License note: " + " ".join(cat["license_note"].split())))
    dims = [
        [
            d["name"],
            d["scale"],
            d["level"],
            f"{_fmt(d['min'])} to {_fmt(d['max'])}" if d["min"] is not None else "–",
            ", ".join(d["categories"][:12]) + (" …" if len(d["categories"]) > 12 else "")
            if d["categories"]
            else "–",
            ", ".join(d["in"]),
        ]
        for d in cat["dimensions"]
    ]
    blocks += [
        Block("anchor", "dimensions"),
        Block("heading", "Dimensions", level=3),
        Block(
            "table", headers=["Dimension", "Scale", "Level", "Range", "Categories", "In"], rows=dims
        ),
    ]
    return blocks


def _unavailable_blocks(sheet: dict[str, Any]) -> list[Block]:
    data = sheet["data"]
    needed = ", ".join(SECTION_TITLES.get(s, s).lower() for s in data["sections_needing_data"])
    return [
        Block("anchor", "data-unavailable"),
        Block(
            "note",
            f"The data of `{sheet['id']}` is not available to this build, so the sections computed "
            f"from it ({needed}) are not shown. No numbers below are computed from the data. "
            f"Reason: {data['reason']}",
        ),
        Block("paragraph", f"How to get the data: {data['how_to_get']}"),
    ]


def _figure_for(figures: Sequence[Figure], section: str) -> list[Block]:
    return [Block("figure", figure=f) for f in figures if f.section == section]


def _counts_blocks(gen: dict[str, Any]) -> list[Block]:
    c = gen["counts"]
    blocks = [
        Block("heading", "Computed: " + SECTION_TITLES["counts"].lower(), level=4),
        Block(
            "table",
            headers=[
                "Tracks",
                "Raters",
                "Raters with judgments",
                "Judgments",
                "Published label rows",
            ],
            rows=[
                [c["tracks"], c["raters"], c["raters_with_judgments"], c["judgments"], c["labels"]]
            ],
        ),
    ]
    if c["dimensions"]:
        rows = [
            [
                dim,
                d["judgments"],
                d["tracks"],
                d["raters"],
                f"{d['raters_per_track_min']} / {_fmt(d['raters_per_track_median'])} / {d['raters_per_track_max']}",
            ]
            for dim, d in c["dimensions"].items()
        ]
        blocks.append(
            Block(
                "table",
                headers=[
                    "Dimension",
                    "Judgments",
                    "Tracks",
                    "Raters",
                    "Raters per track (min / median / max)",
                ],
                rows=rows,
            )
        )
    if c["label_rows_per_dimension"]:
        rows = [[dim, n] for dim, n in c["label_rows_per_dimension"].items()]
        blocks.append(Block("table", headers=["Published labels: dimension", "Rows"], rows=rows))
    return blocks


def _attribute_overview(attr: dict[str, Any]) -> str:
    if attr["kind"] == "datetime":
        return f"{attr['earliest']} to {attr['latest']}"
    if attr["kind"] == "free_text":
        return "free text, mostly one value per rater: values not listed"
    if attr["kind"] == "numeric":
        s = attr["summary"] or {}
        return f"median {_fmt(s.get('median'))}, {_fmt(s.get('min'))} to {_fmt(s.get('max'))}"
    shown = [c for c in attr["counts"] if c["value"] != MISSING_VALUE][:4]
    more = " …" if len(attr["counts"]) > len(shown) else ""
    return ", ".join(f"{c['value']} ({c['count']})" for c in shown) + more


def _rater_blocks(gen: dict[str, Any]) -> list[Block]:
    """One row per rater attribute; every value count is in the appendix."""
    attributes = gen["rater_attributes"]
    blocks = [Block("heading", "Computed: " + SECTION_TITLES["rater_attributes"].lower(), level=4)]
    if not attributes:
        return blocks + [Block("paragraph", "The release holds no attributes of its raters.")]
    rows = [
        [f"`{a['column']}`", a["distinct"], a["missing"], _attribute_overview(a)]
        for a in attributes
    ]
    blocks.append(
        Block(
            "table",
            headers=["Attribute", "Distinct values", "Missing", "Most frequent (raters)"],
            rows=rows,
        )
    )
    if _appendix_rater_blocks(gen):
        blocks.append(
            Block("paragraph", "Every value with its count: [appendix](#appendix-raters).")
        )
    return blocks


def _appendix_rater_blocks(gen: dict[str, Any]) -> list[Block]:
    blocks: list[Block] = []
    for attr in gen["rater_attributes"]:
        if attr["kind"] != "categorical":
            continue
        rows = [[c["value"], c["count"], _share(c["share"])] for c in attr["counts"]]
        blocks.append(Block("table", headers=[f"`{attr['column']}`", "Raters", "Share"], rows=rows))
    return blocks


def _summary_row(name: str, s: dict[str, Any] | None) -> list[Any]:
    s = s or {}
    return [name] + [s.get(k) for k in ("count", "min", "q25", "median", "mean", "q75", "max")]


def _judgment_blocks(gen: dict[str, Any]) -> list[Block]:
    jd = gen["judgments_distribution"]
    if not jd["judgments_per_rater"]:
        return []
    return [
        Block("heading", "Computed: " + SECTION_TITLES["judgments_per_rater"].lower(), level=4),
        Block(
            "table",
            headers=["Distribution", "N", "Min", "Q25", "Median", "Mean", "Q75", "Max"],
            rows=[
                _summary_row("judgments per rater", jd["judgments_per_rater"]),
                _summary_row("raters per track", jd["raters_per_track"]),
            ],
        ),
    ]


def _distribution_blocks(gen: dict[str, Any], figures: Sequence[Figure]) -> list[Block]:
    """One summary row per dimension and the figure; value counts are in the appendix."""
    ratings = gen["rating_distributions"]
    if not ratings:
        return []
    rows = [_summary_row(dim, dist["summary"]) for dim, dist in ratings.items()]
    return [
        Block("heading", "Computed: " + SECTION_TITLES["rating_distributions"].lower(), level=4),
        Block(
            "table",
            headers=["Dimension", "Judgments", "Min", "Q25", "Median", "Mean", "Q75", "Max"],
            rows=rows,
        ),
        *_figure_for(figures, "rating_distributions"),
        Block("paragraph", "Counts of every value: [appendix](#appendix-distributions)."),
    ]


def _label_blocks(gen: dict[str, Any]) -> list[Block]:
    """Most frequent labels per categorical dimension; every count is in the appendix."""
    labels = gen["label_distributions"]
    if not (labels["judgments"] or labels["published"]):
        return []
    rows = []
    for dim, counts in labels["judgments"].items():
        top = ", ".join(f"{c['value']} ({_share(c['share'])})" for c in counts[:3])
        rows.append([dim, "judgments", len(counts), top])
    for entry in labels["published"]:
        if "counts" in entry:
            top = ", ".join(f"{c['value']} ({_share(c['share'])})" for c in entry["counts"][:3])
            rows.append(
                [entry["dimension"], f"published {entry['statistic']}", len(entry["counts"]), top]
            )
        else:
            s = entry.get("summary") or {}
            rows.append(
                [
                    entry["dimension"],
                    f"published {entry['statistic']}",
                    s.get("count"),
                    f"mean {_fmt(s.get('mean'))}, {_fmt(s.get('min'))} to {_fmt(s.get('max'))}",
                ]
            )
    return [
        Block("heading", "Computed: " + SECTION_TITLES["label_distributions"].lower(), level=4),
        Block("table", headers=["Dimension", "Of", "Values / rows", "Most frequent"], rows=rows),
        Block("paragraph", "Every count: [appendix](#appendix-distributions)."),
    ]


def _appendix_distribution_blocks(gen: dict[str, Any]) -> list[Block]:
    blocks: list[Block] = []
    for dim, dist in gen["rating_distributions"].items():
        if dist["kind"] == "discrete":
            rows = [[_fmt(c["value"]), c["count"], _share(c["share"])] for c in dist["counts"]]
            blocks.append(
                Block("table", headers=[f"{dim}: value", "Judgments", "Share"], rows=rows)
            )
    labels = gen["label_distributions"]
    for dim, counts in labels["judgments"].items():
        rows = [[c["value"], c["count"], _share(c["share"])] for c in counts]
        blocks.append(Block("table", headers=[f"{dim} (judgments)", "Count", "Share"], rows=rows))
    for entry in labels["published"]:
        title = f"{entry['dimension']} / {entry['statistic']} (published)"
        if "counts" in entry:
            rows = [[_fmt(c["value"]), c["count"], _share(c["share"])] for c in entry["counts"]]
            blocks.append(Block("table", headers=[title, "Count", "Share"], rows=rows))
        else:
            blocks.append(
                Block(
                    "table",
                    headers=[title, "N", "Min", "Q25", "Median", "Mean", "Q75", "Max"],
                    rows=[_summary_row("values", entry.get("summary"))],
                )
            )
    return blocks


AGREEMENT_COLUMNS = (
    "dimension",
    "group",
    "metric",
    "level",
    "value",
    "ci_low",
    "ci_high",
    "n_items",
    "n_raters",
    "n_judgments",
)


def _agreement_blocks(
    gen: dict[str, Any], figures: Sequence[Figure], companions: Sequence[Any]
) -> list[Block]:
    """Overall agreement per dimension with its reading, the heatmap; groups in the appendix."""
    from .summary import convention, fmt_interval, reading

    agreement = gen.get("agreement")
    blocks = [Block("heading", "Computed: " + SECTION_TITLES["agreement"].lower(), level=4)]
    if not agreement:
        return blocks + [
            Block("paragraph", "Agreement needs judgments of at least two raters; there are none.")
        ]
    method = next((r.get("ci_method") for r in agreement["overall"] if r.get("ci_method")), None)
    blocks.append(
        Block(
            "paragraph",
            f"Computed with `ds.agreement(bootstrap={agreement['bootstrap']}, seed={agreement['seed']})`"
            + (f"; intervals: {method}." if method else "."),
        )
    )
    rows = [
        [
            r.get("dimension"),
            r.get("metric"),
            r.get("level"),
            fmt_interval(r),
            reading(str(r.get("metric")), r.get("value")),
            r.get("n_items"),
            r.get("n_raters"),
        ]
        for r in agreement["overall"]
        if r.get("group") in (None, "", "all")
    ]
    blocks.append(
        Block(
            "table",
            headers=[
                "Dimension",
                "Metric",
                "Level",
                "Value (95% interval)",
                "Reading",
                "Items",
                "Raters",
            ],
            rows=rows,
        )
    )
    cited = sorted({c[0] for r in agreement["overall"] if (c := convention(str(r.get("metric"))))})
    if cited:
        blocks.append(Block("paragraph", "Readings: " + "; ".join(cited) + "."))
    blocks += _figure_for(figures, "agreement")
    if agreement["by_group"]:
        csv = next((c for c in companions if c.section == "agreement"), None)
        where = f"[`{csv.file}`]({csv.file})" if csv else "the appendix"
        blocks.append(
            Block(
                "paragraph",
                "Every group × dimension × metric with its interval: "
                f"[appendix](#appendix-agreement) and {where}.",
            )
        )
    return blocks


def _appendix_agreement_blocks(gen: dict[str, Any]) -> list[Block]:
    agreement = gen.get("agreement")
    if not agreement:
        return []
    blocks: list[Block] = []
    rows = [[r.get(c) for c in AGREEMENT_COLUMNS] for r in agreement["overall"]]
    blocks.append(Block("table", headers=list(AGREEMENT_COLUMNS), rows=rows))
    for group in agreement["by_group"]:
        kept = ", ".join(group["levels"])
        note = " (most frequent levels only)" if group["reduced_to_top_levels"] else ""
        blocks.append(Block("heading", f"By `{group['column']}`", level=4))
        blocks.append(Block("paragraph", f"Groups{note}: {kept}."))
        rows = [[r.get(c) for c in AGREEMENT_COLUMNS] for r in group["records"]]
        blocks.append(Block("table", headers=list(AGREEMENT_COLUMNS), rows=rows))
    return blocks


ITEM_COLUMNS = 6


def _items_blocks(gen: dict[str, Any], figures: Sequence[Figure]) -> list[Block]:
    items = gen.get("items")
    if not items or not items["per_dimension"]:
        return []
    rows = []
    for dim, entry in items["per_dimension"].items():
        contested = ", ".join(str(r.get("track_id")) for r in entry["most_contested"][:3])
        agreed = ", ".join(str(r.get("track_id")) for r in entry["most_agreed"][:3])
        rows.append([dim, entry["items"], contested or "–", agreed or "–"])
    return [
        Block("heading", "Computed: " + SECTION_TITLES["consensus_entropy"].lower(), level=4),
        Block("table", headers=["Dimension", "Items", "Most contested", "Most agreed"], rows=rows),
        *_figure_for(figures, "items"),
        *_figure_for(figures, "consensus_entropy"),
        *_figure_for(figures, "time_series"),
        Block("paragraph", "Every listed item with its numbers: [appendix](#appendix-items)."),
    ]


def _appendix_items_blocks(gen: dict[str, Any]) -> list[Block]:
    items = gen.get("items")
    if not items or not items["per_dimension"]:
        return []
    blocks: list[Block] = []
    for dim, entry in items["per_dimension"].items():
        for key, title in (("most_contested", "most contested"), ("most_agreed", "most agreed")):
            records = entry[key]
            if not records:
                continue
            headers = [c for c in records[0] if c != "dimension"]
            rows = [[r.get(c) for c in headers] for r in records]
            blocks.append(Block("heading", f"{dim}: {title} of {entry['items']} items", level=4))
            blocks.append(Block("table", headers=headers, rows=rows))
    return blocks


def _appendix_blocks(sheet: dict[str, Any], companions: Sequence[Any]) -> list[Block]:
    """The long tables, out of the main flow; each also downloadable as CSV where written."""
    gen = sheet.get("generated")
    if not gen:
        return []
    blocks: list[Block] = [Block("heading", "Appendix: full tables", level=2)]
    if companions:
        blocks.append(
            Block(
                "list",
                items=[f"[`{c.file}`]({c.file}): {c.title}" for c in companions],
            )
        )
    for anchor, title, part in (
        (
            "appendix-agreement",
            "Agreement: every group, dimension and metric",
            _appendix_agreement_blocks(gen),
        ),
        ("appendix-items", "Most and least agreed items", _appendix_items_blocks(gen)),
        (
            "appendix-distributions",
            "Rating and label distributions",
            _appendix_distribution_blocks(gen),
        ),
        ("appendix-raters", "Raters' attributes", _appendix_rater_blocks(gen)),
    ):
        if part:
            blocks += [Block("anchor", anchor), Block("heading", title, level=3), *part]
    return blocks


def _intra_blocks(gen: dict[str, Any]) -> list[Block]:
    intra = gen["intra_rater"]
    blocks = [Block("heading", "Computed: " + SECTION_TITLES["intra_rater"].lower(), level=4)]
    if not intra:
        return blocks + [
            Block("paragraph", "No rater judged the same track twice on the same dimension.")
        ]
    rows = [
        [
            dim,
            e["repeated_pairs"],
            e["raters"],
            e["judgments"],
            e["measure"],
            e.get("mean_absolute_difference"),
            _share(e["identical_share"]),
        ]
        for dim, e in intra.items()
    ]
    headers = [
        "Dimension",
        "Repeated (rater, track)",
        "Raters",
        "Judgments",
        "Measure",
        "Mean abs. difference",
        "Identical",
    ]
    return blocks + [Block("table", headers=headers, rows=rows)]


def _ground_truth_blocks(gen: dict[str, Any]) -> list[Block]:
    comparisons = gen["ground_truth_vs_raters"]
    if not comparisons:
        return []
    rows = [
        [
            c["dimension"],
            c["comparison"],
            c["tracks"],
            c.get("pearson_r"),
            c.get("mean_absolute_error"),
            _share(c["agreement_share"]) if "agreement_share" in c else None,
            c.get("tied_majority_tracks"),
        ]
        for c in comparisons
    ]
    headers = [
        "Dimension",
        "Comparison",
        "Tracks",
        "Pearson r",
        "MAE",
        "Same label",
        "Tied majority",
    ]
    return [
        Block("heading", "Computed: " + SECTION_TITLES["ground_truth_vs_raters"].lower(), level=4),
        Block("paragraph", "Values on the source scales; the published labels as published."),
        Block("table", headers=headers, rows=rows),
    ]


def _quirks_blocks(gen: dict[str, Any]) -> list[Block]:
    q = gen["quirks"]
    blocks = [
        Block("heading", "Computed: " + SECTION_TITLES["quirks"].lower(), level=4),
        Block(
            "paragraph",
            f"Every source row is in the tables or counted here; {q['excluded_rows']} source rows "
            "were excluded in total.",
        ),
    ]
    if q["source_rows"]:
        blocks.append(
            Block(
                "table",
                headers=["Source file", "Rows read"],
                rows=[[f"`{f}`", n] for f, n in q["source_rows"].items()],
            )
        )
    if q["records"]:
        rows = [
            [
                r["effect"],
                r["count"],
                r["kind"],
                f"`{r['file']}`" if r.get("file") else "–",
                r["reason"],
            ]
            for r in q["records"]
        ]
        blocks.append(
            Block("table", headers=["Effect", "Count", "Kind", "File", "Reason"], rows=rows)
        )
    else:
        blocks.append(Block("paragraph", "The loader met no quirks."))
    return blocks


def _link(text: Any, anchor: str) -> str:
    return f"[{text}](#{anchor})"


_FIRST_SENTENCE = re.compile(r"(?<!e\.g)(?<!i\.e)(?<!\bcf)\.\s+(?=[A-Z])")


def _numeric_text(value: Any) -> bool:
    try:
        float(str(value))
    except ValueError:
        return str(value).startswith(("other (", "(missing)"))
    return True


def _annotator_phrase(sheet: dict[str, Any]) -> str:
    """Who judged: counts from the data, the largest attribute groups, curated background."""
    gen = sheet.get("generated") or {}
    curated = (sheet.get("curated") or {}).get("annotators") or {}
    parts: list[str] = []
    counts = gen.get("counts")
    if counts:
        parts.append(
            f"{_link(counts['raters_with_judgments'], ANCHORS['counts'])} raters gave "
            f"{_link(counts['judgments'], ANCHORS['counts'])} judgments on "
            f"{_link(counts['tracks'], ANCHORS['counts'])} tracks."
        )
    shown = 0
    for attr in gen.get("rater_attributes") or []:
        if attr.get("kind") != "categorical" or not attr.get("counts") or shown >= 2:
            continue
        if all(_numeric_text(c["value"]) for c in attr["counts"]):
            continue  # encoded codes (0.0 / 1.0) say nothing without their legend
        shown += 1
        top = ", ".join(
            f"{c['value']} {c['count']}" for c in attr["counts"][:4] if c["value"] != "(missing)"
        )
        parts.append(f"By `{attr['column']}`: {_link(top, ANCHORS['rater_attributes'])}.")
    for key in ("annotator_type", "expertise"):
        answer = curated.get(key)
        if isinstance(answer, dict) and answer.get("answer"):
            text = " ".join(str(answer["answer"]).split())
            first = _FIRST_SENTENCE.split(text, maxsplit=1)[0].rstrip(".")
            if len(first) > CURATED_CHARS:  # the whole answer is under Annotators
                first = first[:CURATED_CHARS].rsplit(" ", 1)[0] + " …"
            parts.append(f"{first} ({key.replace('_', ' ')}, [curated](#annotators)).")
    return " ".join(parts) or "The release says nothing about who judged."


#: Longest description sentence in the summary.
DESCRIPTION_CHARS = 200
#: Longest curated sentence quoted in the summary (the full answer is in its section).
CURATED_CHARS = 110
#: Dimensions in the summary table before it folds into two dimensions a row.
SUMMARY_ROWS = 6
_METRIC_NAMES = {"krippendorff_alpha": "α", "fleiss_kappa": "Fleiss' κ"}


def summary_blocks(sheet: dict[str, Any], figures: Sequence[Figure] = ()) -> list[Block]:
    """One screen: what the data is, who judged, agreement with readings, what it means."""
    from .summary import (
        convention,
        fmt_interval,
        ground_truth_advice,
        group_differences,
        main_metric_records,
        reading,
    )

    cat = sheet["catalog"]
    description = _FIRST_SENTENCE.split(" ".join(str(cat["description"]).split()), maxsplit=1)[0]
    if len(description) > DESCRIPTION_CHARS:  # the whole description is under Dataset facts
        description = (
            description[:DESCRIPTION_CHARS].rsplit(" ", 1)[0] + " … ([more](#dataset-facts))"
        )
    what = (
        f"{description.rstrip('.')}. Emotion model: {cat['taxonomy']}, {cat['perspective']}, "
        f"{cat['temporal']}; {len(cat['dimensions'])} dimensions "
        f"([list](#dimensions)). Version {sheet['version']}, {cat['license']}."
    )
    blocks = [
        Block("anchor", "summary"),
        Block("heading", "Summary", level=2),
        Block("paragraph", f"**What.** {what}"),
        Block("paragraph", f"**Who judged.** {_annotator_phrase(sheet)}"),
    ]
    gen = sheet.get("generated")
    if not gen:
        blocks.append(
            Block(
                "paragraph",
                "**Agreement.** Not computed: the data is not available to this build "
                "([how to get it](#data-unavailable)).",
            )
        )
        return blocks
    agreement = gen.get("agreement")
    if not agreement:
        blocks.append(
            Block(
                "paragraph",
                "**Agreement.** Not computable: fewer than two raters judged "
                f"([agreement](#{ANCHORS['agreement']})).",
            )
        )
        return blocks
    records = main_metric_records(agreement["overall"])
    readings = [reading(str(r["metric"]), r.get("value")) for r in records]
    same_reading = len(records) > 1 and len(set(readings)) == 1
    cells = [
        [r["dimension"], _link(fmt_interval(r), ANCHORS["agreement"])]
        + ([] if same_reading else [word])
        for r, word in zip(records, readings)
    ]
    headers = ["Dimension", "Agreement (95% interval)"] + ([] if same_reading else ["Reading"])
    if len(cells) > SUMMARY_ROWS:  # two dimensions a row: the summary stays on one screen
        half = math.ceil(len(cells) / 2)
        cells = [
            cells[i] + (cells[i + half] if i + half < len(cells) else [""] * len(headers))
            for i in range(half)
        ]
        headers = headers * 2
    blocks.append(Block("table", headers=headers, rows=cells))
    metrics = sorted({_METRIC_NAMES.get(str(r["metric"]), str(r["metric"])) for r in records})
    n_items = sorted({r.get("n_items") for r in records if r.get("n_items") is not None})
    span = (
        (f"{n_items[0]}" if len(n_items) == 1 else f"{n_items[0]} to {n_items[-1]}")
        if n_items
        else "–"
    )
    cited = sorted({c[0] for r in records if (c := convention(str(r["metric"])))})
    readings_note = f" Readings after {'; '.join(cited)}." if cited else ""
    if same_reading and cited:
        readings_note = f" Every dimension reads **{readings[0]}** after {'; '.join(cited)}."
    blocks.append(
        Block(
            "paragraph",
            f"{', '.join(metrics)} per dimension over {span} items, all raters.{readings_note}",
        )
    )
    differences = group_differences(agreement, top=2)
    if differences:
        lines = []
        for d in differences:
            overlap = {
                True: "intervals overlap",
                False: "intervals do not overlap",
                None: "no intervals",
            }[d["intervals_overlap"]]
            lines.append(
                f"{d['dimension']} by `{d['column']}`: "
                f"{d['low']['group']} {_link(fmt_interval(d['low']), 'appendix-agreement')} vs "
                f"{d['high']['group']} {_link(fmt_interval(d['high']), 'appendix-agreement')} "
                f"({overlap})"
            )
        blocks.append(Block("paragraph", "**Groups that differ most** (Krippendorff's α):"))
        blocks.append(Block("list", items=lines))
    blocks.append(Block("paragraph", "**As ground truth.** " + ground_truth_advice(records)))
    return blocks


#: Computed sections placed at the Gebru question they answer: (section key, question key).
PLACEMENT: dict[tuple[str, str], tuple[str, ...]] = {
    ("composition", "instance_count"): ("counts", "judgments_per_rater"),
    ("composition", "labels"): (
        "rating_distributions",
        "label_distributions",
        "ground_truth_vs_raters",
        "av_scatter",
    ),
    ("composition", "errors_noise_redundancy"): ("agreement", "consensus_entropy", "intra_rater"),
    ("collection_process", "collectors_and_compensation"): ("rater_attributes",),
    ("preprocessing_cleaning_labeling", "preprocessing"): ("quirks",),
}


def _computed(
    key: str, sheet: dict[str, Any], figures: Sequence[Figure], companions: Sequence[Any]
) -> list[Block]:
    """The computed blocks of one section, each behind an anchor the summary links to."""
    gen = sheet.get("generated")
    if not gen:
        return []
    builders = {
        "counts": lambda: _counts_blocks(gen),
        "judgments_per_rater": lambda: _judgment_blocks(gen),
        "rating_distributions": lambda: _distribution_blocks(gen, figures),
        "label_distributions": lambda: _label_blocks(gen),
        "ground_truth_vs_raters": lambda: _ground_truth_blocks(gen),
        "av_scatter": lambda: _figure_for(figures, "av_scatter"),
        "agreement": lambda: _agreement_blocks(gen, figures, companions),
        "consensus_entropy": lambda: _items_blocks(gen, figures),
        "intra_rater": lambda: _intra_blocks(gen),
        "rater_attributes": lambda: _rater_blocks(gen),
        "quirks": lambda: _quirks_blocks(gen),
    }
    blocks = builders[key]()
    if not blocks:
        return []
    return [Block("anchor", ANCHORS.get(key, key))] + blocks


def _answer_blocks(answer: dict[str, Any], status_words: dict[str, str]) -> list[Block]:
    cited = answer.get("source")
    cited = [cited] if isinstance(cited, str) else list(cited or [])
    return [
        Block("paragraph", " ".join(str(answer["answer"]).split())),
        Block(
            "paragraph",
            f"*Curated answer. Status: {status_words.get(answer.get('status'), answer.get('status'))}; "
            f"sources: {', '.join(cited) or '–'}.*",
        ),
    ]


def _gebru_blocks(
    sheet: dict[str, Any], figures: Sequence[Figure], companions: Sequence[Any]
) -> list[Block]:
    """Gebru's sections in Gebru's order; computed facts at the question they answer."""
    curated = sheet.get("curated") or {}
    titles = question_titles()
    status_words = titles["status"]
    blocks: list[Block] = []
    if curated:
        blocks.append(
            Block(
                "paragraph",
                f"Curated answers are written by hand (last reviewed {curated.get('last_reviewed')}) "
                "and say how sure they are and which sources support them; the parts marked "
                "*computed* come from the loaded tables of version "
                f"{sheet['version']} and are never typed by hand.",
            )
        )
    else:
        blocks.append(
            Block("note", f"No curated datasheet (`datasheets/{sheet['id']}.yaml`) exists yet.")
        )
    for section in titles["sections"]:
        answers = curated.get(section["key"]) or {}
        section_blocks: list[Block] = []
        if section["key"] == "annotators" and answers.get("types"):
            section_blocks.append(
                Block("paragraph", "Annotator types: " + ", ".join(answers["types"]) + ".")
            )
        if section["key"] == "ethics" and "listener_attributes" in answers:
            held = answers["listener_attributes"] or ["nothing"]
            section_blocks.append(
                Block("paragraph", "Held about listeners: " + ", ".join(held) + ".")
            )
        for key, prompt in section["questions"].items():
            answer = answers.get(key)
            computed: list[Block] = []
            for part in PLACEMENT.get((section["key"], key), ()):
                computed += _computed(part, sheet, figures, companions)
            if not isinstance(answer, dict) and not computed:
                continue
            section_blocks.append(Block("heading", prompt, level=3))
            if isinstance(answer, dict):
                section_blocks += _answer_blocks(answer, status_words)
            section_blocks += computed
        if section_blocks:
            blocks.append(Block("anchor", section["key"].replace("_", "-")))
            blocks.append(Block("heading", section["title"], level=2))
            blocks += section_blocks
    sources = curated.get("sources") or []
    if sources:
        rows = []
        for s in sources:
            where = s.get("url") or s.get("path") or s.get("citation") or ""
            if s.get("url"):
                where = f"[{s['url']}]({s['url']})"
            rows.append([f"`{s['id']}`", s["title"], s["kind"], where])
        blocks += [
            Block("heading", "Sources", level=2),
            Block("table", headers=["Id", "Title", "Kind", "Where"], rows=rows),
        ]
    return blocks


def datasheet_blocks(
    sheet: dict[str, Any],
    figures: Sequence[Figure] = (),
    companions: Sequence[Any] = (),
    *,
    notes: Sequence[str] = (),
) -> list[Block]:
    """The page: summary first, facts, Gebru's sections with computed parts, appendix, citation.

    ``companions`` are the CSV files written beside the page (:mod:`.companions`); ``notes``
    are shown under the summary (e.g. figures skipped because matplotlib is not installed).
    """
    blocks = [Block("heading", sheet["name"], level=1)]
    blocks += summary_blocks(sheet, figures)
    blocks += [Block("note", note) for note in notes]
    blocks += _catalog_blocks(sheet)
    if not sheet.get("generated"):
        blocks += _unavailable_blocks(sheet)
    blocks += _gebru_blocks(sheet, figures, companions)
    blocks += _appendix_blocks(sheet, companions)
    blocks += [
        Block("heading", "Citation", level=2),
        Block("code", sheet["catalog"]["citation"].strip(), extra={"lang": "bibtex"}),
    ]
    return blocks


# -- writers ---------------------------------------------------------------------------------


MAX_CELL_CHARS = 80


def _cell(value: Any) -> str:
    """A table cell: formatted, and cut at :data:`MAX_CELL_CHARS` (free-text attributes)."""
    text = _fmt(value)
    if len(text) <= MAX_CELL_CHARS or "](" in text or "`" in text:
        return text
    return text[: MAX_CELL_CHARS - 1] + "…"


def _md_cell(value: Any) -> str:
    return _cell(value).replace("|", "\\|").replace("\n", " ")


def to_markdown(blocks: Sequence[Block]) -> str:
    out: list[str] = []
    for b in blocks:
        if b.kind == "heading":
            out.append("#" * b.level + " " + b.text)
        elif b.kind == "paragraph":
            out.append(b.text)
        elif b.kind == "note":
            out.append("> **Note.** " + b.text)
        elif b.kind == "table":
            lines = ["| " + " | ".join(_md_cell(h) for h in b.headers) + " |"]
            lines.append("|" + "|".join(" --- " for _ in b.headers) + "|")
            lines += ["| " + " | ".join(_md_cell(v) for v in row) + " |" for row in b.rows]
            out.append("\n".join(lines))
        elif b.kind == "figure" and b.figure is not None:
            alt = b.figure.alt.replace("]", ")").replace("[", "(")
            out.append(f"![{alt}]({b.figure.file})\n\n*{b.figure.caption}*")
        elif b.kind == "list":
            out.append("\n".join(f"- {item}" for item in b.items))
        elif b.kind == "anchor":
            out.append(f'<a id="{b.text}"></a>')
        elif b.kind == "code":
            out.append(f"```{b.extra.get('lang', '')}\n{b.text}\n```")
    return "\n\n".join(out) + "\n"


_INLINE = re.compile(r"`([^`]+)`|\[([^\]]+)\]\(([^)\s]+)\)|\*\*([^*]+)\*\*|\*([^*]+)\*")


def _inline_html(text: str) -> str:
    """`code`, [text](url) and *emphasis* to HTML; everything else escaped."""
    parts: list[str] = []
    last = 0
    for match in _INLINE.finditer(text):
        parts.append(html.escape(text[last : match.start()]))
        code, label, url, strong, emphasis = match.groups()
        if code is not None:
            parts.append(f"<code>{html.escape(code)}</code>")
        elif strong is not None:
            parts.append(f"<strong>{html.escape(strong)}</strong>")
        elif label is not None:
            parts.append(f'<a href="{html.escape(url, quote=True)}">{_inline_html(label)}</a>')
        else:
            parts.append(f"<em>{html.escape(emphasis)}</em>")
        last = match.end()
    parts.append(html.escape(text[last:]))
    return "".join(parts)


HTML_STYLE = """
body{font-family:system-ui,sans-serif;max-width:62rem;margin:2rem auto;padding:0 1rem;line-height:1.45}
table{border-collapse:collapse;margin:0.8rem 0;font-size:0.9rem}
th,td{border:1px solid #ccc;padding:0.25rem 0.5rem;text-align:left;vertical-align:top}
th{background:#f3f3f3} .note{background:#fff6d5;border-left:4px solid #e0b300;padding:0.6rem 1rem}
img{max-width:100%} pre{background:#f6f6f6;padding:0.8rem;overflow-x:auto}
""".strip()


def to_html(blocks: Sequence[Block], *, title: str) -> str:
    body: list[str] = []
    for b in blocks:
        if b.kind == "heading":
            body.append(f"<h{b.level}>{_inline_html(b.text)}</h{b.level}>")
        elif b.kind == "paragraph":
            body.append(f"<p>{_inline_html(b.text)}</p>")
        elif b.kind == "note":
            body.append(f'<div class="note"><p>{_inline_html(b.text)}</p></div>')
        elif b.kind == "table":
            head = "".join(f"<th>{_inline_html(_fmt(h))}</th>" for h in b.headers)
            rows = "".join(
                "<tr>" + "".join(f"<td>{_inline_html(_cell(v))}</td>" for v in row) + "</tr>"
                for row in b.rows
            )
            body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
        elif b.kind == "figure" and b.figure is not None:
            f = b.figure
            body.append(
                f'<figure><img src="{html.escape(f.file, quote=True)}" alt="{html.escape(f.alt, quote=True)}">'
                f"<figcaption>{_inline_html(f.caption)}</figcaption></figure>"
            )
        elif b.kind == "anchor":
            body.append(f'<a id="{html.escape(b.text, quote=True)}"></a>')
        elif b.kind == "list":
            body.append("<ul>" + "".join(f"<li>{_inline_html(i)}</li>" for i in b.items) + "</ul>")
        elif b.kind == "code":
            body.append(f"<pre><code>{html.escape(b.text)}</code></pre>")
    from .fonts import PAGE_FONT_FAMILY, embedded_font_css

    content = "\n".join(body)
    font_css = embedded_font_css(content)
    style = HTML_STYLE
    if font_css:  # CJK labels: a subset font in the page, so no reader sees boxes
        style = font_css + style.replace(
            "font-family:system-ui,sans-serif",
            f'font-family:system-ui,sans-serif,"{PAGE_FONT_FAMILY}"',
        )
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n<style>{style}</style>\n</head>\n<body>\n"
        + content
        + "\n</body>\n</html>\n"
    )


def render_markdown(
    sheet: dict[str, Any],
    figures: Sequence[Figure] = (),
    companions: Sequence[Any] = (),
    *,
    notes: Sequence[str] = (),
) -> str:
    """The datasheet page in Markdown (figure and CSV paths relative to the page)."""
    return to_markdown(datasheet_blocks(sheet, figures, companions, notes=notes))


def render_html(
    sheet: dict[str, Any],
    figures: Sequence[Figure] = (),
    companions: Sequence[Any] = (),
    *,
    notes: Sequence[str] = (),
) -> str:
    """The datasheet as one standalone HTML page (figures and CSVs referenced relative to it)."""
    return to_html(
        datasheet_blocks(sheet, figures, companions, notes=notes),
        title=f"Datasheet: {sheet['name']}",
    )


__all__ = ["GENERATED_SECTIONS", "Block", "datasheet_blocks", "render_html", "render_markdown"]
