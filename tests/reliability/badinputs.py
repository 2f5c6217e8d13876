"""Classify the outcome of loading one broken variant (used by test_bad_inputs and its figures).

Outcome codes: ``E`` clear error (a MERDatasetsError naming the dataset, the file and a line or
field), ``S`` same tables as the valid base (a harmless variation: BOM, line ends...), ``R``
loaded and the difference shows in the quirks report (a quirk or a changed source-row count),
``D`` loaded and the tables differ only as the changed data says (e.g. one time column fewer, an
extra column kept); ``e`` an unclear MERDatasetsError; ``X`` any other exception (a bug).
"""

from __future__ import annotations

import warnings
from pathlib import Path, PurePosixPath
from typing import Any

from tests.reliability import harness

CODES = {
    "E": "clear error",
    "S": "same tables",
    "R": "loaded, reported in quirks",
    "D": "loaded as the data says",
    "e": "unclear error",
    "X": "crash (not a MERDatasetsError)",
}


def load(dataset_id: str, directory: Path) -> tuple[Any, Any]:
    """load_from_directory + validation, as load_dataset would run them (no checksums)."""
    from mer_datasets.catalog import default_catalog
    from mer_datasets.pipeline import load_from_directory
    from mer_datasets.validate import validate_tables

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tables, quirks = load_from_directory(dataset_id, directory)
    validate_tables(tables, default_catalog().get(dataset_id))
    return tables, quirks


def digest(tables: Any) -> dict[str, str]:
    """Table digest without ``audio_path`` (an absolute path that depends on the folder)."""
    from mer_datasets.tables import TABLE_NAMES, Tables

    trimmed = Tables(
        **{
            name: getattr(tables, name).drop(columns=["audio_path"], errors="ignore")
            for name in TABLE_NAMES
        }
    )
    return harness.table_digest(trimmed)


def report_of(quirks: Any) -> tuple[Any, Any]:
    return quirks.to_records(), dict(quirks.source_row_counts)


def classify(
    dataset_id: str, member: str, directory: Path, base: tuple[Any, Any]
) -> tuple[str, str]:
    """(code, detail) of loading ``directory`` against the base (digest, report)."""
    from mer_datasets.errors import MERDatasetsError, ParseError

    try:
        tables, quirks = load(dataset_id, directory)
    except MERDatasetsError as error:
        message = str(error)
        names_file = PurePosixPath(member).name in message or member in message
        names_place = (
            (isinstance(error, ParseError) and (error.line is not None or error.field))
            or " line " in message
            or "field" in message
            or "column" in message
            or "utf" in message.lower()  # a decoding failure has no line: it names the encoding
        )
        clear = dataset_id in message and names_file and names_place
        return ("E" if clear else "e"), f"{type(error).__name__}: {message[:300]}"
    except Exception as error:  # noqa: BLE001 - the point is to catch what must not escape
        return "X", f"{type(error).__name__}: {str(error)[:300]}"
    if digest(tables) == base[0]:
        return ("S" if report_of(quirks) == base[1] else "R"), ""
    if report_of(quirks) != base[1]:
        return "R", ""
    return "D", ""
