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
from typing import Any

from .blocks import ANCHORS, Block
from .blocks import fmt as _fmt
from .blocks import link as _link
from .build import GENERATED_SECTIONS, question_titles
from .computed import (
    appendix_blocks,
    catalog_blocks,
    computed_blocks,
    summary_attributes,
    top_values,
    unavailable_blocks,
)
from .figures import Figure

_FIRST_SENTENCE = re.compile(r"(?<!e\.g)(?<!i\.e)(?<!\bcf)\.\s+(?=[A-Z])")


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
    for attr in summary_attributes(gen):
        top = ", ".join(f"{c['value']} {c['count']}" for c in top_values(attr))
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
#: Dimensions in the summary table; with more, the highest and lowest half of this each.
SUMMARY_DIMENSIONS = 14
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
    shown = list(zip(records, readings))
    if len(shown) > SUMMARY_DIMENSIONS:  # the highest and lowest; all of them under Agreement
        ranked = sorted(shown, key=lambda pair: -(pair[0].get("value") or -math.inf))
        half = SUMMARY_DIMENSIONS // 2
        shown = ranked[:half] + ranked[-half:]
    cells = [
        [r["dimension"], _link(fmt_interval(r), ANCHORS["agreement"])]
        + ([] if same_reading else [word])
        for r, word in shown
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
    which = (
        f"the {len(shown) // 2} highest and {len(shown) // 2} lowest of {len(records)} "
        f"dimensions ([all](#{ANCHORS['agreement']}))"
        if len(shown) < len(records)
        else "per dimension"
    )
    blocks.append(
        Block(
            "paragraph",
            f"{', '.join(metrics)} {which} over {span} items, all raters.{readings_note}",
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
                f"{d['low']['group']} {_link(fmt_interval(d['low']), 'group-differences')} vs "
                f"{d['high']['group']} {_link(fmt_interval(d['high']), 'group-differences')} "
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
    key: str,
    sheet: dict[str, Any],
    figures: Sequence[Figure],
    companions: Sequence[Any],
    heatmap: str | None,
) -> list[Block]:
    return computed_blocks(key, sheet, figures, companions, heatmap=heatmap)


def _answer_text(answer: dict[str, Any], status_words: dict[str, str]) -> str:
    """The curated answer on one line, with its status and sources in italics."""
    cited = answer.get("source")
    cited = [cited] if isinstance(cited, str) else list(cited or [])
    status = status_words.get(answer.get("status"), answer.get("status"))
    return (
        " ".join(str(answer["answer"]).split())
        + f" *({status}; sources: {', '.join(cited) or '–'})*"
    )


def _gebru_blocks(
    sheet: dict[str, Any],
    figures: Sequence[Figure],
    companions: Sequence[Any],
    heatmap: str | None = None,
) -> list[Block]:
    """Gebru's sections in Gebru's order; computed facts at the question they answer.

    A question answered by hand only is one list item (question in bold, answer, status and
    sources); a question with computed facts gets a heading, its answer, then the facts.
    """
    curated = sheet.get("curated") or {}
    titles = question_titles()
    status_words = titles["status"]
    blocks: list[Block] = []
    if curated:
        blocks.append(
            Block(
                "paragraph",
                f"Curated answers are written by hand (last reviewed {curated.get('last_reviewed')}) "
                "and say how sure they are (in italics: status; sources); the parts marked "
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
        pending: list[str] = []
        for key, prompt in section["questions"].items():
            answer = answers.get(key)
            computed: list[Block] = []
            for part in PLACEMENT.get((section["key"], key), ()):
                computed += _computed(part, sheet, figures, companions, heatmap)
            if not computed:
                if isinstance(answer, dict):
                    pending.append(f"**{prompt}** {_answer_text(answer, status_words)}")
                continue
            if pending:
                section_blocks.append(Block("list", items=pending))
                pending = []
            section_blocks.append(Block("heading", prompt, level=3))
            if isinstance(answer, dict):
                section_blocks.append(Block("paragraph", _answer_text(answer, status_words)))
            section_blocks += computed
        if pending:
            section_blocks.append(Block("list", items=pending))
        if section_blocks:
            blocks.append(Block("anchor", section["key"].replace("_", "-")))
            blocks.append(Block("heading", section["title"], level=2))
            blocks += section_blocks
    return blocks


def _source_blocks(sheet: dict[str, Any]) -> list[Block]:
    """The sources the curated answers cite (after the appendix, as a paper's references)."""
    sources = (sheet.get("curated") or {}).get("sources") or []
    if not sources:
        return []
    rows = []
    for s in sources:
        where = s.get("url") or s.get("path") or s.get("citation") or ""
        if s.get("url"):
            where = f"[{s['url']}]({s['url']})"
        rows.append([f"`{s['id']}`", s["title"], s["kind"], where])
    return [
        Block("anchor", "sources"),
        Block("heading", "Sources", level=2),
        Block("table", headers=["Id", "Title", "Kind", "Where"], rows=rows),
    ]


def datasheet_blocks(
    sheet: dict[str, Any],
    figures: Sequence[Figure] = (),
    companions: Sequence[Any] = (),
    *,
    notes: Sequence[str] = (),
    html_heatmap: bool = False,
) -> list[Block]:
    """The page: summary first, facts, Gebru's sections with computed parts, appendix, citation.

    ``companions`` are the CSV files written beside the page (:mod:`.companions`); ``notes``
    are shown under the summary (e.g. figures skipped because matplotlib is not installed).
    ``html_heatmap`` shows the agreement heatmap as an HTML table whose cells give α with its
    interval on hover (for the site and HTML pages), instead of the PNG figure.
    """
    from .heatmap import heatmap_html

    heatmap = heatmap_html(sheet) if html_heatmap else None
    blocks = [Block("heading", sheet["name"], level=1)]
    blocks += summary_blocks(sheet, figures)
    blocks += [Block("note", note) for note in notes]
    blocks += catalog_blocks(sheet, companions)
    if not sheet.get("generated"):
        blocks += unavailable_blocks(sheet)
    blocks += _gebru_blocks(sheet, figures, companions, heatmap)
    if sheet.get("generated"):
        blocks += appendix_blocks(sheet, companions)
    blocks += _source_blocks(sheet)
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
    """Markdown (Python-Markdown / CommonMark); raw HTML blocks are written as they are.

    An anchor is written on the line above the heading or paragraph it marks (one element, no
    blank line): the page stays as short to scroll as it reads.
    """
    out: list[str] = []
    anchor: str | None = None
    for b in blocks:
        if anchor is not None and b.kind in ("heading", "paragraph"):
            joined = "\n" if b.kind == "heading" else ""
            text = "#" * b.level + " " + b.text if b.kind == "heading" else b.text
            out.append(anchor + joined + text)
            anchor = None
            continue
        if anchor is not None:
            out.append(anchor)
            anchor = None
        if b.kind == "anchor":
            anchor = f'<a id="{b.text}"></a>'
        elif b.kind == "html":
            out.append(b.text)
        elif b.kind == "heading":
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
            out.append(f"![{alt}]({b.figure.file})\n*{b.figure.caption}*")
        elif b.kind == "list":
            out.append("\n".join(f"- {item}" for item in b.items))
        elif b.kind == "code":
            out.append(f"```{b.extra.get('lang', '')}\n{b.text}\n```")
    if anchor is not None:
        out.append(anchor)
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
td{overflow-wrap:anywhere} table.mer-heatmap th,table.mer-heatmap td{border:1px solid #fff}
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
        elif b.kind == "html":
            body.append(b.text)
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
    html_heatmap: bool = False,
) -> str:
    """The datasheet page in Markdown (figure and CSV paths relative to the page).

    ``html_heatmap``: the agreement heatmap as an HTML table with intervals on hover (for a
    site that renders raw HTML, such as this project's MkDocs site) instead of the PNG.
    """
    return to_markdown(
        datasheet_blocks(sheet, figures, companions, notes=notes, html_heatmap=html_heatmap)
    )


def render_html(
    sheet: dict[str, Any],
    figures: Sequence[Figure] = (),
    companions: Sequence[Any] = (),
    *,
    notes: Sequence[str] = (),
) -> str:
    """The datasheet as one standalone HTML page (figures and CSVs referenced relative to it)."""
    return to_html(
        datasheet_blocks(sheet, figures, companions, notes=notes, html_heatmap=True),
        title=f"Datasheet: {sheet['name']}",
    )


__all__ = ["GENERATED_SECTIONS", "Block", "datasheet_blocks", "render_html", "render_markdown"]
