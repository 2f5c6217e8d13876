"""Safe paths from catalog strings: the one place a catalog string is checked before it becomes
a path.

Why a bottom module: a catalog is data, and a user may pass their own (``--catalog``). Every
catalog string that becomes a path (dataset id, version, remote file name, member path) goes
through :func:`safe_join`, which joins only segments that match a safe pattern: no absolute path,
no ``.`` or ``..`` segment, no empty segment, no NUL, separator or control character. The catalog
(validation, at parse time) and the download layer (at use) both run these very functions, so a
catalog that validates never fails at use and one that would write outside the data home never
validates; living below both keeps imports one way.
"""

from __future__ import annotations

import re
from pathlib import Path

from .errors import UnsafePathError

#: one path segment: no separator, no control character, none of the characters Windows forbids
SEGMENT_PATTERN = re.compile(r'[^/\\\x00-\x1f\x7f:*?"<>|]{1,255}')
#: a version id (also a folder name): letters, digits, ``.``, ``_``, ``-``; starts alphanumeric
VERSION_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
#: a dataset id, as the schema states it
DATASET_ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
MAX_PATH_CHARS = 1024


def path_problem(path: object, *, what: str = "member path") -> str | None:
    """Why ``path`` (a relative POSIX path from the catalog) is unsafe as a path, or None."""
    if not isinstance(path, str) or not path:
        return f"{what} {path!r} must be a non-empty string"
    if len(path) > MAX_PATH_CHARS:
        return f"{what} is longer than {MAX_PATH_CHARS} characters"
    if path.startswith("/") or (len(path) > 1 and path[1] == ":"):
        return f"{what} {path!r} is absolute; expected a path relative to the dataset folder"
    for segment in path.split("/"):
        if segment in ("", ".", ".."):
            return (
                f"{what} {path!r} has an empty, '.' or '..' segment; expected a relative POSIX "
                "path such as 'annotations/ratings.csv'"
            )
        if not SEGMENT_PATTERN.fullmatch(segment):
            return (
                f"{what} {path!r} has a segment with a NUL, backslash, control or reserved "
                'character (not allowed: \\ : * ? " < > |)'
            )
    return None


def safe_relative_parts(path: str, *, what: str = "member path") -> tuple[str, ...]:
    """The segments of a catalog path, refusing anything that could leave the folder."""
    problem = path_problem(path, what=what)
    if problem is not None:
        raise UnsafePathError(f"unsafe {problem}")
    return tuple(path.split("/"))


def safe_join(base: Path, *paths: str) -> Path:
    """``base`` joined with checked catalog paths: the one way a catalog string becomes a path."""
    parts: list[str] = []
    for path in paths:
        parts.extend(safe_relative_parts(path))
    return base.joinpath(*parts)


def filename_problem(filename: object) -> str | None:
    """Why a catalog ``filename`` is not a single safe path component, or None."""
    problem = path_problem(filename, what="file name")
    if problem is None and "/" in str(filename):
        problem = f"file name {filename!r} must be a single path component"
    return problem


def safe_filename(filename: str) -> str:
    """A catalog ``filename`` is a single safe path component."""
    problem = filename_problem(filename)
    if problem is not None:
        raise UnsafePathError(f"unsafe {problem}")
    return filename


def version_problem(version: object) -> str | None:
    """Why ``version`` cannot be a version folder name, or None."""
    if not isinstance(version, str) or not VERSION_PATTERN.fullmatch(version):
        return (
            f"version {version!r} is not a safe folder name: expected letters, digits, '.', "
            "'_' or '-' (starting with a letter or digit, at most 64 characters)"
        )
    return None


def check_version(version: str, *, dataset_id: str = "") -> str:
    problem = version_problem(version)
    if problem is not None:
        where = f"dataset {dataset_id!r}: " if dataset_id else ""
        raise UnsafePathError(f"{where}unsafe {problem}")
    return version


def check_dataset_id(dataset_id: str) -> str:
    if not isinstance(dataset_id, str) or not DATASET_ID_PATTERN.fullmatch(dataset_id):
        raise UnsafePathError(
            f"unsafe dataset id {dataset_id!r}: expected lowercase letters, digits and '-'"
        )
    return dataset_id


#: a directory member's file-name pattern: one segment of safe characters plus ``*`` wildcards
FILE_PATTERN_PATTERN = re.compile(r'[^/\\\x00-\x1f\x7f:?"<>|]{1,255}')


def file_pattern_problem(pattern: object) -> str | None:
    """Why ``pattern`` (a directory member's file-name glob) is unsafe, or None.

    Why so narrow: a pattern only ever selects file names directly inside its folder. It is one
    path segment whose only wildcard is ``*`` (no ``?``, ``[...]`` or separator), so it cannot
    name a parent folder, a sub-folder or an absolute path; matched names still go through
    :func:`safe_join`.
    """
    if not isinstance(pattern, str) or not FILE_PATTERN_PATTERN.fullmatch(pattern):
        return (
            f"file pattern {pattern!r} must be one path segment of safe characters with '*' as "
            "the only wildcard (e.g. '*.csv')"
        )
    if pattern.strip("*") in ("", ".", "..") and pattern not in ("*",):
        return f"file pattern {pattern!r} cannot be '.', '..' or only wildcards"
    return None


def match_file_pattern(pattern: str, name: str) -> bool:
    """Whether a file name matches a checked pattern (``*`` is any run of characters)."""
    regex = ".*".join(re.escape(part) for part in pattern.split("*"))
    return re.fullmatch(regex, name, flags=re.DOTALL) is not None and name not in (".", "..")
