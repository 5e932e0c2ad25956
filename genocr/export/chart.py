"""Chart data as GOT writes it (a Python dict or JSON) turned into fields and tables.

Charts come out as e.g. ``{'title': 'Sales', 'x_title': None, 'values': {'2019': {'A': 3}}}``;
the scalar fields become captions and every nested dict or list becomes one table, so a reader
sees the numbers rather than the literal.
"""
from __future__ import annotations

import ast
import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Grid:
    name: str  # the field the table came from ("" for a top-level table)
    header: list[str]
    rows: list[list[str]]


def parse(text: str) -> dict[str, Any] | list[Any] | None:
    """The chart data when ``text`` is a non-empty dict, or a list of dicts/lists, else None."""
    text = text.strip()
    if not text.startswith(("{", "[")):
        return None
    for load in (json.loads, ast.literal_eval):
        try:
            data = load(text)
        except (ValueError, TypeError, SyntaxError, RecursionError, MemoryError):
            continue
        if isinstance(data, dict) and data:
            return data
        if isinstance(data, list) and data and all(isinstance(v, (dict, list)) for v in data):
            return data
        return None
    return None


def describe(data: dict[str, Any] | list[Any]) -> tuple[list[tuple[str, str]], list[Grid]]:
    """Scalar fields (title, axis names) and one table per nested field."""
    if isinstance(data, list) or not any(_nested(v) for v in data.values()):
        return [], [_grid("", data)]
    fields = [(str(k), _text(v)) for k, v in data.items() if not _nested(v)]
    return fields, [_grid(str(k), v) for k, v in data.items() if _nested(v)]


def _grid(name: str, value: dict[Any, Any] | list[Any]) -> Grid:
    """Rows are the items of ``value`` (labelled by key for a dict), columns the union of their keys."""
    labelled = isinstance(value, dict)
    items = value.items() if isinstance(value, dict) else ((None, v) for v in value)
    records = [(label, _record(v)) for label, v in items]
    columns = list(dict.fromkeys(k for _, record in records for k in record))
    header = ([""] if labelled else []) + columns
    rows = [([str(label)] if labelled else []) + [r.get(c, "") for c in columns] for label, r in records]
    return Grid(name, header, rows)


def _record(value: Any) -> dict[str, str]:
    if isinstance(value, dict):
        return {str(k): _text(v) for k, v in value.items()}
    if isinstance(value, list):
        return {str(i): _text(v) for i, v in enumerate(value, 1)}
    return {"value": _text(value)}


def _nested(value: Any) -> bool:
    return isinstance(value, (dict, list))


def _text(value: Any) -> str:
    if value is None:
        return ""
    return json.dumps(value, ensure_ascii=False) if _nested(value) else str(value)
