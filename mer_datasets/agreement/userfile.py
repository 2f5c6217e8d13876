"""A researcher's own annotation file as the long annotations table of the agreement report.

Why strict: a user's file is the one input no loader has seen before, and a silent guess (a
number parsed out of an id, a text cell turning a rating scale into labels, dates sorted as
text) changes a reported agreement without anyone noticing. So every cell is read as written
and every doubt is a :class:`~mer_datasets.errors.UserFileError` naming the file, the line or
row and the column, with what to pass to resolve it. The rules (docs/guide/your-own-data.md):

* **Ids are text.** Item, rater and dimension ids keep every character: ``1``, ``01`` and
  ``001`` are three items (integers in Parquet/JSON become their exact digits).
* **Values are numbers, or all labels.** Per dimension, the value column is numeric when every
  non-missing cell is a number, labels (nominal) when no cell is; a mix is an error naming the
  first text cell, unless ``--na`` declares it missing or ``--level nominal`` asks for labels.
  ``inf``/``nan`` are refused. Empty cells are missing; other missing markers must be declared.
* **Timestamps are ISO 8601** unless ``--time-format`` gives a strptime format; a day/month order
  is never guessed.
* **A column name means one thing.** ``--item song`` while a ``track_id`` column also exists (or
  ``--value score`` beside a ``value`` column) is refused: the report and ``--where``/``--by``
  would otherwise see two different columns under one name.
"""

from __future__ import annotations

import difflib
import math
import os
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import UserFileError
from .userfile_formats import (
    DELIMITERS,
    FILE_SUFFIXES,
    RawTable,
    parse_delimiter,
    read_raw,
    split_header,
)

if TYPE_CHECKING:  # pragma: no cover
    import argparse

    import pandas as pd

#: (role, option, canonical column of the annotations table)
ROLES: tuple[tuple[str, str, str], ...] = (
    ("item", "--item", "track_id"),
    ("rater", "--rater", "rater_id"),
    ("dimension", "--dimension-column", "dimension"),
    ("value", "--value", "value"),
    ("label", "--label", "label"),
)
NUMERIC_LEVELS = ("ordinal", "interval", "ratio")


@dataclass(frozen=True)
class Columns:
    """The file's column for each role (``--item``, ``--rater``, ...)."""

    item: str = "track_id"
    rater: str = "rater_id"
    dimension: str = "dimension"
    value: str = "value"
    label: str = "label"


@dataclass(frozen=True)
class ReadOptions:
    """How to read: ``encoding`` (None: UTF-8 or BOM-marked UTF-16), ``delimiter`` (None: sniff),
    ``na`` (text cells that mean missing, besides an empty cell), ``time_format`` (strptime
    format of the ``timestamp`` column; None: ISO 8601), ``level`` (the ``--level`` asked for)."""

    encoding: str | None = None
    delimiter: str | None = None
    na: tuple[str, ...] = ()
    time_format: str | None = None
    level: str | None = None


def add_file_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of reading a file (``agreement FILE``), next to ``--item``/``--rater``/..."""
    parser.add_argument(
        "--encoding",
        metavar="NAME",
        help="file input: text encoding (default: UTF-8, or UTF-16 with a BOM; e.g. latin-1)",
    )
    parser.add_argument(
        "--delimiter",
        metavar="C",
        help="file input: field delimiter (default: sniffed from the header; 'tab' for tabs)",
    )
    parser.add_argument(
        "--na",
        action="append",
        default=[],
        metavar="TEXT",
        help="file input: a cell text that means missing, e.g. NA (repeatable; empty is missing)",
    )
    parser.add_argument(
        "--time-format",
        metavar="FMT",
        help="file input: strptime format of the timestamp column (default: ISO 8601)",
    )


def looks_like_path(target: str) -> bool:
    """Whether an ``agreement`` argument names a file rather than a dataset id.

    A known file suffix or a path separator makes it a file (so a missing ``x.csv`` or a folder
    ``dir.csv`` gets a file error, not "unknown dataset"); so does an existing regular file.
    A bare name that is a folder stays a dataset id (``deam`` may be where its files were
    unpacked); write ``./deam`` to mean the folder.
    """
    separators = {os.sep, "/"} | ({os.altsep} if os.altsep else set())
    path = Path(target)
    return (
        path.suffix.lower() in FILE_SUFFIXES
        or any(separator in target for separator in separators)
        or path.is_file()
    )


def check_path(path: Path) -> None:
    """A readable regular file, or an error saying what is there instead."""
    name = str(path)
    if not path.exists():
        hint = ""
        if path.parent.is_dir():
            close = difflib.get_close_matches(path.name, [p.name for p in path.parent.iterdir()], 3)
            hint = f"; similar names there: {', '.join(close)}" if close else ""
        raise UserFileError(f"no such file{hint}", file=name)
    if path.is_dir():
        raise UserFileError(
            "is a directory; expected an annotation file (CSV, TSV, JSON lines, Parquet, .xlsx)",
            file=name,
        )
    if not path.is_file():
        raise UserFileError("is not a regular file", file=name)
    if not os.access(path, os.R_OK):
        raise UserFileError("cannot be read (permission denied)", file=name)


def options_from_args(args: argparse.Namespace) -> tuple[Columns, ReadOptions]:
    """The :class:`Columns` and :class:`ReadOptions` of parsed ``agreement`` arguments."""
    columns = Columns(
        item=args.item,
        rater=args.rater,
        dimension=args.dimension_column,
        value=args.value,
        label=args.label,
    )
    delimiter = getattr(args, "delimiter", None)
    options = ReadOptions(
        encoding=getattr(args, "encoding", None),
        delimiter=parse_delimiter(delimiter) if delimiter else None,
        na=tuple(getattr(args, "na", None) or ()),
        time_format=getattr(args, "time_format", None),
        level=_reading_level(getattr(args, "level", None)),
    )
    return columns, options


def _reading_level(options: list[str] | str | None) -> str | None:
    """The ``--level`` that decides how a file's cells are read: the last one given for every
    dimension (``--level nominal``); ``DIM=LEVEL`` options apply after reading."""
    if isinstance(options, str):
        return options
    every = [option for option in options or [] if "=" not in option]
    return every[-1] if every else None


def read_annotations(
    path: str | Path, columns: Columns | None = None, options: ReadOptions | None = None
) -> tuple[pd.DataFrame, dict[str, str]]:
    """The long annotations of a user's file and the default level of each dimension.

    The frame has ``track_id``, ``rater_id``, ``dimension`` (strings), ``value`` (float64) and/or
    ``label`` (strings), ``timestamp`` (UTC) when the file has one, and every other column of the
    file (numbers when every cell is one, else text) for ``--where`` and ``--by``.
    """
    path = Path(path)
    columns, options = columns or Columns(), options or ReadOptions()
    check_path(path)
    try:
        raw = read_raw(path, encoding=options.encoding, delimiter=options.delimiter)
    except OSError as exc:
        raise UserFileError(f"cannot be read: {exc.strerror or exc}", file=str(path)) from None
    return annotations_from_raw(raw, columns, options)


def annotations_from_raw(
    raw: RawTable, columns: Columns, options: ReadOptions
) -> tuple[pd.DataFrame, dict[str, str]]:
    """The annotations table of :func:`read_annotations` from cells already read."""
    import pandas as pd

    chosen = _choose_columns(raw, columns, options)
    na = set(options.na)
    data: dict[str, Any] = {}
    for role, canonical in (
        ("item", "track_id"),
        ("rater", "rater_id"),
        ("dimension", "dimension"),
    ):
        if role in chosen:
            data[canonical] = _ids(raw, chosen[role], na)
    if "dimension" not in data:
        data["dimension"] = ["value"] * raw.n_rows
    value, label = _values(raw, chosen, na, options.level, data["dimension"])
    if value is not None:
        data["value"] = value
    if label is not None:
        data["label"] = label
    frame = pd.DataFrame({name: pd.Series(cells, dtype="string") for name, cells in data.items()
                          if name not in ("value",)})  # fmt: skip
    if value is not None:
        frame["value"] = pd.Series(value, dtype="float64")
    if "timestamp" in raw.columns:
        frame["timestamp"] = _timestamps(raw, na, options.time_format)
    elif options.time_format:
        raise raw.error("--time-format was given but the file has no 'timestamp' column")
    used = set(chosen.values()) | {"timestamp"}
    for column in raw.columns:
        if column not in used:
            frame[column] = _extra_column(raw.cells[column], na)
    levels = {}
    for dimension in dict.fromkeys(data["dimension"]):
        rows = frame["dimension"] == dimension
        numeric = "value" in frame and frame.loc[rows, "value"].notna().any()
        levels[str(dimension)] = "interval" if numeric else "nominal"
    return frame, levels


# -- columns --------------------------------------------------------------------------------


def _choose_columns(raw: RawTable, columns: Columns, options: ReadOptions) -> dict[str, str]:
    """role -> file column, after the checks: required present, no two roles on one column,
    no other column under a canonical name."""
    present = set(raw.columns)
    wanted = {role: getattr(columns, role) for role, _, _ in ROLES}
    missing = [
        f"{option} {wanted[role]!r}" for role, option, _ in ROLES[:2] if wanted[role] not in present
    ]
    defaults = Columns()
    for role, option, _ in ROLES[3:]:
        if wanted[role] != getattr(defaults, role) and wanted[role] not in present:
            missing.append(f"{option} {wanted[role]!r}")
    if missing:
        raise raw.error(
            _missing_message(raw, missing, [wanted[r] for r in ("item", "rater", "value")])
        )
    chosen = {role: name for role, name in wanted.items() if name in present}
    if "value" not in chosen and "label" not in chosen:
        raise raw.error(
            f"no value column: neither {columns.value!r} (--value) nor {columns.label!r} (--label) "
            f"is among the columns ({', '.join(raw.columns)})"
        )
    if "value" in chosen and "label" in chosen and chosen["value"] == chosen["label"]:
        del chosen["label"]
    by_column: dict[str, str] = {}
    options_of = {role: option for role, option, _ in ROLES}
    for role, name in chosen.items():
        if name in by_column:
            raise raw.error(
                f"{options_of[by_column[name]]} and {options_of[role]} name the same column "
                f"{name!r}; each role needs its own column",
                column=name,
            )
        by_column[name] = role
    for role, option, canonical in ROLES:
        name = chosen.get(role)
        renamed_away = canonical in chosen.values()  # e.g. --label value: 'value' becomes 'label'
        if name is not None and name != canonical and canonical in present and not renamed_away:
            raise raw.error(
                f"{option} {name} would be read as {canonical!r}, but the file also has a column "
                f"{canonical!r}: rename or drop one of them in the file, or pass "
                f"{option} {canonical} to use that one",
                column=canonical,
            )
    return chosen


def _missing_message(raw: RawTable, missing: list[str], wanted: list[str]) -> str:
    message = f"column(s) not found: {', '.join(missing)}; the columns are {', '.join(map(repr, raw.columns))}"
    for name in wanted:
        close = difflib.get_close_matches(name, raw.columns, 2)
        if close and name not in raw.columns:
            message += f"; for {name!r}, did you mean {' or '.join(map(repr, close))}?"
    if raw.header is not None and raw.delimiter is not None:
        for delimiter in DELIMITERS:
            if delimiter == raw.delimiter:
                continue
            names = split_header(raw.header, delimiter)
            if len(names) > 1 and any(n in names for n in wanted):
                shown = "tab" if delimiter == "\t" else delimiter
                message += (
                    f"; the header splits into {names} at {shown!r}: pass --delimiter {shown!r}"
                )
                break
    return message + " (use --item/--rater/--value to name yours)"


# -- cells ----------------------------------------------------------------------------------


def _text(cell: Any, na: set[str]) -> str | None:
    """A cell as text (None: missing). Integers keep their digits, floats their shortest repr."""
    if cell is None:
        return None
    if isinstance(cell, str):
        text = cell.strip()
        return None if text == "" or text in na else text
    if isinstance(cell, float) and math.isnan(cell):
        return "nan" if "nan" not in na else None  # a stored NaN is a value; refused if a number
    if isinstance(cell, bool):
        return "true" if cell else "false"
    if isinstance(cell, (datetime, date)):
        return cell.isoformat()
    return str(cell)


def _texts(cells: list[Any], na: set[str]) -> list[str | None]:
    """:func:`_text` of every cell (a comprehension without calls when every cell is text)."""
    if all(type(cell) is str for cell in cells):
        return [text if (text := cell.strip()) and text not in na else None for cell in cells]
    return [_text(cell, na) for cell in cells]


def _ids(raw: RawTable, column: str, na: set[str]) -> list[str]:
    texts = _texts(raw.cells[column], na)
    if None in texts:
        raise raw.error("empty id; every judgment needs an item, a rater (and a dimension)",
                        texts.index(None), column)  # fmt: skip
    return texts  # type: ignore[return-value]


def _numbers(cells: list[Any], texts: list[str | None]) -> list[float | None]:
    """:func:`_number` of every present cell (None where missing or not a number).

    pandas parses the text cells in one call; :func:`_number` decides the cells it did not read
    as finite numbers (``inf``, ``1e400``, labels), so both paths give float()'s answer.
    """
    import numpy as np
    import pandas as pd

    if not all(type(cell) is str for cell in cells):
        return [None if t is None else _number(c if not isinstance(c, str) else t)
                for c, t in zip(cells, texts)]  # fmt: skip
    parsed = pd.to_numeric(pd.Series(texts, dtype=object), errors="coerce").astype("float64")
    values = parsed.to_numpy()
    out: list[float | None] = values.tolist()
    for index in np.flatnonzero(~np.isfinite(values)).tolist():
        text = texts[index]
        out[index] = None if text is None else _number(text)
    for index, text in enumerate(texts):
        if text is not None and "_" in text:  # float("1_0") is 10, to_numeric's may differ
            out[index] = None
    return out


def _number(cell: Any) -> float | None:
    """The number in a cell (None: not a number). Text as Python's float() reads it."""
    if isinstance(cell, bool):
        return None
    if isinstance(cell, (int, float)):
        return float(cell)
    try:
        return float(str(cell).replace("_", "#"))  # float() accepts 1_0; a file means text
    except (ValueError, OverflowError):
        return None


def _values(
    raw: RawTable, chosen: dict[str, str], na: set[str], level: str | None, dimensions: list[str]
) -> tuple[Any, list[str | None] | None]:
    """The numeric ``value`` and the ``label`` columns, decided per dimension (module docstring)."""
    import numpy as np

    from .judgments import MAX_MAGNITUDE

    label_cells = None
    if "label" in chosen:
        label_cells = _texts(raw.cells[chosen["label"]], na)
    if "value" not in chosen:
        if level in NUMERIC_LEVELS:
            _require_numbers(raw, chosen["label"], label_cells, level)
        return None, label_cells
    column = chosen["value"]
    texts = _texts(raw.cells[column], na)
    numbers = _numbers(raw.cells[column], texts)
    present = np.array([text is not None for text in texts], dtype=bool)
    x = np.array([np.nan if n is None else n for n in numbers], dtype=np.float64)
    is_number = present & np.array([n is not None for n in numbers], dtype=bool)
    with np.errstate(invalid="ignore"):
        unworkable = np.flatnonzero(is_number & ~(np.abs(x) <= MAX_MAGNITUDE))
    if unworkable.size:
        index, text = int(unworkable[0]), texts[int(unworkable[0])]
        if np.isfinite(x[index]):
            raise raw.error(
                f"{text!r} exceeds {MAX_MAGNITUDE:g} in size: squares of such values overflow; "
                "rescale the values",
                index,
                column,
            )
        raise raw.error(
            f"{text!r} is not a finite number; agreement needs finite values (declare it "
            f"missing with --na {text!r} if it means missing)",
            index,
            column,
        )
    is_text = present & ~is_number
    dimension_array = np.asarray(dimensions, dtype=object)
    kinds: dict[str, list[int]] = {}  # dimension -> [numbers, texts] counts
    first_text: dict[str, int] = {}
    first_number: dict[str, int] = {}
    for dimension in dict.fromkeys(dimensions):
        rows = dimension_array == dimension
        numbers_here, texts_here = np.flatnonzero(rows & is_number), np.flatnonzero(rows & is_text)
        kinds[dimension] = [numbers_here.size, texts_here.size]
        if texts_here.size:
            first_text[dimension] = int(texts_here[0])
        if numbers_here.size:
            first_number[dimension] = int(numbers_here[0])
    label_dimensions = set()
    for dimension, (n_numbers, n_texts) in kinds.items():
        if n_texts == 0:
            continue
        if level == "nominal":
            label_dimensions.add(dimension)  # asked for labels: every value of it is one
            continue
        index = first_text[dimension]
        if n_numbers == 0 and level not in NUMERIC_LEVELS:
            label_dimensions.add(dimension)  # a column of labels: nominal, as the report says
            continue
        where = f"dimension {dimension!r}: " if "dimension" in chosen else ""
        if n_numbers == 0:
            raise raw.error(
                f"{where}{texts[index]!r} is not a number, and --level {level} needs numbers "
                "(these values look like labels: use --level nominal)",
                index,
                column,
            )
        example = texts[first_number[dimension]]
        raise raw.error(
            f"{where}{texts[index]!r} is not a number, but {n_numbers} other value(s) are (e.g. "
            f"{example!r}); the level is not switched to labels silently: declare missing markers "
            f"with --na {texts[index]!r}, or pass --level nominal to read every value as a label",
            index,
            column,
        )
    if not label_dimensions:
        return x, label_cells
    if label_cells is not None:
        raise raw.error(
            f"column {column!r} holds labels and a label column {chosen['label']!r} exists too; "
            "name one of them (--value or --label)",
            column=column,
        )
    is_label = np.isin(dimension_array, list(label_dimensions))
    value = np.where(is_label, np.nan, x)
    labels = [t if label else None for t, label in zip(texts, is_label.tolist())]
    return (None if np.isnan(value).all() else value), labels


def _require_numbers(
    raw: RawTable, column: str, cells: list[str | None] | None, level: str
) -> None:
    for index, text in enumerate(cells or []):
        if text is not None and _number(text) is None:
            raise raw.error(f"{text!r} is not a number, and --level {level} needs numbers",
                            index, column)  # fmt: skip


def _timestamps(raw: RawTable, na: set[str], time_format: str | None) -> pd.Series:
    """The ``timestamp`` column as UTC datetimes; ISO 8601 or ``time_format``, never guessed."""
    import pandas as pd

    parsed: list[Any] = []
    for index, cell in enumerate(raw.cells["timestamp"]):
        if isinstance(cell, datetime):
            stamp = pd.Timestamp(cell)
        else:
            text = _text(cell, na)
            if text is None:
                parsed.append(pd.NaT)
                continue
            stamp = _parse_time(text, time_format)
            if stamp is None:
                raise raw.error(_time_message(text, time_format), index, "timestamp")
        parsed.append(stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC"))
    return pd.Series(
        pd.DatetimeIndex(parsed, tz="UTC") if parsed else [], dtype="datetime64[ns, UTC]"
    )


def _parse_time(text: str, time_format: str | None) -> Any:
    import pandas as pd

    try:
        if time_format:
            return pd.Timestamp(datetime.strptime(text, time_format))
        return pd.Timestamp(datetime.fromisoformat(text.replace("Z", "+00:00")))
    except (ValueError, OverflowError):
        return None


def _time_message(text: str, time_format: str | None) -> str:
    if time_format:
        return f"{text!r} does not match --time-format {time_format!r}"
    message = f"{text!r} is not an ISO 8601 timestamp (e.g. 2020-09-01 or 2020-09-01T14:30:00)"
    parts = text.replace("-", "/").replace(".", "/").split()[0].split("/")
    if len(parts) == 3 and all(p.isdigit() for p in parts):
        a, b = parts[0], parts[1]
        message += (
            f"; in {text!r} the order of day and month is ambiguous ({a}/{b} is month {a} day {b} "
            f"or day {a} month {b}), so it is not guessed: pass --time-format, e.g. "
            "--time-format '%m/%d/%Y' or --time-format '%d/%m/%Y'"
        )
    else:
        message += "; pass --time-format with its strptime format, e.g. '%d %b %Y %H:%M'"
    return message


def _extra_column(cells: list[Any], na: set[str]) -> pd.Series:
    """Another column for ``--where``/``--by``: numbers when every cell is one, else text."""
    import pandas as pd

    texts = _texts(cells, na)
    numbers = _numbers(cells, texts)
    if any(t is not None for t in texts) and all(
        t is None or (n is not None and math.isfinite(n)) for t, n in zip(texts, numbers)
    ):
        return pd.Series([math.nan if n is None else n for n in numbers], dtype="float64")
    return pd.Series(texts, dtype="string")
