"""What residents type, made comparable: half-width, Simplified, lower case."""

from __future__ import annotations

import unicodedata
from functools import lru_cache


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def simplified(text: str) -> str:
    """戶口 → 户口, ＤＩＢＡＯ → dibao: NFKC, Traditional to Simplified (OpenCC), lower case."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    return _t2s().convert(text) if text else ""
