"""``--where`` for the SQL engines (DuckDB, Spark): the same whitelisted expression, as SQL text.

Why a translation and not a second parser: :func:`~.where.parse_where` bounds, parses and checks
the expression (no calls, attributes, arithmetic; length and depth limits), so the SQL engines
accept exactly the expressions the in-memory engine accepts. The checked tree is then written
as SQL from the whitelisted node types only: names become quoted identifiers of known columns
(an unknown name is refused with the in-memory engine's message), constants become literals
(strings with quotes doubled; numbers as Python's ``repr``, already bounded by ``MAX_NUMBER``).

Semantics follow the in-memory masks (pandas), not SQL's three-valued logic: every comparison is
wrapped so that a missing operand gives False (``not`` then flips a definite truth value), except
``!=`` on numeric columns, where a missing value (NaN in pandas) compares unequal, hence True.
Ids (item, rater, dimension) are text in both engines, so ``track_id == 5`` matches nothing there
either; a number compared with ``<`` to a text column is refused, as pandas refuses it.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping

from ..errors import WhereError
from .where import _NULL_NAMES, _constant, parse_where, unknown_column_message

_SQL_OPERATORS: dict[type, str] = {
    ast.Eq: "=",
    ast.NotEq: "<>",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
}
_FLIPPED: dict[type, type] = {
    ast.Eq: ast.Eq,
    ast.NotEq: ast.NotEq,
    ast.Lt: ast.Gt,
    ast.LtE: ast.GtE,
    ast.Gt: ast.Lt,
    ast.GtE: ast.LtE,
}


def literal(value: object) -> str:
    """An SQL literal of a whitelisted constant (str, int, float, bool; bools as 1/0 as pandas
    compares them with numbers)."""
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"CAST({value!r} AS DOUBLE)"
    raise WhereError(f"cannot write {value!r} as an SQL constant")


class _Writer:
    def __init__(self, columns: Mapping[str, tuple[str, str]], quote: Callable[[str], str]):
        self.columns, self.quote = columns, quote

    def column(self, node: ast.Name) -> tuple[str, str]:
        if node.id not in self.columns:
            raise WhereError(
                unknown_column_message(
                    node.id,
                    self.columns,
                    f"unknown name in --where at column {node.col_offset + 1}",
                )
            )
        sql, kind = self.columns[node.id]
        return sql, kind

    def operand(self, node: ast.AST):
        """("column", sql, kind) | ("null",) | ("constant", value) | ("list", values)."""
        if isinstance(node, ast.Name):
            if node.id in _NULL_NAMES and node.id not in self.columns:
                return ("null",)
            return ("column", *self.column(node))
        if isinstance(node, (ast.List, ast.Tuple)):
            return ("list", [_constant(e) for e in node.elts])
        value = _constant(node)
        return ("null",) if value is None else ("constant", value)

    def write(self, node: ast.AST) -> str:
        if isinstance(node, ast.BoolOp):
            joiner = " AND " if isinstance(node.op, ast.And) else " OR "
            return "(" + joiner.join(self.write(v) for v in node.values) + ")"
        if isinstance(node, ast.UnaryOp):
            return f"(NOT {self.write(node.operand)})"
        assert isinstance(node, ast.Compare)
        parts = []
        left = self.operand(node.left)
        for op, comparator in zip(node.ops, node.comparators):
            right = self.operand(comparator)
            parts.append(self.compare(op, left, right))
            left = right
        return "(" + " AND ".join(parts) + ")"

    def compare(self, op: ast.cmpop, left, right) -> str:
        if isinstance(op, (ast.In, ast.NotIn)):
            if left[0] != "column" or right[0] != "list":
                raise WhereError(
                    "'in' needs a column name on the left and a list of constants on the right"
                )
            _, sql, kind = left
            same = [v for v in right[1] if v is not None and _comparable(kind, v)]
            inside = (
                f"COALESCE({sql} IN ({', '.join(literal(v) for v in same)}), FALSE)"
                if same
                else "FALSE"
            )
            if isinstance(op, ast.NotIn):
                return f"({sql} IS NOT NULL AND NOT {inside})"
            return inside
        if left[0] == "null" or right[0] == "null":
            if not isinstance(op, (ast.Eq, ast.NotEq)):
                raise WhereError("null can only be compared with == or !=")
            other = right if left[0] == "null" else left
            if other[0] == "null":
                missing = "TRUE"
            elif other[0] == "column":
                missing = f"({other[1]} IS NULL)"
            else:
                missing = "FALSE"
            return missing if isinstance(op, ast.Eq) else f"(NOT {missing})"
        if left[0] == "list" or right[0] == "list":
            raise WhereError("a list can only follow 'in' or 'not in' in --where")
        if left[0] != "column" and right[0] != "column":  # two constants: decided here
            from .where import _COMPARISONS

            try:
                return "TRUE" if _COMPARISONS[type(op)](left[1], right[1]) else "FALSE"
            except TypeError as error:
                raise WhereError(f"cannot compare these operands in --where: {error}") from None
        if left[0] != "column":
            left, right, op = right, left, _FLIPPED[type(op)]()
        _, sql, kind = left
        symbol = _SQL_OPERATORS[type(op)]
        if right[0] == "column":
            other_sql, other_kind = right[1], right[2]
            if kind != other_kind and not isinstance(op, (ast.Eq, ast.NotEq)):
                raise WhereError("cannot compare a text column with a numeric one using <, >")
            if kind != other_kind:
                return "FALSE" if isinstance(op, ast.Eq) else "TRUE"
            missing = "TRUE" if isinstance(op, ast.NotEq) and kind == "number" else "FALSE"
            return f"COALESCE({sql} {symbol} {other_sql}, {missing})"
        value = right[1]
        if not _comparable(kind, value):
            if not isinstance(op, (ast.Eq, ast.NotEq)):
                raise WhereError(
                    f"cannot compare these operands in --where: a {kind} column with {value!r}"
                )
            if isinstance(op, ast.Eq):
                return "FALSE"
            return "TRUE" if kind == "number" else f"({sql} IS NOT NULL)"
        missing = "TRUE" if isinstance(op, ast.NotEq) and kind == "number" else "FALSE"
        return f"COALESCE({sql} {symbol} {literal(value)}, {missing})"


def _comparable(kind: str, value: object) -> bool:
    if kind == "number":
        return isinstance(value, (int, float))  # bools too: True == 1 in pandas
    return isinstance(value, str)


def where_sql(
    expression: str, columns: Mapping[str, tuple[str, str]], quote: Callable[[str], str]
) -> str:
    """The SQL condition of ``expression`` (checked by :func:`~.where.parse_where`).

    ``columns`` maps each name the expression may use to (SQL expression, kind), kind ``"number"``
    or ``"text"``; ``quote`` quotes identifiers in the engine's dialect."""
    tree = parse_where(expression)
    return _Writer(columns, quote).write(tree.body)
