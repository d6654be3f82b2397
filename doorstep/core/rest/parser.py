"""The request parser: JSON that Python's decoder accepts but the API must refuse is refused here,
as a 400 in the error shape — nesting deeper than any request needs (a RecursionError otherwise),
numbers that do not fit (``1e400`` is infinity, ``NaN``), NUL in a query string."""

from __future__ import annotations

import json
import math

from ninja.parser import Parser

from .errors import BadRequest

MAX_DEPTH = 32  # no request body of this API nests deeper than a few levels


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def _constant(text: str):
    raise ValueError(text)  # NaN, Infinity, -Infinity are not JSON


def _depth(value, limit: int) -> int:
    stack, deepest = [(value, 1)], 0
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return depth
        deepest = max(deepest, depth)
        children = item.values() if isinstance(item, dict) else item
        stack.extend((c, depth + 1) for c in children if isinstance(c, (dict, list)))
    return deepest


class StrictParser(Parser):
    def parse_body(self, request):
        raw = request.body
        if raw.count(b"[") + raw.count(b"{") > 10_000:
            raise BadRequest("bad_json")
        try:
            data = json.loads(raw, parse_float=_float, parse_constant=_constant)
        except (ValueError, RecursionError, UnicodeDecodeError):
            raise BadRequest("bad_json") from None
        # Every body of this API is an object; ninja's schemas would read a list's attributes.
        if not isinstance(data, dict) or _depth(data, MAX_DEPTH) > MAX_DEPTH:
            raise BadRequest("bad_json")
        return data

    def parse_querydict(self, data, list_fields, request):
        for key, values in data.lists():
            if "\x00" in key or any("\x00" in v for v in values):
                raise BadRequest("nul", field=key.replace("\x00", ""))
        return super().parse_querydict(data, list_fields, request)
