"""The computed parts of a datasheet page, as blocks: short tables, figures, links to the CSVs.

Why short: a researcher reads the main flow to decide whether to use the data; the complete
tables (every group × dimension × metric, every item, every value count, every quirk) are the
CSV companions (:mod:`.companions`), and each table here is cut from the same rows with
:func:`.blocks.capped`, which says how many rows are left out and links the file holding them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .blocks import (
    ANCHORS,
    MAIN_ROWS,
    SECTION_TITLES,
    Block,
    capped,
    csv_link,
    share,
)
from .blocks import fmt as _fmt
from .build import MISSING as MISSING_VALUE
from .companions import dimension_rows
from .figures import Figure


def _heading(key: str) -> Block:
    return Block("heading", "Computed: " + SECTION_TITLES[key].lower(), level=4)


def catalog_blocks(sheet: dict[str, Any], companions: Sequence[Any]) -> list[Block]:
    cat = sheet["catalog"]
    facts = [
        ("Id", f"`{sheet['id']}`"),
        ("Version", sheet["version"]),
        ("Year", cat["year"]),
        ("Homepage", f"[{cat['homepage']}]({cat['homepage']})" if cat["homepage"] else None),
        ("License", cat["license"]),
        ("Access", cat["access"]),
        ("Emotion model", f"{cat['taxonomy']}, {cat['perspective']}, {cat['temporal']}"),
        ("Per-rater judgments", cat["per_rater"]),
        ("Synthetic", cat["synthetic"]),
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
    blocks.append(Block("paragraph", "; ".join(f"**{k}:** {_fmt(v)}" for k, v in facts) + "."))
    if cat.get("license_note"):
        blocks.append(Block("paragraph", "License note: " + " ".join(cat["license_note"].split())))
    dims = [
        [
            d["dimension"],
            d["scale"],
            d["level"],
            f"{_fmt(d['min'])} to {_fmt(d['max'])}" if d["min"] is not None else "–",
            _short_list(d["categories"]),
            d["in"].replace("; ", ", "),
        ]
        for d in dimension_rows(sheet)
    ]
    return blocks + [
        Block("anchor", "dimensions"),
        Block("heading", "Dimensions", level=3),
        *capped(
            ["Dimension", "Scale", "Level", "Range", "Categories", "In"],
            dims,
            "dimensions",
            companions,
            noun="dimensions",
        ),
    ]


def _short_list(joined: str, keep: int = 6) -> str:
    values = [v for v in joined.split("; ") if v]
    if not values:
        return "–"
    return ", ".join(values[:keep]) + (f" … ({len(values)})" if len(values) > keep else "")


def unavailable_blocks(sheet: dict[str, Any]) -> list[Block]:
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


def figure_for(figures: Sequence[Figure], section: str) -> list[Block]:
    return [Block("figure", figure=f) for f in figures if f.section == section]


def counts_blocks(gen: dict[str, Any], companions: Sequence[Any]) -> list[Block]:
    c = gen["counts"]
    blocks = [
        _heading("counts"),
        Block(
            "table",
            headers=["Tracks", "Raters", "Raters with judgments", "Judgments", "Label rows"],
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
                f"{d['raters_per_track_min']} / {_fmt(d['raters_per_track_median'])} / "
                f"{d['raters_per_track_max']}",
                c["label_rows_per_dimension"].get(dim),
            ]
            for dim, d in c["dimensions"].items()
        ]
        blocks += capped(
            [
                "Dimension",
                "Judgments",
                "Tracks",
                "Raters",
                "Raters per track (min / median / max)",
                "Label rows",
            ],
            rows,
            "counts",
            companions,
            noun="dimensions",
        )
    extra = {d: n for d, n in c["label_rows_per_dimension"].items() if d not in c["dimensions"]}
    if extra:
        blocks.append(
            Block(
                "paragraph",
                "Published labels only: "
                + ", ".join(f"{d} ({n} rows)" for d, n in list(extra.items())[:MAIN_ROWS])
                + (f" and {len(extra) - MAIN_ROWS} more" if len(extra) > MAIN_ROWS else "")
                + ".",
            )
        )
    return blocks


def _attribute_overview(attr: dict[str, Any]) -> str:
    if attr["kind"] == "datetime":
        return f"{attr['earliest']} to {attr['latest']}"
    if attr["kind"] == "free_text":
        return "free text, mostly one value per rater: values not listed"
    if attr["kind"] == "numeric":
        s = attr["summary"] or {}
        return f"median {_fmt(s.get('median'))}, {_fmt(s.get('min'))} to {_fmt(s.get('max'))}"
    shown = top_values(attr)
    more = " …" if len(attr["counts"]) > len(shown) else ""
    return ", ".join(f"{c['value']} ({c['count']})" for c in shown) + more


#: Most frequent values of a rater attribute named in the summary and its table, and the
#: characters they may take (a table cell is cut at 80: a named value must not be cut off).
TOP_VALUES = 4
TOP_VALUE_CHARS = 72


def top_values(attr: dict[str, Any]) -> list[dict[str, Any]]:
    """The most frequent values (not missing) that fit a cell: at least one, at most four."""
    shown: list[dict[str, Any]] = []
    used = 0
    for count in attr["counts"]:
        if count["value"] == MISSING_VALUE:
            continue
        used += len(f"{count['value']} ({count['count']}), ")
        if len(shown) == TOP_VALUES or (shown and used > TOP_VALUE_CHARS):
            break
        shown.append(count)
    return shown


def _numeric_text(value: Any) -> bool:
    try:
        float(str(value))
    except ValueError:
        return str(value).startswith(("other (", "(missing)"))
    return True


def summary_attributes(gen: dict[str, Any], limit: int = 2) -> list[dict[str, Any]]:
    """The rater attributes the summary names: the first categorical ones with words as values.

    Encoded codes (0.0 / 1.0) say nothing without their legend, so they are skipped.
    """
    chosen = []
    for attr in gen.get("rater_attributes") or []:
        if attr.get("kind") != "categorical" or not attr.get("counts"):
            continue
        if all(_numeric_text(c["value"]) for c in attr["counts"]):
            continue
        chosen.append(attr)
        if len(chosen) == limit:
            break
    return chosen


def rater_blocks(gen: dict[str, Any], companions: Sequence[Any]) -> list[Block]:
    """One row per rater attribute, the summary's first; every value with its count: raters CSV."""
    named = [a["column"] for a in summary_attributes(gen)]
    attributes = sorted(
        gen["rater_attributes"],
        key=lambda a: named.index(a["column"]) if a["column"] in named else len(named),
    )
    blocks = [_heading("rater_attributes")]
    if not attributes:
        return blocks + [Block("paragraph", "The release holds no attributes of its raters.")]
    rows = [
        [f"`{a['column']}`", a["distinct"], a["missing"], _attribute_overview(a)]
        for a in attributes
    ]
    blocks += capped(
        ["Attribute", "Distinct values", "Missing", "Most frequent (raters)"],
        rows,
        "raters",
        companions,
        noun="attributes",
        more="Every value with its count",
    )
    return blocks


def _summary_row(name: str, s: dict[str, Any] | None) -> list[Any]:
    s = s or {}
    return [name] + [s.get(k) for k in ("count", "min", "q25", "median", "mean", "q75", "max")]


SUMMARY_HEADERS = ["N", "Min", "Q25", "Median", "Mean", "Q75", "Max"]


def judgment_blocks(gen: dict[str, Any]) -> list[Block]:
    jd = gen["judgments_distribution"]
    if not jd["judgments_per_rater"]:
        return []
    return [
        _heading("judgments_per_rater"),
        Block(
            "table",
            headers=["Distribution", *SUMMARY_HEADERS],
            rows=[
                _summary_row("judgments per rater", jd["judgments_per_rater"]),
                _summary_row("raters per track", jd["raters_per_track"]),
            ],
        ),
    ]


def distribution_blocks(
    gen: dict[str, Any], figures: Sequence[Figure], companions: Sequence[Any]
) -> list[Block]:
    """One summary row per dimension and the figure; value counts are in the CSV."""
    ratings = gen["rating_distributions"]
    if not ratings:
        return []
    rows = [_summary_row(dim, dist["summary"]) for dim, dist in ratings.items()]
    return [
        _heading("rating_distributions"),
        *capped(
            ["Dimension", *SUMMARY_HEADERS],
            rows,
            "distributions",
            companions,
            noun="dimensions",
            more="Counts of every value",
        ),
        *figure_for(figures, "rating_distributions"),
    ]


def label_blocks(gen: dict[str, Any], companions: Sequence[Any]) -> list[Block]:
    """Most frequent labels per categorical dimension; every count is in the CSV."""
    labels = gen["label_distributions"]
    if not (labels["judgments"] or labels["published"]):
        return []
    rows = []
    for dim, counts in labels["judgments"].items():
        top = ", ".join(f"{c['value']} ({share(c['share'])})" for c in counts[:3])
        rows.append([dim, "judgments", len(counts), top])
    for entry in labels["published"]:
        if "counts" in entry:
            top = ", ".join(f"{c['value']} ({share(c['share'])})" for c in entry["counts"][:3])
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
        _heading("label_distributions"),
        *capped(
            ["Dimension", "Of", "Values / rows", "Most frequent"],
            rows,
            "distributions",
            companions,
            more="Every count",
        ),
    ]


def agreement_blocks(
    gen: dict[str, Any],
    figures: Sequence[Figure],
    companions: Sequence[Any],
    *,
    heatmap: str | None = None,
) -> list[Block]:
    """Main metric per dimension with its reading, the heatmap, the groups that differ most.

    ``heatmap`` is an HTML heatmap (intervals on hover) shown instead of the PNG figure.
    """
    from .summary import convention, fmt_interval, group_differences, main_metric_records, reading

    agreement = gen.get("agreement")
    blocks = [_heading("agreement")]
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
    main = main_metric_records(agreement["overall"])
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
        for r in main
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
    cited = sorted({c[0] for r in main if (c := convention(str(r.get("metric"))))})
    if cited:
        blocks.append(Block("paragraph", "Readings: " + "; ".join(cited) + "."))
    others = len(agreement["overall"]) - len(main)
    link = csv_link("agreement", companions)
    if heatmap:
        blocks.append(Block("html", heatmap))
        png = next((f.file for f in figures if f.section == "agreement"), None)
        printable = f"the [heatmap as PNG]({png}) and " if png else ""
        blocks.append(
            Block(
                "paragraph",
                f"Hover a cell for α with its 95% interval. For print: {printable}every value "
                f"with its interval in {link}.",
            )
        )
    else:
        blocks += figure_for(figures, "agreement")
    differences = group_differences(agreement, top=3)
    if differences:
        blocks += [
            Block("anchor", "group-differences"),
            Block(
                "paragraph",
                "Rater groups whose Krippendorff's α differs most (lowest and highest group):",
            ),
            Block(
                "table",
                headers=["Dimension", "Grouped by", "Lowest group", "Highest group", "Intervals"],
                rows=[
                    [
                        d["dimension"],
                        f"`{d['column']}`",
                        f"{d['low']['group']}: {fmt_interval(d['low'])}",
                        f"{d['high']['group']}: {fmt_interval(d['high'])}",
                        {True: "overlap", False: "do not overlap", None: "–"}[
                            d["intervals_overlap"]
                        ],
                    ]
                    for d in differences
                ],
            ),
        ]
    if agreement["by_group"] or others:
        extra = f" and {others} records of other metrics" if others else ""
        blocks.append(
            Block(
                "paragraph",
                f"Every group × dimension × metric with its interval{extra}: {link}.",
            )
        )
    return blocks


def items_blocks(
    gen: dict[str, Any], figures: Sequence[Figure], companions: Sequence[Any]
) -> list[Block]:
    items = gen.get("items")
    if not items or not items["per_dimension"]:
        return []
    rows = []
    for dim, entry in items["per_dimension"].items():
        contested = ", ".join(str(r.get("track_id")) for r in entry["most_contested"][:3])
        agreed = ", ".join(str(r.get("track_id")) for r in entry["most_agreed"][:3])
        rows.append([dim, entry["items"], contested or "–", agreed or "–"])
    return [
        _heading("consensus_entropy"),
        *capped(
            ["Dimension", "Items", "Most contested", "Most agreed"],
            rows,
            "items",
            companions,
            noun="dimensions",
            more="Every listed item with its numbers",
        ),
        *figure_for(figures, "items"),
        *figure_for(figures, "consensus_entropy"),
        *figure_for(figures, "time_series"),
    ]


def _duplicate_summary(gen: dict[str, Any]) -> str:
    """How many repeated judgments there are, and what the loader and agreement do with them."""
    intra = gen["intra_rater"]
    quirks = [
        r
        for r in gen["quirks"]["records"]
        if "repeat" in str(r.get("kind")) or "duplicate" in str(r.get("kind"))
    ]
    loader = "; ".join(f"“{r['reason']}” ({r['count']} rows, {r['effect']})" for r in quirks[:2])
    if not intra:
        text = (
            "**Duplicates.** No rater judged the same track twice on the same dimension "
            "(static judgments), so there is nothing to resolve."
        )
        return text + (f" Quirks report: {loader}." if loader else "")
    pairs = sum(e["repeated_pairs"] for e in intra.values())
    judgments = sum(e["judgments"] for e in intra.values())
    policies = {
        str(r.get("duplicates_policy"))
        for r in (gen.get("agreement") or {}).get("overall") or []
        if r.get("duplicates_policy")
    }
    policy = ", ".join(sorted(policies)) or "latest"
    set_aside = (
        f", so it sets aside {judgments - pairs} of these {judgments} judgments"
        if policies <= {"latest", "first"}
        else ""
    )
    return (
        f"**Duplicates.** On {len(intra)} dimension{'s' if len(intra) > 1 else ''} a rater "
        f"judged the same track more than once: {pairs} repeated (rater, track, dimension) "
        f"groups holding {judgments} judgments. The tables keep every judgment"
        + (f" (quirks report: {loader})" if loader else " (nothing is dropped on loading)")
        + f". `ds.agreement()` keeps one judgment per rater, track and dimension (policy "
        f'`duplicates="{policy}"`; `first`, `mean` or `all` on request){set_aside}: a rater '
        "never counts as agreeing with themselves. The repeats measure intra-rater "
        "consistency instead:"
    )


def intra_blocks(gen: dict[str, Any], companions: Sequence[Any]) -> list[Block]:
    intra = gen["intra_rater"]
    blocks = [_heading("intra_rater"), Block("paragraph", _duplicate_summary(gen))]
    if not intra:
        return blocks
    rows = [
        [
            dim,
            e["repeated_pairs"],
            e["raters"],
            e["judgments"],
            e["measure"],
            e.get("mean_absolute_difference"),
            share(e["identical_share"]),
        ]
        for dim, e in intra.items()
    ]
    headers = [
        "Dimension",
        "Repeated pairs",
        "Raters",
        "Judgments",
        "Measure",
        "Mean abs. diff.",
        "Identical",
    ]
    return blocks + capped(headers, rows, "duplicates", companions, noun="dimensions")


def ground_truth_blocks(gen: dict[str, Any], companions: Sequence[Any]) -> list[Block]:
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
            share(c["agreement_share"]) if "agreement_share" in c else None,
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
        _heading("ground_truth_vs_raters"),
        Block("paragraph", "Values on the source scales; the published labels as published."),
        *capped(headers, rows, "ground-truth", companions, noun="comparisons"),
    ]


def quirks_blocks(gen: dict[str, Any], companions: Sequence[Any]) -> list[Block]:
    q = gen["quirks"]
    files = len(q["source_rows"])
    read = sum(q["source_rows"].values())
    blocks = [
        _heading("quirks"),
        Block(
            "paragraph",
            f"Every source row is in the tables or counted here: {read} rows read from {files} "
            f"source files, {q['excluded_rows']} excluded in total. Rows read per file and "
            f"every quirk with examples: {csv_link('quirks', companions)}.",
        ),
    ]
    if not q["records"]:
        return blocks + [Block("paragraph", "The loader met no quirks.")]
    records = sorted(q["records"], key=lambda r: -int(r["count"] or 0))
    rows = [
        [
            r["effect"],
            r["count"],
            r["kind"],
            f"`{str(r['file']).rsplit('/', 1)[-1]}`" if r.get("file") else "–",
            r["reason"],
        ]
        for r in records
    ]
    return blocks + capped(  # file names without folders: the CSV has the paths
        ["Effect", "Count", "Kind", "File", "Reason"],
        rows,
        "quirks",
        companions,
        noun="quirks (most rows first)",
    )


def appendix_blocks(sheet: dict[str, Any], companions: Sequence[Any]) -> list[Block]:
    """Links to the complete tables, one line each: the long tables live only in the CSVs."""
    blocks: list[Block] = [
        Block("anchor", "appendix"),
        Block("heading", "Appendix: complete tables (CSV)", level=2),
    ]
    if companions:
        return blocks + [
            Block("list", items=[f"[`{c.file}`]({c.file}): {c.title}" for c in companions])
        ]
    return blocks + [
        Block(
            "paragraph",
            "`mer-datasets datasheet` writes the complete tables (agreement per group, items, "
            "distributions, rater attributes, quirks) as CSV files beside the page.",
        )
    ]


def computed_blocks(
    key: str,
    sheet: dict[str, Any],
    figures: Sequence[Figure],
    companions: Sequence[Any],
    *,
    heatmap: str | None = None,
) -> list[Block]:
    """The computed blocks of one section, each behind an anchor the summary links to."""
    gen = sheet.get("generated")
    if not gen:
        return []
    builders = {
        "counts": lambda: counts_blocks(gen, companions),
        "judgments_per_rater": lambda: judgment_blocks(gen),
        "rating_distributions": lambda: distribution_blocks(gen, figures, companions),
        "label_distributions": lambda: label_blocks(gen, companions),
        "ground_truth_vs_raters": lambda: ground_truth_blocks(gen, companions),
        "av_scatter": lambda: figure_for(figures, "av_scatter"),
        "agreement": lambda: agreement_blocks(gen, figures, companions, heatmap=heatmap),
        "consensus_entropy": lambda: items_blocks(gen, figures, companions),
        "intra_rater": lambda: intra_blocks(gen, companions),
        "rater_attributes": lambda: rater_blocks(gen, companions),
        "quirks": lambda: quirks_blocks(gen, companions),
    }
    blocks = builders[key]()
    if not blocks:
        return []
    return [Block("anchor", ANCHORS.get(key, key))] + blocks
