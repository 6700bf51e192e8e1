"""Safe filter expressions for the cluster and similarity tables.

A filter is a boolean expression over column names, for example
``fr > 5 and group != 'noise'`` or ``n_spikes > 1000 && depth < 2000``. It is parsed
with :mod:`ast`, checked node by node against a whitelist and the table's column
names, then evaluated by walking the tree: user text is never passed to ``eval``.

phy's JavaScript-style operators are accepted (``&&``, ``||``, ``!``, ``null``,
``true``, ``false``). Comparisons with a missing value (``None``) are false, except
``== None`` / ``!= None``, so ``fr > 5`` never keeps rows whose ``fr`` is unknown.
"""

from __future__ import annotations

import ast
import operator
import re
from typing import Any, Callable, Collection, Mapping

from phycore.errors import FilterExpressionError

__all__ = ["FilterExpression", "parse_filter"]

_JS_TOKENS = [
    (re.compile(r"&&"), " and "),
    (re.compile(r"\|\|"), " or "),
    (re.compile(r"!(?!=)"), " not "),
    (re.compile(r"\bnull\b"), "None"),
    (re.compile(r"\btrue\b"), "True"),
    (re.compile(r"\bfalse\b"), "False"),
    (re.compile(r"(?<![=!<>])=(?!=)"), "=="),  # a lone '=' means equality, as in phy's box
]

_COMPARE: dict[type, Callable[[Any, Any], bool]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
}
_BINARY: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Mod: operator.mod,
}
_CONSTANTS = {"None": None, "True": True, "False": False}


def _translate(text: str) -> str:
    # Only translate outside string literals.
    parts = re.split(r"""('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")""", text)
    for i in range(0, len(parts), 2):
        for pattern, repl in _JS_TOKENS:
            parts[i] = pattern.sub(repl, parts[i])
    return "".join(parts).strip()


class FilterExpression:
    """A parsed, validated filter expression.

    Parameters
    ----------
    text : str
        The expression typed by the user.
    columns : collection of str or None
        Names that may appear in the expression. None accepts any name (a syntax check
        before the columns are known, e.g. ``phycore batch --label``; a name a row lacks
        evaluates as a missing value).

    Raises
    ------
    FilterExpressionError
        If the text does not parse, uses a construct outside the whitelist, or names
        an unknown column.
    """

    def __init__(self, text: str, columns: Collection[str] | None) -> None:
        self.text = text
        self.columns = None if columns is None else frozenset(columns)
        source = _translate(text)
        if not source:
            raise FilterExpressionError("The filter expression is empty.", argument="filter")
        try:
            tree = ast.parse(source, mode="eval")
        except SyntaxError as e:
            raise FilterExpressionError(
                f"Cannot parse the filter {text!r}: {e.msg} (column {e.offset}).", argument="filter"
            ) from None
        self._tree = tree.body
        self.names = frozenset(self._check(self._tree))

    def _check(self, node: ast.AST) -> set[str]:
        names: set[str] = set()
        if isinstance(node, ast.BoolOp):
            for v in node.values:
                names |= self._check(v)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.Not, ast.USub, ast.UAdd)):
            names |= self._check(node.operand)
        elif isinstance(node, ast.Compare):
            if not all(type(op) in _COMPARE for op in node.ops):
                raise self._unsupported(node)
            for v in [node.left, *node.comparators]:
                names |= self._check(v)
        elif isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            names |= self._check(node.left) | self._check(node.right)
        elif isinstance(node, (ast.Tuple, ast.List)):
            for v in node.elts:
                names |= self._check(v)
        elif isinstance(node, ast.Constant) and isinstance(node.value, (int, float, str, bool, type(None))):
            pass
        elif isinstance(node, ast.Name):
            if node.id not in _CONSTANTS:
                if self.columns is not None and node.id not in self.columns:
                    known = ", ".join(sorted(self.columns))
                    raise FilterExpressionError(
                        f"Unknown column {node.id!r} in the filter {self.text!r}; columns are: {known}.",
                        argument="filter",
                    )
                names.add(node.id)
        else:
            raise self._unsupported(node)
        return names

    def _unsupported(self, node: ast.AST) -> FilterExpressionError:
        what = ast.unparse(node) if hasattr(ast, "unparse") else type(node).__name__
        return FilterExpressionError(
            f"Unsupported construct {what!r} in the filter {self.text!r}: use column names, "
            "numbers, strings, comparisons, and/or/not.",
            argument="filter",
        )

    def __call__(self, row: Mapping[str, Any]) -> bool:
        """Evaluate on one row (a mapping column -> value); errors count as False."""
        try:
            return bool(self._eval(self._tree, row))
        except (TypeError, ValueError, ZeroDivisionError, KeyError):
            return False

    def _eval(self, node: ast.AST, row: Mapping[str, Any]) -> Any:
        if isinstance(node, ast.BoolOp):
            if isinstance(node.op, ast.And):
                return all(self._eval(v, row) for v in node.values)
            return any(self._eval(v, row) for v in node.values)
        if isinstance(node, ast.UnaryOp):
            value = self._eval(node.operand, row)
            if isinstance(node.op, ast.Not):
                return not value
            return -value if isinstance(node.op, ast.USub) else +value
        if isinstance(node, ast.Compare):
            left = self._eval(node.left, row)
            for op, comp in zip(node.ops, node.comparators):
                right = self._eval(comp, row)
                if (left is None or right is None) and not isinstance(op, (ast.Eq, ast.NotEq)):
                    return False
                if not _COMPARE[type(op)](left, right):
                    return False
                left = right
            return True
        if isinstance(node, ast.BinOp):
            return _BINARY[type(node.op)](self._eval(node.left, row), self._eval(node.right, row))
        if isinstance(node, (ast.Tuple, ast.List)):
            return tuple(self._eval(v, row) for v in node.elts)
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            if node.id in _CONSTANTS:
                return _CONSTANTS[node.id]
            return row.get(node.id)
        raise TypeError(type(node).__name__)  # unreachable: _check rejected it

    def __repr__(self) -> str:
        return f"FilterExpression({self.text!r})"


def parse_filter(text: str, columns: Collection[str]) -> FilterExpression:
    """Parse and validate a filter expression; see :class:`FilterExpression`."""
    return FilterExpression(text, columns)
