"""Render a datasheet dict as Markdown or standalone HTML.

Why one block list and two writers: the page is first described as a list of blocks (headings,
paragraphs, tables, figures, lists, code), then written out; Markdown and HTML can never say
different things. Inline text may hold `code` spans and [links](url), nothing else.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .build import GENERATED_SECTIONS, question_titles
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


@dataclass
class Block:
    kind: str  # heading | paragraph | table | figure | list | code | note
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
        Block("heading", sheet["name"], level=1),
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
        Block("heading", "Dimensions", level=2),
        Block(
            "table", headers=["Dimension", "Scale", "Level", "Range", "Categories", "In"], rows=dims
        ),
    ]
    return blocks


def _curated_blocks(sheet: dict[str, Any]) -> list[Block]:
    curated = sheet.get("curated")
    if not curated:
        return [
            Block("heading", "Curated datasheet", level=2),
            Block("note", f"No curated datasheet (`datasheets/{sheet['id']}.yaml`) exists yet."),
        ]
    titles = question_titles()
    status_words = titles["status"]
    sources = {s["id"]: s for s in curated.get("sources", [])}
    blocks: list[Block] = [
        Block(
            "paragraph",
            f"The answers below are curated by hand (last reviewed {curated.get('last_reviewed')}); "
            "each says how sure it is and which sources support it.",
        )
    ]
    for section in titles["sections"]:
        answers = curated.get(section["key"]) or {}
        if not answers:
            continue
        blocks.append(Block("heading", section["title"], level=2))
        if section["key"] == "annotators" and answers.get("types"):
            blocks.append(
                Block("paragraph", "Annotator types: " + ", ".join(answers["types"]) + ".")
            )
        if section["key"] == "ethics" and "listener_attributes" in answers:
            held = answers["listener_attributes"] or ["nothing"]
            blocks.append(Block("paragraph", "Held about listeners: " + ", ".join(held) + "."))
        for key, prompt in section["questions"].items():
            answer = answers.get(key)
            if not isinstance(answer, dict):
                continue
            cited = answer.get("source")
            cited = [cited] if isinstance(cited, str) else list(cited or [])
            blocks.append(Block("heading", prompt, level=4))
            blocks.append(Block("paragraph", " ".join(str(answer["answer"]).split())))
            blocks.append(
                Block(
                    "paragraph",
                    f"*Status: {status_words.get(answer.get('status'), answer.get('status'))}; "
                    f"sources: {', '.join(cited) or '–'}.*",
                )
            )
    if sources:
        rows = []
        for s in sources.values():
            where = s.get("url") or s.get("path") or s.get("citation") or ""
            if s.get("url"):
                where = f"[{s['url']}]({s['url']})"
            rows.append([f"`{s['id']}`", s["title"], s["kind"], where])
        blocks += [
            Block("heading", "Sources", level=2),
            Block("table", headers=["Id", "Title", "Kind", "Where"], rows=rows),
        ]
    return blocks


def _unavailable_blocks(sheet: dict[str, Any]) -> list[Block]:
    data = sheet["data"]
    needed = ", ".join(SECTION_TITLES.get(s, s).lower() for s in data["sections_needing_data"])
    return [
        Block("heading", "Generated sections", level=2),
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
        Block("heading", SECTION_TITLES["counts"], level=3),
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


def _rater_blocks(gen: dict[str, Any]) -> list[Block]:
    attributes = gen["rater_attributes"]
    blocks = [Block("heading", SECTION_TITLES["rater_attributes"], level=3)]
    if not attributes:
        return blocks + [Block("paragraph", "The release holds no attributes of its raters.")]
    for attr in attributes:
        blocks.append(
            Block(
                "paragraph",
                f"`{attr['column']}`: {attr['distinct']} distinct values over {attr['raters']} raters, "
                f"{attr['missing']} missing.",
            )
        )
        if attr["kind"] == "datetime":
            blocks.append(
                Block(
                    "table",
                    headers=["Earliest", "Latest"],
                    rows=[[attr["earliest"], attr["latest"]]],
                )
            )
        elif attr["kind"] == "free_text":
            blocks.append(
                Block("paragraph", "Free text, mostly one value per rater: values not listed.")
            )
        elif attr["kind"] == "numeric":
            s = attr["summary"] or {}
            blocks.append(
                Block(
                    "table",
                    headers=["Min", "Q25", "Median", "Mean", "Q75", "Max"],
                    rows=[[s.get(k) for k in ("min", "q25", "median", "mean", "q75", "max")]],
                )
            )
        else:
            rows = [[c["value"], c["count"], _share(c["share"])] for c in attr["counts"]]
            blocks.append(Block("table", headers=["Value", "Raters", "Share"], rows=rows))
    return blocks


def _summary_row(name: str, s: dict[str, Any] | None) -> list[Any]:
    s = s or {}
    return [name] + [s.get(k) for k in ("count", "min", "q25", "median", "mean", "q75", "max")]


def _judgment_blocks(gen: dict[str, Any]) -> list[Block]:
    jd = gen["judgments_distribution"]
    if not jd["judgments_per_rater"]:
        return []
    return [
        Block("heading", SECTION_TITLES["judgments_per_rater"], level=3),
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
    blocks: list[Block] = []
    ratings = gen["rating_distributions"]
    if ratings:
        blocks.append(Block("heading", SECTION_TITLES["rating_distributions"], level=3))
        for dim, dist in ratings.items():
            if dist["kind"] == "discrete":
                rows = [[_fmt(c["value"]), c["count"], _share(c["share"])] for c in dist["counts"]]
                blocks.append(
                    Block("table", headers=[f"{dim}: value", "Judgments", "Share"], rows=rows)
                )
            else:
                blocks.append(
                    Block(
                        "table",
                        headers=[f"{dim}", "N", "Min", "Q25", "Median", "Mean", "Q75", "Max"],
                        rows=[_summary_row("judged values", dist["summary"])],
                    )
                )
        blocks += _figure_for(figures, "rating_distributions")
    labels = gen["label_distributions"]
    if labels["judgments"] or labels["published"]:
        blocks.append(Block("heading", SECTION_TITLES["label_distributions"], level=3))
        for dim, counts in labels["judgments"].items():
            rows = [[c["value"], c["count"], _share(c["share"])] for c in counts]
            blocks.append(
                Block("table", headers=[f"{dim} (judgments)", "Count", "Share"], rows=rows)
            )
        for entry in labels["published"]:
            title = f"{entry['dimension']} / {entry['statistic']} (published)"
            if "counts" in entry:
                rows = [[c["value"], c["count"], _share(c["share"])] for c in entry["counts"]]
                blocks.append(Block("table", headers=[title, "Count", "Share"], rows=rows))
            elif entry.get("kind") == "discrete":
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


def _agreement_blocks(gen: dict[str, Any], figures: Sequence[Figure]) -> list[Block]:
    agreement = gen.get("agreement")
    blocks = [Block("heading", SECTION_TITLES["agreement"], level=3)]
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
    rows = [[r.get(c) for c in AGREEMENT_COLUMNS] for r in agreement["overall"]]
    blocks.append(Block("table", headers=list(AGREEMENT_COLUMNS), rows=rows))
    for group in agreement["by_group"]:
        kept = ", ".join(group["levels"])
        note = " (most frequent levels only)" if group["reduced_to_top_levels"] else ""
        blocks.append(Block("heading", f"By `{group['column']}`", level=4))
        blocks.append(Block("paragraph", f"Groups{note}: {kept}."))
        rows = [[r.get(c) for c in AGREEMENT_COLUMNS] for r in group["records"]]
        blocks.append(Block("table", headers=list(AGREEMENT_COLUMNS), rows=rows))
    blocks += _figure_for(figures, "agreement")
    return blocks


def _items_blocks(gen: dict[str, Any], figures: Sequence[Figure]) -> list[Block]:
    items = gen.get("items")
    if not items or not items["per_dimension"]:
        return []
    blocks = [Block("heading", SECTION_TITLES["consensus_entropy"], level=3)]
    blocks += _figure_for(figures, "consensus_entropy")
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


def _intra_blocks(gen: dict[str, Any]) -> list[Block]:
    intra = gen["intra_rater"]
    blocks = [Block("heading", SECTION_TITLES["intra_rater"], level=3)]
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
        Block("heading", SECTION_TITLES["ground_truth_vs_raters"], level=3),
        Block("paragraph", "Values on the source scales; the published labels as published."),
        Block("table", headers=headers, rows=rows),
    ]


def _quirks_blocks(gen: dict[str, Any]) -> list[Block]:
    q = gen["quirks"]
    blocks = [
        Block("heading", SECTION_TITLES["quirks"], level=3),
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


def _generated_blocks(sheet: dict[str, Any], figures: Sequence[Figure]) -> list[Block]:
    gen = sheet["generated"]
    blocks = [
        Block("heading", "Generated sections", level=2),
        Block(
            "paragraph",
            f"Computed from the loaded tables of version {sheet['version']} by "
            "`mer_datasets.datasheet.build_datasheet`; nothing in this part is typed by hand.",
        ),
    ]
    blocks += _counts_blocks(gen)
    blocks += _rater_blocks(gen)
    blocks += _judgment_blocks(gen)
    blocks += _distribution_blocks(gen, figures)
    blocks += _agreement_blocks(gen, figures)
    blocks += _items_blocks(gen, figures)
    blocks += _intra_blocks(gen)
    blocks += _ground_truth_blocks(gen)
    blocks += _figure_for(figures, "av_scatter")
    blocks += _quirks_blocks(gen)
    return blocks


def datasheet_blocks(sheet: dict[str, Any], figures: Sequence[Figure] = ()) -> list[Block]:
    """The whole page as blocks: catalog facts, generated sections (or a note), curated answers."""
    blocks = _catalog_blocks(sheet)
    if sheet.get("generated"):
        blocks += _generated_blocks(sheet, figures)
    else:
        blocks += _unavailable_blocks(sheet)
    blocks += [Block("heading", "Curated datasheet", level=2)] + _curated_blocks(sheet)
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
        elif b.kind == "code":
            out.append(f"```{b.extra.get('lang', '')}\n{b.text}\n```")
    return "\n\n".join(out) + "\n"


_INLINE = re.compile(r"`([^`]+)`|\[([^\]]+)\]\(([^)\s]+)\)|\*([^*]+)\*")


def _inline_html(text: str) -> str:
    """`code`, [text](url) and *emphasis* to HTML; everything else escaped."""
    parts: list[str] = []
    last = 0
    for match in _INLINE.finditer(text):
        parts.append(html.escape(text[last : match.start()]))
        code, label, url, emphasis = match.groups()
        if code is not None:
            parts.append(f"<code>{html.escape(code)}</code>")
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
        elif b.kind == "list":
            body.append("<ul>" + "".join(f"<li>{_inline_html(i)}</li>" for i in b.items) + "</ul>")
        elif b.kind == "code":
            body.append(f"<pre><code>{html.escape(b.text)}</code></pre>")
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n<style>{HTML_STYLE}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )


def render_markdown(sheet: dict[str, Any], figures: Sequence[Figure] = ()) -> str:
    """The datasheet page in Markdown (figure paths relative to the page)."""
    return to_markdown(datasheet_blocks(sheet, figures))


def render_html(sheet: dict[str, Any], figures: Sequence[Figure] = ()) -> str:
    """The datasheet as one standalone HTML page (figures referenced relative to it)."""
    return to_html(datasheet_blocks(sheet, figures), title=f"Datasheet: {sheet['name']}")


__all__ = ["GENERATED_SECTIONS", "Block", "datasheet_blocks", "render_html", "render_markdown"]
