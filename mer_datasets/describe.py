"""Human-readable text for ``info`` and ``stats`` (the JSON forms are the raw records)."""

from __future__ import annotations

import textwrap
from typing import Any


def _wrap(text: str, indent: str = "  ") -> str:
    return textwrap.fill(
        " ".join(str(text).split()), width=96, initial_indent=indent, subsequent_indent=indent
    )


def describe_dataset(info: Any) -> str:
    """Everything the catalog knows about a dataset, as text."""
    out = [f"{info.name} ({info.id}, {info.year})", "", _wrap(info.description), ""]
    out.append(f"homepage      {info.homepage}")
    out.append(f"license       {info.license}")
    if info.license_note:
        out.append(_wrap(info.license_note, "              "))
    out.append(f"access        {info.access}")
    if info.eula_url:
        out.append(f"EULA          {info.eula_url}")
    if info.how_to_obtain:
        out.append("how to obtain")
        out.append(_wrap(info.how_to_obtain))
    out.append(
        f"emotion model {info.taxonomy}; {info.perspective}; {info.temporal}; "
        f"{'per-rater judgments' if info.per_rater else 'aggregated labels only'}"
    )
    if info.synthetic:
        out.append("synthetic     yes: generated data, no real listeners")
    counts = info.counts or {}
    if counts:
        shown = ", ".join(f"{k} {v}" for k, v in counts.items() if k != "note" and v is not None)
        out.append(f"counts        {shown}")
        if counts.get("note"):
            out.append(_wrap(counts["note"], "              "))
    if info.rater_attributes:
        out.append(f"rater attrs   {', '.join(info.rater_attributes)}")
    out.extend(_protocols_and_spreads(info.raw))
    out.append("")
    out.append("dimensions")
    for dim in info.dimensions:
        scale = dim.scale
        if dim.min is not None:
            scale += f" [{dim.min:g}, {dim.max:g}]"
        if dim.values is not None:
            scale += " values " + ",".join(f"{v:g}" for v in dim.values)
        if dim.categories is not None:
            shown = ", ".join(dim.categories[:8]) + (" ..." if len(dim.categories) > 8 else "")
            scale += f" {{{shown}}}"
        vocab = f" vocabulary={dim.vocabulary}" if dim.vocabulary else ""
        out.append(f"  {dim.name:22s} {scale} level={dim.level} in={'/'.join(dim.in_)}{vocab}")
    out.append("")
    out.append(f"versions (default {info.default_version})")
    for version in info.versions:
        out.append(f"  {version.version}: loader {version.loader or '-'}")
        if version.description:
            out.append(_wrap(version.description, "    "))
        for remote in version.remotes:
            url = remote.url or "(no public URL: use `mer-datasets ingest`)"
            out.append(f"    {remote.kind:4s} {remote.filename}  {url}")
            if remote.url_note:
                out.append(_wrap(remote.url_note, "         "))
            for member in remote.required_members():
                sha = member.sha256[:16] + "..." if member.sha256 else "unknown"
                size = f"{member.size} B" if member.size is not None else "size unknown"
                opt = " (optional)" if member.optional else ""
                out.append(
                    f"         {member.path}  {size}  sha256 {sha} ({member.checksum_source}){opt}"
                )
        for name, group in version.assets.items():
            include = name if group.kind == "audio" else f"features:{name}"
            size = f"{group.size} B" if group.size is not None else "size unknown"
            out.append(
                f"    asset {name} ({group.kind}): "
                f"{'?' if group.track_count is None else group.track_count} tracks, "
                f"{len(group.remotes)} remote(s), {size}; fetch with --include {include}"
            )
            for note in (group.license_note, group.unknown_note):
                if note:
                    out.append(_wrap(note, "         "))
    out.append("")
    out.append("citation")
    out.extend("  " + line for line in info.citation.splitlines())
    return "\n".join(out)


def _protocols_and_spreads(raw: Any) -> list[str]:
    """The catalog's ``protocols`` (agreement is reported per protocol) and ``published_spreads``
    (the SD and quantile convention of published per-item summaries), as lines."""
    out = []
    protocols = (raw or {}).get("protocols")
    if protocols:
        values = ", ".join(str(v["value"]) for v in protocols["values"])
        out.append(
            f"protocols     {protocols['column']}: {values} (agreement is reported per protocol; "
            "--pool-protocols adds the pooled figure)"
        )
    for entry in (raw or {}).get("published_spreads") or []:
        sd = "population SD" if entry["sd_ddof"] == 0 else "sample SD"
        out.append(
            f"spreads       {entry['file']}: {sd}, quantile method {entry['quantile_method']}; "
            f"computed from {entry['computed_from']}"
        )
    return out


def describe_stats(stats: dict[str, Any]) -> str:
    out = [
        f"{stats['dataset']} (version {stats['version']})",
        f"  tracks {stats['tracks']}, raters {stats['raters']} "
        f"({stats['raters_with_judgments']} with judgments), judgments {stats['judgments']}, "
        f"published label rows {stats['labels']}",
    ]
    jpr = stats.get("judgments_per_rater")
    if jpr:
        out.append(
            f"  judgments per rater: min {jpr['min']}, median {jpr['median']:g}, max {jpr['max']}"
        )
    if stats["dimensions"]:
        out.append(
            "  per dimension (judgments / tracks / raters / raters per track min-median-max):"
        )
        for name, d in stats["dimensions"].items():
            out.append(
                f"    {name:22s} {d['judgments']:>7d} {d['tracks']:>6d} {d['raters']:>6d}   "
                f"{d['raters_per_track_min']}-{d['raters_per_track_median']:g}-{d['raters_per_track_max']}"
            )
    if stats["label_rows_per_dimension"]:
        out.append("  published labels per dimension:")
        for name, n in stats["label_rows_per_dimension"].items():
            out.append(f"    {name:22s} {n:>7d}")
    out.append("  source rows read:")
    for file, n in stats["source_rows"].items():
        out.append(f"    {n:>8d}  {file}")
    out.append(f"  quirks ({stats['excluded_rows']} source rows excluded in total):")
    if not stats["quirks"]:
        out.append("    none")
    for q in stats["quirks"]:
        where = f" [{q['file']}]" if q.get("file") else ""
        out.append(f"    {q['effect']:8s} {q['count']:>7d}  {q['kind']}{where}: {q['reason']}")
    return "\n".join(out)
