"""Pinyin keys for name search: ``张景林`` → ("zhangjinglin", "zjl")."""

from __future__ import annotations

import re
from functools import lru_cache

from pypinyin import Style, lazy_pinyin

_KEEP = re.compile(r"[^a-z0-9]")


@lru_cache(maxsize=300_000)
def keys(name: str) -> tuple[str, str]:
    syllables = [_KEEP.sub("", s.lower()) for s in lazy_pinyin(name, style=Style.NORMAL)]
    syllables = [s for s in syllables if s]
    return "".join(syllables)[:200], "".join(s[0] for s in syllables)[:50]
