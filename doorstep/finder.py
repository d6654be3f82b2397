"""The residents' compound finder on the front page: a compound by its name, its address, its
community's name or the pinyin of its name (full or initials: 二印小区 ← "eryin", "eyxq"), so
a resident reaches their compound's desk page without the poster's QR code.

A district has hundreds of compounds, not millions: Chinese text is matched in SQL; pinyin,
which the table does not hold, is matched against the compounds' names in Python, with the keys
cached per name (``people.pinyin.keys``)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext as _

from doorstep.core.text import simplified
from doorstep.people.pinyin import keys as pinyin_keys
from doorstep.places.choices import AreaKind
from doorstep.places.models import Area

MAX_QUERY = 50
LIMIT = 20
_ASCII_WORD = re.compile(r"[a-z0-9]+")


class BadQuery(ValueError):
    """The search text cannot be searched; the message says why, for the resident."""


@dataclass(frozen=True)
class Found:
    compounds: list[Area]
    query: str


def normalise(text: str) -> list[str]:
    """The words of ``text``: Simplified, lower case, split on spaces and punctuation."""
    if len(text) > MAX_QUERY:
        raise BadQuery(
            _("The search text is too long: at most %(n)d characters.") % {"n": MAX_QUERY}
        )
    text = simplified(text)
    cleaned = "".join(ch if ch.isalnum() else " " for ch in text)
    words = cleaned.split()
    if not words:
        raise BadQuery(
            _("Type part of your compound's name or address, for example 二印 or eryin.")
        )  # fmt: skip
    return words


def _text_q(word: str) -> Q:
    return Q(name__icontains=word) | Q(address__icontains=word) | Q(parent__name__icontains=word)


def _pinyin_codes(words: list[str]) -> set[str]:
    """Codes of the compounds whose name's pinyin (full or initials) holds every word."""
    if not all(_ASCII_WORD.fullmatch(w) for w in words):
        return set()
    found = set()
    for code, name in Area.objects.filter(kind=AreaKind.COMPOUND).values_list("code", "name"):
        full, initials = pinyin_keys(name)
        if all(w in full or w in initials for w in words):
            found.add(code)
    return found


def _rank(area: Area, words: list[str]) -> tuple:
    name = area.name.lower()
    joined = "".join(words)
    full, initials = pinyin_keys(area.name)
    return (
        joined not in (name, full, initials),  # the exact name (or its pinyin) first
        not (name.startswith(joined) or full.startswith(joined) or initials.startswith(joined)),
        not all(w in name or w in full or w in initials for w in words),  # then the name's
        area.name,  # words, then the rest (address, community)
    )


def find_compounds(text: str) -> Found:
    """Compounds matching every word of ``text`` (raises ``BadQuery`` for empty or overlong
    text), best first, at most ``LIMIT``."""
    words = normalise(text)
    match = Q()
    for word in words:
        match &= _text_q(word)
    codes = _pinyin_codes(words)
    if codes:
        match |= Q(code__in=codes)
    compounds = list(
        Area.objects.filter(match, kind=AreaKind.COMPOUND).select_related("parent__parent")[:500]
    )
    compounds.sort(key=lambda a: _rank(a, words))
    return Found(compounds=compounds[:LIMIT], query=" ".join(words))
