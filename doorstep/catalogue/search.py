"""Public catalogue search: the words residents type, in any order, with the words they mean.

A query is normalised (full-width to half-width, Traditional to Simplified with OpenCC, lower
case), cut into words (Chinese runs are cut at the words of the synonym table, so 补办身份证 is
补办 + 身份证; letters are pinyin; digits are digits), and each word is looked for together with
its synonyms (``Synonym``, data an administrator edits). Pinyin is matched against the name's
full pinyin and initials (gljt finds 高龄津贴) and, when it spells a synonym, as that word.

Ranking is one SQL query over the public services: the exact name first, then services that
match more of the words in their name or other words for it ("all words before some"), then a
score (name before keywords before department before materials; the word as typed before its
synonyms; a name that starts with it before one that only contains it), then shorter names.
Filler words (申请, 办, 怎么) add to the score but never widen the result. A query of several
words lists only the guides that match the most of it in their name or other words (every
word when some guide has them all; else the weightiest words), so 补办身份证 lists the ID-card
guides and not every matter that asks for 居民身份证; department and materials alone count only
when no guide has any of the words. A single word lists every guide that has it anywhere.

When nothing matches, ``suggest`` gives close guides ("did you mean"): names sharing most of
the query's characters (or pinyin trigrams). ``make bench`` (catalogue_search) measures the
search against the same ranking written by hand, and its top-3 hit rate on colloquial queries.
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass
from functools import lru_cache, reduce

from django.db.models import (
    Case,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
    Window,
)
from django.db.models.functions import Concat, Length

from doorstep.core.text import simplified
from doorstep.people import pinyin

from .choices import VersionStatus
from .models import Material, Service, ServiceVersion, Synonym

MAX_QUERY = 50
MAX_WORDS = 8
MAX_TERMS = 8
RESULT_FIELDS = ("code", "name", "department__name")
_HAN = "\u3400-\u9fff\U00020000-\U0003134f"
_TOKEN = re.compile(rf"(?P<han>[{_HAN}]+)|(?P<latin>[a-z]+(?:\s+[a-z]+)*)|(?P<digits>[0-9]+)")
_CODE = re.compile(r"^[a-z]{2}-?[0-9]{1,4}$")
_SLUG = re.compile(r"^[-a-z0-9_]{1,40}$")
_SPLIT = re.compile(r"[\s,，、;；/|]+")
# Words that say "I want to do it" rather than what: they rank, they never widen the result.
FILLERS = frozenset(
    "办 办理 申请 申领 我 我要 我想 想 要 想要 怎么 怎么办 如何 怎样 哪里 在哪 在哪里 去哪 "
    "需要 什么 的 了 吗 呢 一下 手续 流程 去".split()
)
# Score weights per field, and per word kind (a longer Chinese word says more).
W_NAME, W_DIRECT, W_START, W_KW_EXACT, W_KW, W_DEPT, W_MATERIAL = 100, 20, 10, 60, 50, 10, 5
MAX_HAN_WEIGHT = 8


class QueryTooLong(ValueError):
    pass


@dataclass(frozen=True)
class Word:
    """One word of a query: what was typed, the Chinese terms it stands for (itself and its
    synonyms, or the synonyms its pinyin spells), and how much it counts."""

    text: str
    kind: str  # "han", "pinyin" or "digits"
    terms: tuple[str, ...]
    weight: int
    filler: bool = False


@dataclass(frozen=True)
class Plan:
    """What a query asks for: the code it names, or its words (and the whole, for an exact
    name match)."""

    whole: str
    words: tuple[Word, ...] = ()
    code: str = ""

    def required(self) -> tuple[Word, ...]:
        """The words a result must match one of: fillers only when there is nothing else."""
        real = tuple(w for w in self.words if not w.filler)
        return real or self.words


def normalise(text: str) -> str:
    """Half-width, Simplified, lower case: 戶口 → 户口, ＤＩＢＡＯ → dibao."""
    return simplified(text)


def split_synonyms(words: str) -> list[str]:
    """A synonym row's words, normalised, in order, without repeats."""
    out: list[str] = []
    for word in _SPLIT.split(normalise(words)):
        if word and word not in out:
            out.append(word)
    return out


@dataclass(frozen=True)
class Vocabulary:
    groups: dict[str, frozenset[str]]  # word -> every word it shares a row with (gjj too)
    by_pinyin: dict[str, frozenset[str]]  # full pinyin (or initials, 3+) -> those words
    longest: int


@lru_cache(maxsize=8)
def _vocabulary(rows: tuple[str, ...]) -> Vocabulary:
    groups: dict[str, set[str]] = {}
    for row in rows:
        words = split_synonyms(row)
        for word in words:
            groups.setdefault(word, set()).update(words)
    by_pinyin: dict[str, set[str]] = {}
    for word, group in groups.items():
        full, initials = pinyin.keys(word)
        for key in {full, initials if len(initials) >= 3 else ""} - {""}:
            if not word.isascii():
                by_pinyin.setdefault(key, set()).update(group)
    words = [*groups, *FILLERS]
    return Vocabulary(
        groups={w: frozenset(g) for w, g in groups.items()},
        by_pinyin={k: frozenset(g) for k, g in by_pinyin.items()},
        longest=max(map(len, words)),
    )


def vocabulary() -> Vocabulary:
    """The synonym table as read now (one small query: an edit in the admin counts at once)."""
    return _vocabulary(tuple(Synonym.objects.order_by("pk").values_list("words", flat=True)))


def _pairs(chunk: str) -> list[str]:
    """An unknown run of four or more characters as two-character words (离婚预约 → 离婚
    预约), so its words match in any order; a shorter one stays whole."""
    if len(chunk) < 4:
        return [chunk] if chunk else []
    cut = len(chunk) - 3 if len(chunk) % 2 else len(chunk)
    return [chunk[i : i + 2] for i in range(0, cut, 2)] + (
        [chunk[cut:]] if cut < len(chunk) else []
    )


def segment(run: str, vocab: Vocabulary) -> list[str]:
    """Cut a run of Chinese characters at the words the vocabulary knows (longest first);
    what lies between them is cut in pairs (``_pairs``)."""
    out, pending, i = [], "", 0
    while i < len(run):
        for size in range(min(vocab.longest, len(run) - i), 0, -1):
            piece = run[i : i + size]
            if piece in vocab.groups or piece in FILLERS:
                break
        else:
            pending, i = pending + run[i], i + 1
            continue
        out += [*_pairs(pending), piece]
        pending, i = "", i + size
    return out + _pairs(pending)


def _terms(first: str, others) -> tuple[str, ...]:
    rest = sorted(set(others) - {first}, key=lambda t: (-len(t), t))
    return (first, *rest)[:MAX_TERMS] if first else tuple(rest[:MAX_TERMS])


def _words(text: str, vocab: Vocabulary) -> list[Word]:
    words: list[Word] = []
    for match in _TOKEN.finditer(text):
        if match["han"]:
            for piece in segment(match["han"], vocab):
                weight = 1 if piece in FILLERS else 5 * min(len(piece), MAX_HAN_WEIGHT)
                terms = _terms(piece, vocab.groups.get(piece, ()))
                words.append(Word(piece, "han", terms, weight, piece in FILLERS))
        elif match["latin"]:
            token = re.sub(r"\s+", "", match["latin"])
            spelt = vocab.by_pinyin.get(token, frozenset()) | vocab.groups.get(token, frozenset())
            words.append(Word(token, "pinyin", _terms("", spelt - {token}), 10))
        elif len(match["digits"]) >= 2:  # "1" alone is noise, "80" is 80周岁
            words.append(Word(match["digits"], "digits", (match["digits"],), 5))
    unique = {(w.text, w.kind): w for w in words}
    return list(unique.values())[:MAX_WORDS]


def plan(query: str, vocab: Vocabulary | None = None) -> Plan | None:
    """What to look for, or None when the input has nothing to look for. Raises
    ``QueryTooLong`` for an input no search box would send."""
    text = normalise(query)
    whole = re.sub(r"\s+", "", text)
    if len(whole) > MAX_QUERY:
        raise QueryTooLong(whole)
    if not whole or "\x00" in whole:
        return None
    if _CODE.match(whole):
        return Plan(whole=whole, code=whole)
    words = _words(text, vocab or vocabulary())
    return Plan(whole=whole, words=tuple(words)) if words else None


def searchable(query: str) -> bool:
    """Whether the input has any character a search could use (Chinese, letters, digits)."""
    return bool(_TOKEN.search(normalise(query)))


# -- the SQL --------------------------------------------------------------------------------


def _any(lookup: str, values) -> Q:
    """Any of the values; a condition nothing meets when there are none."""
    conditions = [Q(**{lookup: value}) for value in values]
    return reduce(operator.or_, conditions) if conditions else Q(pk__in=[])


def _hit(condition, weight: int = 1) -> Case:
    return Case(When(condition, then=Value(weight)), default=Value(0), output_field=IntegerField())


def _pinyin_match(token: str, *, start: bool) -> Q:
    """Full pinyin or initials: a prefix for short input (db), anywhere for longer (gljt)."""
    lookup = "prefix" if start or len(token) <= 2 else "contains"
    return Q(**{f"name_pinyin__{lookup}": token}) | Q(**{f"name_initials__{lookup}": token})


def _conditions(word: Word) -> dict[str, Q | Exists]:
    terms = word.terms
    name = _any("name__contains", terms)
    start = _any("name__startswith", terms)
    keywords = _any("keywords__contains", terms)
    direct = Q(name__contains=word.text)
    if word.kind == "pinyin":
        direct = _pinyin_match(word.text, start=False)
        name |= direct
        start |= _pinyin_match(word.text, start=True)
        keywords |= Q(keywords_pinyin__contains=f" {word.text}")
    materials = Material.objects.filter(
        version__service=OuterRef("pk"), version__status=VersionStatus.PUBLISHED
    ).filter(_any("name__contains", terms))
    return {
        "name": name,
        "direct": direct,
        "start": start,
        "kw_exact": _any("padded_keywords__contains", [f" {t} " for t in terms]),
        "keywords": keywords,
        "department": _any("department__name__contains", terms),
        "materials": Exists(materials),
    }


def _sum(parts):
    return reduce(operator.add, parts)


def ranked(qs: QuerySet, p: Plan) -> QuerySet:
    """``qs`` narrowed to what the plan matches, best first."""
    if p.code:
        return qs.filter(code__prefix=p.code).order_by("code")
    qs = qs.annotate(padded_keywords=Concat(Value(" "), "keywords", Value(" ")))
    required = set(p.required())
    score, coverage, weighed, found = [], [], [], []
    for word in p.words:
        c = _conditions(word)
        strong = c["name"] | c["keywords"]
        w = word.weight
        score += [
            _hit(c["name"], W_NAME * w),
            _hit(c["direct"], W_DIRECT * w),
            _hit(c["start"], W_START * w),
            _hit(c["kw_exact"], W_KW_EXACT * w),
            _hit(c["keywords"], W_KW * w),
            _hit(c["department"], W_DEPT * w),
            _hit(c["materials"], W_MATERIAL * w),
        ]
        if word in required:
            coverage.append(_hit(strong))
            weighed.append(_hit(strong, w))
            found.append(strong | c["department"] | Q(c["materials"]))
    qs = qs.filter(reduce(operator.or_, found)).annotate(
        exact=_hit(Q(name=p.whole)),
        coverage=_sum(coverage),
        score=_sum(score),
        name_length=Length("name"),
    )
    if len(weighed) > 1:
        # Several words ask a question: only the guides that answer the most of it. Every
        # word in their name or other words when some do (AND); else those matching the
        # weightiest words (身份证 over 补办, a longer word says more); and only when no
        # name or other words match at all, those found by department or materials alone
        # (almost every matter asks for 居民身份证: 补办身份证 must not list them all). A
        # single word keeps every guide that has it, materials after names.
        qs = qs.annotate(matched=_sum(weighed), best=Window(Max("matched"))).filter(
            matched=F("best")
        )
    return qs.order_by("-exact", "-coverage", "-score", "name_length", "code")


def search_services(query: str, *, department: str = "", life_event: str = "", limit: int = 50):
    """Public services matching the input (and department / life event codes): (code, name,
    department) rows, best first; by code when there is no input. Raises ``QueryTooLong``
    for an input no search box would send."""
    if not all(_SLUG.match(c) for c in (department, life_event) if c):
        return []
    qs = Service.objects.public()
    if department:
        qs = qs.filter(department__code=department)
    if life_event:  # the published version's life events (a filter on versions__ would
        # join the versions again, and match a retired version's)
        qs = qs.filter(
            Exists(
                ServiceVersion.objects.filter(
                    service=OuterRef("pk"),
                    status=VersionStatus.PUBLISHED,
                    life_events__code=life_event,
                )
            )
        )
    if not query.strip():
        return list(qs.order_by("code").values_list(*RESULT_FIELDS)[:limit])
    p = plan(query)
    if p is None:
        return []
    return list(ranked(qs, p).values_list(*RESULT_FIELDS)[:limit])


def suggest(query: str, *, limit: int = 5):
    """Close guides for an input that matched nothing ("did you mean"): names (and other
    words) with at least half of its characters (低宝 → 最低生活保障), or most of its pinyin's
    three-letter runs (dibaoo → dibao)."""
    try:
        p = plan(query)
    except QueryTooLong:
        return []
    if p is None or p.code:
        return []
    chars: set[str] = set()
    runs: set[str] = set()
    for word in p.required():
        if word.kind == "han" and word.text not in FILLERS:
            chars |= set(word.text)
        elif word.kind == "pinyin":
            runs |= {word.text[i : i + 3] for i in range(max(1, len(word.text) - 2))}
    pieces = sorted(chars | runs)
    if not pieces:
        return []
    shared = _sum(
        _hit(
            Q(name__contains=piece)
            | Q(keywords__contains=piece)
            | Q(name_pinyin__contains=piece)
            | Q(keywords_pinyin__contains=piece)
        )
        for piece in pieces
    )
    needed = (len(chars) + 1) // 2 + (len(runs) // 2 + 1 if runs else 0)
    return list(
        Service.objects.public()
        .annotate(shared=shared, name_length=Length("name"))
        .filter(shared__gte=needed)
        .order_by("-shared", "name_length", "code")
        .values_list(*RESULT_FIELDS)[:limit]
    )
