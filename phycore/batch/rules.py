"""Rule-based auto-labels: a filter expression of the cluster table mapped to a label.

A rule is written ``LABEL: EXPRESSION`` (sets the ``group`` label, phy's
good/mua/noise) or ``FIELD=VALUE: EXPRESSION`` (any label field), for example::

    noise: isi_violation_ratio > 0.5 and n_spikes < 100
    flag=suspect: presence_ratio < 0.9

The expression is the cluster-table filter language
(:mod:`phycore.supervisor.filter_expr`: the table's columns and labels, comparisons,
``and``/``or``/``not``, phy's ``&&``/``||``/``!``), evaluated by the same code on the
same rows, so a rule selects exactly the clusters that typing the expression in the
cluster view's filter box would show.

Rules are tried in the order given; for each field, the first rule that matches a
cluster decides its proposed value. A cluster that already has a value for the field
(a curator's label; ``unsorted`` counts as none for ``group``) keeps it unless
``overwrite`` is set.

The field ``quality`` is refused: it is SpikeInterface's name for phy's ``group``, so the
curation export (:mod:`phycore.controller.curation`) writes ``group`` under that name and
could not keep a second field of the same name; a rule setting it would be silently
lost there. Write ``suspect: ...`` (or ``group=suspect: ...``) to set ``group``, or
choose another field name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from phycore.controller.curation import QUALITY
from phycore.errors import FilterExpressionError
from phycore.supervisor.filter_expr import FilterExpression

__all__ = ["LabelRule", "parse_rule", "propose_labels", "RESERVED_FIELDS"]

#: Label fields a rule may not set: ``{name: why}``.
RESERVED_FIELDS = {QUALITY: "it is SpikeInterface's name for phy's group label (the curation export writes group "
                              "as quality, so a field named quality would be lost there)"}


@attrs.frozen
class LabelRule:
    """``field`` is set to ``value`` on the clusters where ``expression`` is true.

    Create with :func:`parse_rule`; the expression's syntax is checked then, its column
    names when it meets a session's table.
    """

    field: str
    value: str
    expression: str

    def __str__(self) -> str:
        label = self.value if self.field == "group" else f"{self.field}={self.value}"
        return f"{label}: {self.expression}"

    def matching(self, rows: Sequence[Mapping[str, Any]], columns: set[str]) -> list[int]:
        """Ids (``row["id"]``) of the rows where the expression is true.

        Raises
        ------
        FilterExpressionError
            The expression names a column the session does not have (the message lists them).
        """
        f = FilterExpression(self.expression, columns)
        return [int(row["id"]) for row in rows if f(row)]


def parse_rule(text: str) -> LabelRule:
    """Parse ``LABEL: EXPRESSION`` or ``FIELD=VALUE: EXPRESSION`` (see the module docstring).

    Raises
    ------
    FilterExpressionError
        No ``:``, an empty label, a field that is not an identifier or is reserved
        (:data:`RESERVED_FIELDS`), or an expression that does not parse.
    """
    head, sep, expression = str(text).partition(":")
    head, expression = head.strip(), expression.strip()
    if not sep or not head or not expression:
        raise FilterExpressionError(f"A label rule is 'LABEL: EXPRESSION' or 'FIELD=VALUE: EXPRESSION', got {text!r}.",
                                    argument="rule")
    field, eq, value = head.partition("=")
    field, value = (field.strip(), value.strip()) if eq else ("group", head)
    if not field.isidentifier() or not value:
        raise FilterExpressionError(f"Bad label {head!r} in the rule {text!r}: the field must be an identifier "
                                    "and the value not empty.", argument="rule")
    if field in RESERVED_FIELDS:
        raise FilterExpressionError(f"The rule {text!r} sets the field {field!r}, which is reserved: "
                                    f"{RESERVED_FIELDS[field]}. Write '{value}: {expression}' to set group, "
                                    "or use another field name.", argument="rule")
    FilterExpression(expression, None)  # the syntax and the whitelist now, the names per session
    return LabelRule(field, value, expression)


def _unset(field: str, value: Any) -> bool:
    return value is None or value == "" or (field == "group" and value == "unsorted")


def propose_labels(rows: Sequence[Mapping[str, Any]], rules: Sequence[LabelRule], *,
                   fields: Sequence[str] = ("group",), overwrite: bool = False) -> dict[str, dict[int, str]]:
    """The labels the rules propose for a session's cluster-table rows.

    Parameters
    ----------
    rows : sequence of mapping
        The table rows (``supervisor.cluster_info``: ``id``, the columns, the labels).
    rules : sequence of LabelRule
        In priority order.
    fields : sequence of str
        The session's label fields (they may appear in expressions even when no row has a value).
    overwrite : bool
        Propose a value also for clusters that already have one for the field.

    Returns
    -------
    dict
        ``{field: {cluster_id: value}}``, only the clusters whose value would change.
    """
    columns = {k for row in rows for k in row} | set(fields) | {"group"}
    by_id = {int(row["id"]): row for row in rows}
    out: dict[str, dict[int, str]] = {}
    decided: dict[str, set[int]] = {}  # per field, the clusters an earlier rule matched
    for rule in rules:
        proposed, seen = out.setdefault(rule.field, {}), decided.setdefault(rule.field, set())
        for c in rule.matching(rows, columns):
            if c in seen:
                continue
            seen.add(c)
            current = by_id[c].get(rule.field)
            if (overwrite or _unset(rule.field, current)) and current != rule.value:
                proposed[c] = rule.value
    return {f: dict(sorted(v.items())) for f, v in out.items() if v}
