"""Generate broken variants of each raw format from the committed fixtures (the valid base).

``python scripts/make_bad_inputs.py OUT [--dataset ID ...]`` writes, for every target file of
every fixture dataset (tests/fixtures/data/<id>/) and every variant below, a full copy of the
fixture with only that file broken, under ``OUT/<id>/<file slug>/<variant>/``, and a manifest
``OUT/manifest.json`` listing ``{dataset, file, variant, directory}``. Deterministic: no
randomness, so the reliability suite's expectation table stays valid.

Variants (why: each is a way real files arrive damaged or re-saved by other tools):
  empty             zero bytes (interrupted save)
  header-only       only the first line (an export with no rows)
  truncated         the first half of the bytes (cut transfer; truncated JSON)
  renamed-column    the first CSV header field / first JSON key renamed
  missing-column    the second CSV column / one JSON key removed everywhere
  wrong-types       numeric cells of the first data row (first JSON number) become text
  wrong-encoding    UTF-8 re-encoded as UTF-16-LE without BOM (UTF-16 files: as UTF-8)
  extra-column      one more column (JSON key) with a constant value
  duplicated-rows   the first data row (JSON record) repeated
  bom               a UTF-8 byte order mark prepended (a spreadsheet save)
  crlf              LF line ends turned into CRLF (CRLF files: into LF)
  nul-bytes         a NUL byte inside the first data row
  huge-line         a 5 MB single line appended (CSV) or a 5 MB string value (JSON)
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
FIXTURES = REPO_ROOT / "tests" / "fixtures" / "data"
GENERATORS = REPO_ROOT / "tests" / "fixtures" / "generators"
HUGE = 5 * 1024 * 1024


def targets() -> dict[str, tuple[str, ...]]:
    """Dataset id -> the files of its format that are broken (the ones its loader parses first
    and most), as each fixture generator declares them in its ``BAD_INPUTS``.

    Derived, not listed: ``tests/fixtures/generators/<module_name(id)>.py`` of every fixture
    under tests/fixtures/data, so a new dataset's generator brings its own bad inputs.
    """
    import importlib.util

    from mer_datasets.loaders import module_name

    found: dict[str, tuple[str, ...]] = {}
    for root in sorted(p for p in FIXTURES.iterdir() if p.is_dir()):
        path = GENERATORS / f"{module_name(root.name)}.py"
        if not path.is_file():
            continue
        spec = importlib.util.spec_from_file_location(f"_generator_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
        spec.loader.exec_module(module)  # type: ignore[union-attr]
        found[root.name] = tuple(getattr(module, "BAD_INPUTS", {}))
    return found


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding) of a fixture file: UTF-16 when it starts with a BOM, else UTF-8."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16"), "utf-16"
    return data.decode("utf-8-sig"), "utf-8"


def encode(text: str, encoding: str) -> bytes:
    return text.encode(encoding)


def delimiter(header: str) -> str:
    counts = {d: header.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def split_lines(text: str) -> tuple[list[str], str]:
    newline = "\r\n" if "\r\n" in text else "\n"
    return text.split(newline), newline


def _csv_edit(data: bytes, edit: Callable[[list[list[str]], str], list[list[str]]]) -> bytes:
    text, encoding = decode(data)
    lines, newline = split_lines(text)
    sep = delimiter(lines[0])
    rows = [line.split(sep) if line else [] for line in lines]
    rows = edit(rows, sep)
    return encode(newline.join(sep.join(row) for row in rows), encoding)


def _is_number(cell: str) -> bool:
    return bool(re.fullmatch(r"\s*-?\d+(\.\d+)?([eE][-+]?\d+)?\s*", cell))


def _json_edit(data: bytes, edit: Callable[[object], object]) -> bytes:
    document = json.loads(data.decode("utf-8-sig"))
    return json.dumps(edit(document), ensure_ascii=False).encode("utf-8")


def _records(document: object) -> list[dict]:
    """The list of dict records inside a JSON document (top-level list or first list value)."""
    if isinstance(document, list):
        return [r for r in document if isinstance(r, dict)]
    if isinstance(document, dict):
        for value in document.values():
            if isinstance(value, list) and value and isinstance(value[0], dict):
                return value
        return [document]
    return []


def _first_key(document: object) -> str | None:
    records = _records(document)
    return next(iter(records[0]), None) if records else None


def renamed_column(data: bytes, is_json: bool) -> bytes:
    if is_json:

        def rename(document: object) -> object:
            key = _first_key(document)
            for record in _records(document):
                if key in record:
                    record[f"{key}_renamed"] = record.pop(key)
            return document

        return _json_edit(data, rename)
    return _csv_edit(data, lambda rows, _: [[f"{rows[0][0]}_renamed", *rows[0][1:]], *rows[1:]])


def missing_column(data: bytes, is_json: bool) -> bytes:
    if is_json:

        def drop(document: object) -> object:
            records = _records(document)
            keys = list(records[0]) if records else []
            key = keys[1] if len(keys) > 1 else (keys[0] if keys else None)
            for record in records:
                record.pop(key, None)
            return document

        return _json_edit(data, drop)
    index = 1
    return _csv_edit(
        data, lambda rows, _: [row[:index] + row[index + 1 :] if row else row for row in rows]
    )


def wrong_types(data: bytes, is_json: bool) -> bytes:
    if is_json:

        def retype(document: object) -> object:
            def walk(node: object) -> bool:
                if isinstance(node, dict):
                    for key, value in node.items():
                        if isinstance(value, (int, float)) and not isinstance(value, bool):
                            node[key] = "not a number"
                            return True
                        if walk(value):
                            return True
                elif isinstance(node, list):
                    return any(walk(item) for item in node)
                return False

            walk(document)
            return document

        return _json_edit(data, retype)

    def retype_row(rows: list[list[str]], _: str) -> list[list[str]]:
        if len(rows) > 1:
            rows[1] = ["not a number" if _is_number(cell) else cell for cell in rows[1]]
        return rows

    return _csv_edit(data, retype_row)


def wrong_encoding(data: bytes, is_json: bool) -> bytes:
    text, encoding = decode(data)
    return text.encode("utf-8") if encoding == "utf-16" else text.encode("utf-16-le")


def extra_column(data: bytes, is_json: bool) -> bytes:
    if is_json:

        def add(document: object) -> object:
            for record in _records(document):
                record["extra_field"] = 1
            return document

        return _json_edit(data, add)
    return _csv_edit(
        data,
        lambda rows, _: [
            [*row, "extra_column" if i == 0 else "1"] if row else row for i, row in enumerate(rows)
        ],
    )


def duplicated_rows(data: bytes, is_json: bool) -> bytes:
    if is_json:

        def duplicate(document: object) -> object:
            records = _records(document)
            if records:
                records.insert(0, json.loads(json.dumps(records[0])))
            return document

        return _json_edit(data, duplicate)
    return _csv_edit(data, lambda rows, _: rows[:2] + rows[1:] if len(rows) > 1 else rows)


def bom(data: bytes, is_json: bool) -> bytes:
    text, encoding = decode(data)
    if encoding == "utf-16":
        return "\ufeff".encode("utf-8") + text.encode("utf-8")
    return b"\xef\xbb\xbf" + data.removeprefix(b"\xef\xbb\xbf")


def crlf(data: bytes, is_json: bool) -> bytes:
    text, encoding = decode(data)
    keep_bom = "\ufeff" if encoding == "utf-16" else ""
    if "\r\n" in text:
        changed = text.replace("\r\n", "\n")
    else:
        changed = text.replace("\n", "\r\n")
    prefix = b"\xef\xbb\xbf" if data.startswith(b"\xef\xbb\xbf") else b""
    return prefix + (keep_bom + changed).encode(encoding if encoding != "utf-16" else "utf-16")


def nul_bytes(data: bytes, is_json: bool) -> bytes:
    text, encoding = decode(data)
    lines, newline = split_lines(text)
    if len(lines) > 1 and lines[1]:
        middle = len(lines[1]) // 2
        lines[1] = lines[1][:middle] + "\x00" + lines[1][middle:]
    else:
        lines[0] = lines[0][: len(lines[0]) // 2] + "\x00" + lines[0][len(lines[0]) // 2 :]
    prefix = b"\xef\xbb\xbf" if data.startswith(b"\xef\xbb\xbf") else b""
    return prefix + newline.join(lines).encode(encoding)


def huge_line(data: bytes, is_json: bool) -> bytes:
    if is_json:

        def grow(document: object) -> object:
            records = _records(document)
            if records:
                records[0]["huge"] = "x" * HUGE
            return document

        return _json_edit(data, grow)
    text, encoding = decode(data)
    lines, newline = split_lines(text)
    trailing = lines and lines[-1] == ""
    body = [line for line in lines if line != ""] if trailing else lines
    body.append("9" * HUGE)
    return newline.join(body + ([""] if trailing else [])).encode(encoding)


def empty(data: bytes, is_json: bool) -> bytes:
    return b""


def header_only(data: bytes, is_json: bool) -> bytes:
    text, encoding = decode(data)
    lines, newline = split_lines(text)
    return (lines[0] + newline).encode(encoding)


def truncated(data: bytes, is_json: bool) -> bytes:
    return data[: len(data) // 2]


VARIANTS: dict[str, Callable[[bytes, bool], bytes]] = {
    "empty": empty,
    "header-only": header_only,
    "truncated": truncated,
    "renamed-column": renamed_column,
    "missing-column": missing_column,
    "wrong-types": wrong_types,
    "wrong-encoding": wrong_encoding,
    "extra-column": extra_column,
    "duplicated-rows": duplicated_rows,
    "bom": bom,
    "crlf": crlf,
    "nul-bytes": nul_bytes,
    "huge-line": huge_line,
}


def find(dataset_root: Path, member: str) -> Path | None:
    """A member at its path or under one extra top folder (as the loaders find it)."""
    if (dataset_root / member).is_file():
        return dataset_root / member
    for child in sorted(dataset_root.iterdir()):
        if child.is_dir() and (child / member).is_file():
            return child / member
    return None


def slug(member: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", member).strip("_")


def generate(out: Path, datasets: list[str] | None = None) -> list[dict[str, str]]:
    """Write every variant; return the manifest rows."""
    manifest = []
    for dataset_id, members in targets().items():
        root = FIXTURES / dataset_id
        if (datasets and dataset_id not in datasets) or not root.is_dir():
            continue
        for member in members:
            source = find(root, member)
            if source is None:
                continue
            data = source.read_bytes()
            is_json = source.suffix == ".json"
            for variant, make in VARIANTS.items():
                directory = out / dataset_id / slug(member) / variant
                shutil.copytree(root, directory)
                (directory / source.relative_to(root)).write_bytes(make(data, is_json))
                manifest.append(
                    {
                        "dataset": dataset_id,
                        "file": member,
                        "variant": variant,
                        "directory": str(directory.relative_to(out)),
                    }
                )
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    return manifest


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="output folder (created; must not exist)")
    parser.add_argument("--dataset", action="append", help="only this fixture (repeatable)")
    args = parser.parse_args()
    args.out.mkdir(parents=True)
    rows = generate(args.out, args.dataset)
    print(f"{len(rows)} broken variants written under {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
