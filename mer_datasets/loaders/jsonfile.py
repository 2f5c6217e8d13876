"""Reading the loaders' raw JSON files: strict decoding, a ParseError with the line, typed access.

Why shared: VGMIDI's annotation exports and SiTunes' ``env.json`` are JSON objects keyed by ids;
every loader needs the same guarantees (strict UTF-8 with the line of a bad byte or a NUL, invalid
JSON refused at its line, the expected container type checked before indexing, so a damaged
file is a :class:`~mer_datasets.errors.ParseError` naming the file and field, never a
``KeyError`` or ``TypeError``).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from .base import LoaderContext


def read_json(ctx: LoaderContext, name: str) -> tuple[str, Any]:
    """Member path and parsed document of the logical file ``name``."""
    member = ctx.member_path(name)
    text = ctx.read_text(name)
    try:
        return member, json.loads(text)
    except json.JSONDecodeError as exc:
        raise ctx.parse_error(member, f"not valid JSON: {exc.msg}", line=exc.lineno) from None
    except RecursionError:
        raise ctx.parse_error(member, "not valid JSON: nested too deeply") from None


def require_object(ctx: LoaderContext, member: str, value: Any, where: str) -> dict[str, Any]:
    """``value`` as a JSON object; anything else is a ParseError naming ``where``."""
    if not isinstance(value, dict):
        raise ctx.parse_error(
            member, f"expected a JSON object at {where}, found {_kind(value)}", field=where
        )
    return value


def require_number(ctx: LoaderContext, member: str, value: Any, where: str) -> float:
    """A JSON number (not a boolean, not a string); anything else is a ParseError."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ctx.parse_error(
            member,
            f"expected a number at {where}, found {_kind(value)} {value!r}"[:300],
            field=where,
        )
    return float(value)


def require_numbers(ctx: LoaderContext, member: str, value: Any, where: str) -> list[float]:
    """A JSON list of numbers (a per-measure curve)."""
    if not isinstance(value, list):
        raise ctx.parse_error(
            member, f"expected a list of numbers at {where}, found {_kind(value)}", field=where
        )
    return [require_number(ctx, member, v, f"{where}[{i}]") for i, v in enumerate(value)]


def _kind(value: Any) -> str:
    return {
        dict: "an object",
        list: "a list",
        str: "a string",
        bool: "a boolean",
        int: "a number",
        float: "a number",
        type(None): "null",
    }.get(type(value), type(value).__name__)
