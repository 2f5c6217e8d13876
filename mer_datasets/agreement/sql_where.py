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

A name that is a dimension (``arousal > 0`` on a long file) means, as in memory, that dimension's
value in the judgment's source record: :func:`sibling_joins` joins it per ``annotation_id``;
without that column, or for rows where it is empty, the error says why and what to do.
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


#: The column that ties the judgments of one source record together (report._with_siblings).
RECORD = "annotation_id"


def referenced(expression: str | None, by: str | None = None) -> set[str]:
    """The names ``expression`` (checked by parse_where) and the ``by`` column refer to."""
    names = {by} if isinstance(by, str) else set()
    if expression:
        tree = parse_where(expression)
        names |= {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    return names - _NULL_NAMES


def sibling_joins(
    source, roles: Mapping[str, str], wanted: set[str], dimensions: list, number: bool
) -> tuple[str, dict[str, tuple[str, str]]]:
    """LEFT JOINs giving each judgment the value of sibling dimensions ``wanted`` in its source
    record, and their (SQL expression, kind) for ``--where``/``--by``, as the in-memory table
    has them (report._with_siblings): the record is the ``annotation_id``, and the value is the
    one of the record's last row of that dimension, in file order (``number``: whether the value
    column is numeric)."""
    siblings = sorted(wanted & {str(d) for d in dimensions if d is not None})
    if not siblings:
        return "", {}
    q, text = source.quote, source.text_type
    if RECORD not in source.columns or RECORD in roles.values():
        raise WhereError(
            f"{', '.join(map(repr, siblings))} is a dimension, not a column: a sibling "
            f"dimension's value is found through the {RECORD!r} column that ties the judgments "
            "of one source record (questionnaire page, listening trial) together, and the "
            f"input has none; add an {RECORD!r} column, or filter on the input's own columns"
        )
    _require_records(source)
    value = roles["value"]
    kind = source.columns[value].upper()
    cell = f"CAST({q(value)} AS DOUBLE)" if number else f"CAST({q(value)} AS {text})"
    if kind.startswith(("FLOAT", "DOUBLE", "REAL")):
        cell = f"CASE WHEN isnan({q(value)}) THEN NULL ELSE {cell} END"
    joins, names = [], {}
    for n, name in enumerate(siblings):
        alias, literal_name = f"_mer_sibling_{n}", name.replace("'", "''")
        joins.append(
            f"LEFT JOIN (SELECT a AS {alias}_a, v AS {alias}_v FROM (SELECT {q(RECORD)} AS a, "
            f"{cell} AS v, row_number() OVER (PARTITION BY {q(RECORD)} ORDER BY _row DESC) AS k "
            f"FROM {source.table} WHERE CAST({q(roles['dimension'])} AS {text}) = "
            f"'{literal_name}') d WHERE k = 1) {alias} ON {q(RECORD)} = {alias}_a"
        )
        names[name] = (f"{alias}_v", "number" if number else "text")
    return " " + " ".join(joins), names


def _require_records(source) -> None:
    """Refuse judgments without an ``annotation_id`` when a sibling is named: they belong to no
    known source record (pandas would join all of them as one record)."""
    result = source.run(
        f"SELECT count(*) AS n FROM {source.table} WHERE {source.quote(RECORD)} IS NULL"
    )
    missing = int(next(iter(result.values()))[0])
    if missing:
        raise WhereError(
            f"{missing} row(s) have an empty {RECORD!r}, so the source record whose sibling "
            f"dimension --where/--by names is unknown for them; give every row its record's "
            f"{RECORD!r}, or filter on the input's own columns"
        )
