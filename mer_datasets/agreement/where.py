"""A safe filter language for ``--where``: Python comparison syntax, evaluated as pandas masks.

Grammar (parsed with :mod:`ast`, then checked against a whitelist; nothing is ever eval'ed)::

    expr    := expr "and" expr | expr "or" expr | "not" expr | "(" expr ")" | compare
    compare := operand (op operand)+            op: == != < <= > >= in "not in"
    operand := NAME | constant | "[" constant, ... "]" | "(" constant, ... ")" | "-" number
    constant:= number | "string" | True | False | null | None

``x == null`` / ``x != null`` test for missing values (``None`` works too). Names are columns of the
table the expression is applied to (see :func:`mer_datasets.agreement.report.filter_judgments`
for which names exist there). Anything else (calls, attribute access, subscripts, lambdas,
arithmetic, comprehensions, ``__import__``) raises :class:`WhereError` naming the offending token.
"""

from __future__ import annotations

import ast
import difflib
import re
from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd

from ..errors import WhereError

_COMPARISONS: dict[type, Callable] = {
    ast.Eq: lambda a, b: a == b,
    ast.NotEq: lambda a, b: a != b,
    ast.Lt: lambda a, b: a < b,
    ast.LtE: lambda a, b: a <= b,
    ast.Gt: lambda a, b: a > b,
    ast.GtE: lambda a, b: a >= b,
}
_NULL_NAMES = {"null", "None", "NA"}
#: Bounds checked before parsing, so no expression can exhaust the parser's stack or memory
#: (a hostile ``not not ... x`` or ``((((...))))`` is refused, not parsed).
MAX_LENGTH = 2000
MAX_DEPTH = 16
#: Largest magnitude of a number literal: anything a float column can be compared with exactly
#: enough; a 4,299-digit integer would overflow the float conversion.
MAX_NUMBER = 1e300


def close_matches(name: str, columns: Iterable[object], limit: int = 5) -> list[str]:
    """Column names a mistyped ``name`` probably meant: names containing it (``language`` ->
    ``survey_language``), then similar spellings (difflib), at most ``limit``."""
    names = [str(c) for c in columns]
    lowered = name.lower()
    containing = [c for c in names if lowered in c.lower()]
    similar = difflib.get_close_matches(name, names, n=limit, cutoff=0.7)
    return list(dict.fromkeys(containing + similar))[:limit]


def unknown_column_message(name: str, columns: Iterable[object], what: str) -> str:
    """``what`` (e.g. "--by 'x'") names no column: suggest close matches, then list them all."""
    columns = [str(c) for c in columns]
    matches = close_matches(name, columns)
    hint = f" (did you mean {' or '.join(repr(m) for m in matches)}?)" if matches else ""
    return f"{what}: no column {name!r}{hint}; available: {', '.join(sorted(columns))}"


def _check_size(expression: str) -> None:
    """Refuse an expression too long or too deeply nested before the parser sees it."""
    if not isinstance(expression, str):
        raise WhereError(f"--where must be a string, got {type(expression).__name__}")
    if len(expression) > MAX_LENGTH:
        raise WhereError(
            f"--where is {len(expression)} characters long; at most {MAX_LENGTH} are accepted"
        )
    depth = deepest = 0
    quote: str | None = None
    for char in expression:
        if quote:
            quote = None if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in ")]}":
            depth -= 1
    nots = len(re.findall(r"\bnot\b", expression))
    if deepest > MAX_DEPTH or nots > MAX_DEPTH:
        raise WhereError(
            f"--where nests too deeply ({max(deepest, nots)} levels of brackets or 'not'); "
            f"at most {MAX_DEPTH} are accepted"
        )


def parse_where(expression: str) -> ast.Expression:
    """Bound, parse and whitelist-check ``expression``; raises :class:`WhereError`."""
    _check_size(expression)
    try:
        tree = ast.parse(expression, mode="eval")
    except SyntaxError as error:
        raise WhereError(
            f"cannot parse --where {expression!r}: {error.msg} at column {error.offset}"
        ) from None
    except (RecursionError, MemoryError, ValueError, OverflowError) as error:
        raise WhereError(f"cannot parse --where: {type(error).__name__}") from None
    _check(tree.body, expression)
    return tree


def _token(node: ast.AST, expression: str) -> str:
    segment = ast.get_source_segment(expression, node) or type(node).__name__
    return f"{segment!r} ({type(node).__name__}) at column {getattr(node, 'col_offset', 0) + 1}"


def _check(node: ast.AST, expression: str) -> None:
    if isinstance(node, ast.BoolOp):
        for operand in node.values:
            _check(operand, expression)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        _check(node.operand, expression)
    elif isinstance(node, ast.Compare):
        operands = [node.left, *node.comparators]
        for index, op in enumerate(node.ops):
            if type(op) not in _COMPARISONS and not isinstance(op, (ast.In, ast.NotIn)):
                raise WhereError(f"operator {type(op).__name__} is not allowed in --where")
            if not isinstance(op, (ast.In, ast.NotIn)):
                for side in operands[index : index + 2]:
                    if isinstance(side, (ast.List, ast.Tuple)):
                        raise WhereError(
                            f"a list can only follow 'in' or 'not in' in --where: "
                            f"{_token(side, expression)}; e.g. value in [1, 2]"
                        )
        for operand in operands:
            _check_operand(operand, expression)
    else:
        raise WhereError(
            f"not allowed in --where: {_token(node, expression)}; use comparisons of column names with "
            "constants joined by and/or/not"
        )


def _check_operand(node: ast.AST, expression: str) -> None:
    if isinstance(node, ast.Name):
        if node.id.startswith("__"):
            raise WhereError(f"not allowed in --where: {_token(node, expression)}")
        return
    if _is_constant(node):
        _check_number(node, expression)
        return
    if isinstance(node, (ast.List, ast.Tuple)) and all(
        _is_constant(element) for element in node.elts
    ):
        for element in node.elts:
            _check_number(element, expression)
        return
    raise WhereError(
        f"not allowed in --where: {_token(node, expression)}; operands are column names, constants or lists of constants"
    )


def _check_number(node: ast.AST, expression: str) -> None:
    value = _constant(node)
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if number and not abs(value) <= MAX_NUMBER:  # also refuses nan / inf
        raise WhereError(
            f"number out of range in --where: {_token(node, expression)[:80]}; "
            f"numbers up to {MAX_NUMBER:g} in magnitude are accepted"
        )


def _is_constant(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant) and isinstance(
        node.value, (int, float, str, bool, type(None))
    ):
        return True
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return isinstance(node.operand, ast.Constant) and isinstance(
            node.operand.value, (int, float)
        )
    return False


def _constant(node: ast.AST):
    if isinstance(node, ast.UnaryOp):
        return -node.operand.value
    return node.value


def where_mask(table: pd.DataFrame, expression: str) -> np.ndarray:
    """Boolean mask of the rows of ``table`` where ``expression`` holds (missing compares False)."""
    tree = parse_where(expression)
    return np.asarray(_evaluate(tree.body, table, expression), dtype=bool)


def _operand(node: ast.AST, table: pd.DataFrame, expression: str):
    if isinstance(node, ast.Name):
        if node.id in _NULL_NAMES and node.id not in table.columns:
            return None
        if node.id not in table.columns:
            raise WhereError(
                unknown_column_message(
                    node.id,
                    table.columns,
                    f"unknown name in --where at column {node.col_offset + 1}",
                )
            )
        return table[node.id]
    if isinstance(node, (ast.List, ast.Tuple)):
        return [_constant(element) for element in node.elts]
    return _constant(node)


def _compare(op: ast.cmpop, left, right, n_rows: int) -> np.ndarray:
    if isinstance(op, (ast.In, ast.NotIn)):
        if not isinstance(left, pd.Series) or not isinstance(right, list):
            raise WhereError(
                "'in' needs a column name on the left and a list of constants on the right"
            )
        mask = left.isin(right).to_numpy(dtype=bool) & left.notna().to_numpy()
        return ~mask & left.notna().to_numpy() if isinstance(op, ast.NotIn) else mask
    if left is None or right is None:
        if not isinstance(op, (ast.Eq, ast.NotEq)):
            raise WhereError("null can only be compared with == or !=")
        other = right if left is None else left
        missing = (
            other.isna().to_numpy()
            if isinstance(other, pd.Series)
            else np.full(n_rows, other is None)
        )
        return missing if isinstance(op, ast.Eq) else ~missing
    try:
        result = _COMPARISONS[type(op)](left, right)
    except (TypeError, ValueError, OverflowError) as error:
        raise WhereError(f"cannot compare these operands in --where: {error}") from None
    if isinstance(result, pd.Series):
        return result.fillna(False).to_numpy(dtype=bool)
    return np.full(n_rows, bool(result))


def _evaluate(node: ast.AST, table: pd.DataFrame, expression: str) -> np.ndarray:
    n_rows = len(table)
    if isinstance(node, ast.BoolOp):
        masks = [_evaluate(value, table, expression) for value in node.values]
        combine = np.logical_and if isinstance(node.op, ast.And) else np.logical_or
        result = masks[0]
        for mask in masks[1:]:
            result = combine(result, mask)
        return result
    if isinstance(node, ast.UnaryOp):
        return ~_evaluate(node.operand, table, expression)
    assert isinstance(node, ast.Compare)
    result = np.ones(n_rows, dtype=bool)
    left = _operand(node.left, table, expression)
    for op, comparator in zip(node.ops, node.comparators):
        right = _operand(comparator, table, expression)
        result &= _compare(op, left, right, n_rows)
        left = right
    return result
