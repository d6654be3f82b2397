"""Showing a person's name to someone who may not see it in full."""

from __future__ import annotations


def masked_name(name: str) -> str:
    """The Chinese way of naming someone without naming them: the surname and a star for each
    other character (龚*, 欧阳**)."""
    name = (name or "").strip()
    if not name:
        return ""
    return name[:1] + "*" * max(len(name) - 1, 1)
