"""Croissant 1.0 JSON-LD metadata (MLCommons) with the Responsible-AI (``rai:``) vocabulary.

Why: Croissant is the metadata format ML tooling reads (loaders, search engines, the Hugging
Face Hub); its RAI vocabulary has exactly the annotator questions our datasheets answer. The
four tables are written next to the JSON as Parquet (or CSV) FileObjects with sha256, and one
RecordSet per table has one Field per column, so ``mlcroissant.Dataset(jsonld=path)`` can read
the records back.

References: Croissant format specification 1.0 (https://docs.mlcommons.org/croissant/docs/
croissant-spec.html) and the Croissant RAI specification 1.0 (https://docs.mlcommons.org/
croissant/docs/croissant-rai-spec.html). The ``@context`` is the standard 1.0 context.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from ..dataset import MERDataset

CONFORMS_TO = "http://mlcommons.org/croissant/1.0"
TABLES = ("tracks", "raters", "annotations", "labels")
ENCODINGS = {"parquet": "application/x-parquet", "csv": "text/csv"}

TABLE_DESCRIPTIONS = {
    "tracks": "One row per track (music excerpt): the dataset's own id and metadata.",
    "raters": "One row per rater (listener) with the attributes the release holds about them.",
    "annotations": "One row per single judgment of one rater on one track and dimension, raw values on the source scale.",
    "labels": "The published ground truth as published (per-track statistics such as mean or label).",
}


def croissant_context() -> dict[str, Any]:
    """The standard Croissant 1.0 JSON-LD ``@context`` (``croissant_context.json``)."""
    with Path(__file__).with_name("croissant_context.json").open(encoding="utf-8") as handle:
        return json.load(handle)


def _data_type(series: pd.Series) -> str:
    import pandas as pd

    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "sc:Boolean"
    if isinstance(dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(dtype):
        return "sc:Date"
    if pd.api.types.is_integer_dtype(dtype):
        return "sc:Integer"
    if pd.api.types.is_float_dtype(dtype):
        return "sc:Float"
    return "sc:Text"


def _field_id(table: str, column: str) -> str:
    return f"{table}/" + re.sub(r"[^A-Za-z0-9_.-]+", "_", column)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _portable(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns every Croissant reader handles: timestamps as ISO 8601 text, lists as text."""
    import pandas as pd

    out = {}
    for column in frame.columns:
        series = frame[column]
        if isinstance(series.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(
            series.dtype
        ):
            text = series.dt.strftime("%Y-%m-%dT%H:%M:%S%z")
            out[column] = text.astype("string")
        elif isinstance(series.dtype, pd.CategoricalDtype):
            out[column] = series.astype("string")
        elif series.dtype == object:
            out[column] = series.map(
                lambda v: v if v is None or isinstance(v, str) else str(v)
            ).astype("string")
        else:
            out[column] = series
    return pd.DataFrame(out)


def write_tables(
    dataset: MERDataset, directory: Path, fmt: str
) -> dict[str, tuple[Path, pd.DataFrame]]:
    """The four tables in ``directory`` as ``<table>.<fmt>``, in the types the metadata declares."""
    import pyarrow.parquet as pq

    from ..export import arrow_table

    directory.mkdir(parents=True, exist_ok=True)
    written = {}
    for name in TABLES:
        frame = _portable(getattr(dataset, name))
        path = directory / f"{name}.{fmt}"
        if fmt == "parquet":
            # typed even when empty: an empty categorical would be Arrow's null type
            pq.write_table(arrow_table(frame), path)
        else:
            frame.to_csv(path, index=False)
        written[name] = (path, frame)
    return written


def _text(answer: Any) -> str | None:
    if isinstance(answer, Mapping) and answer.get("answer"):
        return " ".join(str(answer["answer"]).split())
    return None


def rai_properties(sheet: Mapping[str, Any]) -> dict[str, Any]:
    """The ``rai:`` properties that apply, from the curated answers and the generated numbers."""
    curated = sheet.get("curated") or {}
    annotators = curated.get("annotators") or {}
    collection = curated.get("collection_process") or {}
    composition = curated.get("composition") or {}
    uses = curated.get("uses") or {}
    ethics = curated.get("ethics") or {}
    preprocessing = curated.get("preprocessing_cleaning_labeling") or {}
    generated = sheet.get("generated") or {}
    rai: dict[str, Any] = {}

    def put(key: str, *texts: str | None, many: bool = False) -> None:
        kept = [t for t in texts if t]
        if kept:
            rai[key] = kept if many else " ".join(kept)

    put(
        "rai:dataCollection",
        _text(collection.get("acquisition")),
        _text(collection.get("mechanisms")),
    )
    put("rai:dataCollectionType", *(annotators.get("types") or []), many=True)
    put("rai:dataCollectionMissingData", _text(composition.get("missing_information")))
    put("rai:dataPreprocessingProtocol", _text(preprocessing.get("preprocessing")), many=True)
    put(
        "rai:dataAnnotationProtocol",
        _text(annotators.get("instructions")),
        _text(annotators.get("adjudication_policy")),
        many=True,
    )
    put("rai:dataAnnotationPlatform", _text(annotators.get("platform")), many=True)

    per_track = (generated.get("judgments_distribution") or {}).get("raters_per_track")
    measured = None
    if per_track:
        measured = (
            f"Measured by mer-datasets: {per_track['min']:g} to {per_track['max']:g} raters per "
            f"track (median {per_track['median']:g}, mean {per_track['mean']:.2f})."
        )
    put("rai:annotationsPerItem", _text(annotators.get("annotations_per_item")), measured)

    demographics = [_text(annotators.get("demographics_collected"))]
    for attr in generated.get("rater_attributes") or []:
        if attr["kind"] == "categorical":
            top = ", ".join(f"{c['value']} {c['count']}" for c in attr["counts"][:8])
            demographics.append(f"{attr['column']} (raters): {top}.")
        elif attr.get("summary"):
            s = attr["summary"]
            demographics.append(
                f"{attr['column']}: {s['min']:g} to {s['max']:g}, median {s['median']:g}."
            )
    put("rai:annotatorDemographics", *demographics, many=True)

    analysis = []
    agreement = generated.get("agreement")
    if agreement:
        for record in agreement["overall"]:
            if record.get("value") is None:
                continue
            ci = ""
            if record.get("ci_low") is not None and record.get("ci_high") is not None:
                ci = f" [{record['ci_low']:.3f}, {record['ci_high']:.3f}]"
            analysis.append(
                f"{record['metric']} ({record.get('level')}) for {record['dimension']}: "
                f"{record['value']:.3f}{ci} over {record.get('n_items')} items, "
                f"{record.get('n_raters')} raters (mer-datasets agreement report, "
                f"bootstrap {agreement['bootstrap']}, seed {agreement['seed']})."
            )
    put("rai:dataAnnotationAnalysis", *analysis, many=True)
    put(
        "rai:dataLimitations",
        _text(composition.get("errors_noise_redundancy")),
        _text(uses.get("unsuitable_tasks")),
        many=True,
    )
    put("rai:dataBiases", _text(collection.get("sampling_strategy")), many=True)
    put(
        "rai:dataUseCases", _text(uses.get("prior_uses")), _text(uses.get("other_tasks")), many=True
    )
    put(
        "rai:dataSocialImpact",
        _text(uses.get("future_use_risks")),
        _text(ethics.get("prohibited_uses")),
    )
    put(
        "rai:personalSensitiveInformation",
        _text(ethics.get("listener_data")),
        _text(composition.get("sensitive_data")),
        many=True,
    )
    put("rai:dataReleaseMaintenancePlan", _text((curated.get("maintenance") or {}).get("updates")))
    return rai


def croissant_document(
    sheet: Mapping[str, Any],
    tables: Mapping[str, tuple[Path, pd.DataFrame]],
    relative_to: Path,
    fmt: str,
) -> dict[str, Any]:
    """The JSON-LD document: dataset metadata, RAI properties, FileObjects and RecordSets."""
    cat = sheet["catalog"]
    distribution = []
    record_sets = []
    for name, (path, frame) in tables.items():
        file_id = f"{name}-file"
        distribution.append(
            {
                "@type": "cr:FileObject",
                "@id": file_id,
                "name": path.name,
                "description": TABLE_DESCRIPTIONS[name],
                "contentUrl": path.relative_to(relative_to).as_posix(),
                "encodingFormat": ENCODINGS[fmt],
                "sha256": _sha256(path),
                "contentSize": f"{path.stat().st_size} B",
            }
        )
        record_sets.append(
            {
                "@type": "cr:RecordSet",
                "@id": name,
                "name": name,
                "description": TABLE_DESCRIPTIONS[name],
                "field": [
                    {
                        "@type": "cr:Field",
                        "@id": _field_id(name, str(column)),
                        "name": str(column),
                        "description": f"Column {column} of the {name} table.",
                        "dataType": _data_type(frame[column]),
                        "source": {
                            "fileObject": {"@id": file_id},
                            "extract": {"column": str(column)},
                        },
                    }
                    for column in frame.columns
                ],
            }
        )
    description = " ".join(str(cat["description"]).split())
    if not sheet["data"]["available"]:
        description += (
            " (This metadata was generated without the data: no tables are described. "
            f"{sheet['data']['how_to_get']})"
        )
    document: dict[str, Any] = {
        "@context": croissant_context(),
        "@type": "sc:Dataset",
        "name": sheet["id"],
        "alternateName": sheet["name"],
        "description": description,
        "conformsTo": CONFORMS_TO,
        "url": cat["homepage"],
        "license": cat["license"],
        "citeAs": cat["citation"].strip(),
        "version": _semver(str(sheet["version"])),
        "keywords": [
            "music emotion recognition",
            cat["taxonomy"],
            cat["perspective"],
            cat["temporal"],
        ],
        "isAccessibleForFree": cat["access"] in ("open", "manual", "embedded"),
        "distribution": distribution,
        "recordSet": record_sets,
    }
    if cat.get("year"):
        document["datePublished"] = f"{cat['year']}-01-01"
    document.update(rai_properties(sheet))
    return document


def _semver(version: str) -> str:
    """Croissant recommends MAJOR.MINOR.PATCH; dated versions ``2024-09-20`` become ``2024.9.20``."""
    match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", version)
    if match:
        return ".".join(str(int(part)) for part in match.groups())
    if re.fullmatch(r"\d+\.\d+\.\d+", version):
        return version
    numbers = re.findall(r"\d+", version)
    return ".".join((numbers + ["0", "0", "0"])[:3])


def write_croissant(
    sheet: Mapping[str, Any],
    dataset: MERDataset | None,
    path: str | Path,
    *,
    fmt: str = "parquet",
    force: bool = False,
) -> Path:
    """Write ``path`` (JSON-LD) and, with data, the four tables in ``<path stem>-tables/``.

    ``path`` may be an existing folder: the file is then ``<folder>/<id>-croissant.json``. Both
    outputs are published together or not at all (:mod:`.outputs`); an existing file or tables
    folder is refused with :class:`~.outputs.OutputExistsError` unless ``force``.
    """
    from .outputs import staged_outputs

    if fmt not in ENCODINGS:
        raise ValueError(f"table format must be one of {sorted(ENCODINGS)}, not {fmt!r}")
    path = Path(path)
    if path.is_dir():
        path = path / f"{sheet['id']}-croissant.json"
    tables_name = f"{path.stem}-tables"
    with staged_outputs(path.parent, [path.name, tables_name], force=force) as staging:
        tables = {}
        if dataset is not None:
            tables = write_tables(dataset, staging / tables_name, fmt)
        document = croissant_document(sheet, tables, staging, fmt)
        (staging / path.name).write_text(
            json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
    return path
