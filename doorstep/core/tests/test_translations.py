"""The translation catalogues: complete, compiled, and actually used.

Simplified Chinese is the default language; Traditional Chinese and English must be complete.
The .po files are parsed with a small parser of our own (no polib: it is not a dependency),
and the committed .mo files are read with the standard library's gettext.GNUTranslations.

After changing any user-facing string:

    cd doorstep && ../.venv/bin/python ../manage.py makemessages -l zh_Hans -l zh_Hant -l en \\
        --no-location --ignore "bench/*" --ignore "*/tests/*"
    # translate the new entries in the three django.po files, then
    ../.venv/bin/python ../manage.py compilemessages
"""

from __future__ import annotations

import ast
import gettext as stdlib_gettext
import re
import shutil
import subprocess
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template
from django.utils import translation
from django.utils.translation import gettext, ngettext, pgettext, templatize

LOCALE_DIR = Path(settings.LOCALE_PATHS[0])
SOURCE_DIR = LOCALE_DIR.parent  # the doorstep package
LANGS = ["zh_Hans", "zh_Hant", "en"]
PLURAL_FORMS = {
    "zh_Hans": "nplurals=1; plural=0;",
    "zh_Hant": "nplurals=1; plural=0;",
    "en": "nplurals=2; plural=(n != 1);",
}


# --- a tiny .po parser --------------------------------------------------------------------


@dataclass
class Entry:
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)  # plain msgstr is index 0
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False
    line: int = 0

    @property
    def key(self) -> str:
        """The key gettext uses: context EOT msgid."""
        return f"{self.msgctxt}\x04{self.msgid}" if self.msgctxt is not None else self.msgid

    @property
    def forms(self) -> list[str]:
        return [self.msgstr[i] for i in sorted(self.msgstr)]


def _unquote(text: str, where: str) -> str:
    text = text.strip()
    if not (len(text) >= 2 and text[0] == text[-1] == '"'):
        raise AssertionError(f"{where}: expected a quoted string, got {text!r}")
    # PO escapes (\n \t \" \\) are a subset of Python's.
    return ast.literal_eval(text)


def parse_po(path: Path) -> list[Entry]:
    """Entries of a .po file, the header (msgid "") included."""
    entries: list[Entry] = []
    entry = Entry()
    target: tuple[str, int | None] | None = None  # the field a continuation line adds to

    def finish():
        nonlocal entry, target
        if entry.line:
            entries.append(entry)
        entry, target = Entry(), None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        where = f"{path}:{number}"
        line = raw.strip()
        obsolete = line.startswith("#~")
        if obsolete:
            line = line[2:].strip()
            if line.startswith("|"):  # previous msgid of an obsolete entry
                continue
        if not line:
            finish()
            continue
        if line.startswith("#"):
            if entry.msgstr:  # a comment after a msgstr begins the next entry
                finish()
            if line.startswith("#,"):
                entry.flags |= {f.strip() for f in line[2:].split(",") if f.strip()}
            continue
        if line.startswith('"'):
            if target is None:
                raise AssertionError(f"{where}: string continuation without a keyword")
            name, index = target
            if name == "msgstr":
                entry.msgstr[index] += _unquote(line, where)
            else:
                setattr(entry, name, getattr(entry, name) + _unquote(line, where))
            continue
        keyword, _, rest = line.partition(" ")
        if keyword in ("msgctxt", "msgid") and entry.msgstr:  # no blank line between entries
            finish()
        entry.line = entry.line or number
        entry.obsolete = entry.obsolete or obsolete
        if keyword in ("msgctxt", "msgid", "msgid_plural"):
            setattr(entry, keyword, _unquote(rest, where))
            target = (keyword, None)
        elif keyword == "msgstr":
            entry.msgstr[0] = _unquote(rest, where)
            target = ("msgstr", 0)
        elif m := re.fullmatch(r"msgstr\[(\d+)\]", keyword):
            index = int(m.group(1))
            entry.msgstr[index] = _unquote(rest, where)
            target = ("msgstr", index)
        else:
            raise AssertionError(f"{where}: cannot parse {raw!r}")
    finish()
    return entries


def po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / "django.po"


def mo_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / "django.mo"


def header(entries: list[Entry]) -> tuple[Entry, dict[str, str]]:
    head = entries[0]
    assert head.msgid == "" and head.msgctxt is None, "the .po file must start with its header"
    fields = {}
    for line in head.msgstr[0].splitlines():
        name, _, value = line.partition(":")
        fields[name.strip()] = value.strip()
    return head, fields


def messages(lang: str) -> list[Entry]:
    """The live (non-obsolete) entries, header excluded."""
    return [e for e in parse_po(po_path(lang))[1:] if not e.obsolete]


def describe(e: Entry) -> str:
    return f"line {e.line}: {e.key!r}"


# --- (a) complete, nothing fuzzy ----------------------------------------------------------


def test_parser_reads_the_catalogue():
    entries = messages("zh_Hans")
    assert len(entries) > 100
    by_id = {e.key: e for e in entries}
    plural = by_id["%(n)s resident"]
    assert plural.msgid_plural == "%(n)s residents"
    assert plural.flags >= {"python-format"}
    assert all(e.msgid for e in entries)


@pytest.mark.parametrize("lang", LANGS)
def test_header(lang):
    head, fields = header(parse_po(po_path(lang)))
    assert "fuzzy" not in head.flags, f"{lang}: the header is marked fuzzy"
    assert fields.get("Content-Type") == "text/plain; charset=UTF-8"
    assert fields.get("Plural-Forms") == PLURAL_FORMS[lang]
    assert fields.get("Language") == lang


@pytest.mark.parametrize("lang", LANGS)
def test_every_entry_is_translated_and_not_fuzzy(lang):
    nplurals = 1 if lang.startswith("zh") else 2
    problems = []
    for e in messages(lang):
        if "fuzzy" in e.flags:
            problems.append(f"fuzzy: {describe(e)}")
        if e.msgid_plural is None:
            if list(e.msgstr) != [0] or not e.msgstr[0]:
                problems.append(f"untranslated: {describe(e)}")
        elif sorted(e.msgstr) != list(range(nplurals)) or not all(e.forms):
            problems.append(f"untranslated plural (want {nplurals} forms): {describe(e)}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("lang", LANGS)
def test_no_duplicate_entries(lang):
    dupes = [k for k, n in Counter(e.key for e in messages(lang)).items() if n > 1]
    assert not dupes


def test_all_languages_have_the_same_entries():
    keys = {lang: {e.key for e in messages(lang)} for lang in LANGS}
    assert keys["zh_Hant"] == keys["zh_Hans"]
    assert keys["en"] == keys["zh_Hans"]


def test_english_is_the_source_text():
    for e in messages("en"):
        want = [e.msgid] if e.msgid_plural is None else [e.msgid, e.msgid_plural]
        assert e.forms == want, describe(e)


CJK = r"[\u3400-\u9fff]"


@pytest.mark.parametrize("lang", ["zh_Hans", "zh_Hant"])
def test_chinese_is_chinese_with_full_width_punctuation(lang):
    problems = []
    for e in messages(lang):
        for text in e.forms:
            # Every entry is a Chinese sentence or label except pure placeholders.
            if not re.search(CJK, text) and re.sub(r"%\(\w+\)[sd]", "", text).strip():
                problems.append(f"no Chinese in {text!r}: {describe(e)}")
            if re.search(rf"{CJK}\s*[,;:?!()]|[,;:?!(]\s*{CJK}", text):
                problems.append(f"half-width punctuation in {text!r}: {describe(e)}")
            if re.search(rf'{CJK}\s*"|"\s*{CJK}', text):
                problems.append(f"straight quotes (use “”) in {text!r}: {describe(e)}")
    assert not problems, "\n".join(problems)


# Simplified-only characters the Traditional catalogue must never contain, and the s2twp
# vocabulary swap that would turn the mainland 社区 (community) into 社群.
SIMPLIFIED_ONLY = set("区这网员号码证书为页导录户楼栋门备签务级载传数据删设与该请")


def test_traditional_has_no_simplified_characters():
    problems = []
    for e in messages("zh_Hant"):
        for text in e.forms:
            if found := SIMPLIFIED_ONLY & set(text):
                problems.append(f"{''.join(sorted(found))} in {text!r}: {describe(e)}")
            if "社群" in text:
                problems.append(f"社群 (s2twp) instead of 社區 in {text!r}: {describe(e)}")
    assert not problems, "\n".join(problems)


# --- (b) the committed .mo files match the .po files -------------------------------------


def expected_catalog(lang: str) -> dict:
    """What GNUTranslations._catalog holds for a correctly compiled .po."""
    want = {}
    for e in messages(lang):
        if e.msgid_plural is None:
            want[e.key] = e.msgstr[0]
        else:
            for i, text in e.msgstr.items():
                want[(e.key, i)] = text
    return want


@pytest.mark.parametrize("lang", LANGS)
def test_mo_is_compiled_from_the_current_po(lang):
    path = mo_path(lang)
    assert path.exists(), f"{path} is missing: run manage.py compilemessages"
    with path.open("rb") as fp:
        compiled = stdlib_gettext.GNUTranslations(fp)
    got = {k: v for k, v in compiled._catalog.items() if k != ""}
    want = expected_catalog(lang)
    stale = sorted(map(str, want.keys() - got.keys())) + sorted(map(str, got.keys() - want.keys()))
    changed = sorted(str(k) for k in want.keys() & got.keys() if want[k] != got[k])
    assert not stale and not changed, (
        f"{path} is out of date with its .po (run manage.py compilemessages): "
        f"missing or extra {stale[:10]}, different {changed[:10]}"
    )
    _, fields = header(parse_po(po_path(lang)))
    assert compiled.plural(1) == 0
    assert compiled.plural(5) == (1 if lang == "en" else 0), fields["Plural-Forms"]


# --- (c) the catalogues are used ----------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "want"),
    [
        (
            "zh-hans",
            [
                "查找居民",
                "网格员",
                "社区",
                "公民身份号码",
                "部门审核人员",
                "共3位居民",
                "共1位居民",
            ],
        ),
        (
            "zh-hant",
            [
                "查找居民",
                "網格員",
                "社區",
                "公民身份號碼",
                "部門審核人員",
                "共3位居民",
                "共1位居民",
            ],
        ),
        (
            "en",
            [
                "Find a resident",
                "Grid worker",
                "Community",
                "ID number",
                "Department reviewer",
                "3 residents",
                "1 resident",
            ],
        ),
    ],
)
def test_strings_come_out_in_the_active_language(language, want):
    with translation.override(language):
        got = [
            gettext("Find a resident"),
            gettext("Grid worker"),
            gettext("Community"),
            gettext("ID number"),
            gettext("Department reviewer"),
            ngettext("%(n)s resident", "%(n)s residents", 3) % {"n": 3},
            ngettext("%(n)s resident", "%(n)s residents", 1) % {"n": 1},
        ]
    assert got == want


def test_model_labels_and_templates_are_translated():
    from doorstep.staff.choices import Role

    template = Template(
        '{% load i18n %}{% translate "Log in" %}|{% blocktranslate count n=n %}'
        "{{ n }} resident{% plural %}{{ n }} residents{% endblocktranslate %}"
    )
    rendered = {}
    for language in ("zh-hans", "zh-hant", "en"):
        with translation.override(language):
            rendered[language] = (str(Role.GRID_WORKER.label), template.render(Context({"n": 2})))
    assert rendered == {
        "zh-hans": ("网格员", "登录|共2位居民"),
        "zh-hant": ("網格員", "登錄|共2位居民"),
        "en": ("Grid worker", "Log in|2 residents"),
    }


def test_default_language_is_simplified_chinese():
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert [code for code, _ in settings.LANGUAGES] == ["zh-hans", "zh-hant", "en"]
    assert {translation.to_locale(code) for code, _ in settings.LANGUAGES} == set(LANGS)


@pytest.mark.parametrize(
    ("accept", "want"),
    [
        ("", "区、街道、社区工作人员由此登录。"),
        ("zh-CN,zh;q=0.9", "区、街道、社区工作人员由此登录。"),
        ("zh-TW", "區、街道、社區工作人員由此登錄。"),
        ("zh-HK", "區、街道、社區工作人員由此登錄。"),
        ("en-US,en;q=0.8", "Staff of the district, streets and communities log in here."),
    ],
)
def test_login_page_follows_the_browser_language(client, accept, want):
    headers = {"HTTP_ACCEPT_LANGUAGE": accept} if accept else {}
    response = client.get("/login/", **headers)
    assert response.status_code == 200
    assert want in response.content.decode()


# --- (d) placeholders survive translation -------------------------------------------------

PERCENT = re.compile(r"%(?:\([^)]+\))?[-#0 +]*\d*(?:\.\d+)?[sdifrxXeEgGc%]")
BRACE = re.compile(r"\{[^{}\s]*\}")
TAG = re.compile(r"</?[a-zA-Z][^<>]*>")


def placeholders(text: str, python_format: bool) -> Counter:
    found = Counter(BRACE.findall(text)) + Counter(TAG.findall(text))
    if python_format:
        found += Counter(PERCENT.findall(text))
    return found


@pytest.mark.parametrize("lang", LANGS)
def test_placeholders_match(lang):
    problems = []
    for e in messages(lang):
        python_format = "python-format" in e.flags
        sources = [e.msgid] if e.msgid_plural is None else [e.msgid, e.msgid_plural]
        allowed = [placeholders(s, python_format) for s in sources]
        for text in e.forms:
            got = placeholders(text, python_format)
            if got not in allowed:
                problems.append(f"{dict(got)} not in {[dict(a) for a in allowed]}: {describe(e)}")
    assert not problems, "\n".join(problems)


def test_placeholder_patterns():
    assert placeholders("Row %(row)d of %(n)s, 5%%", True) == Counter(["%(row)d", "%(n)s", "%%"])
    assert placeholders("<strong>{count}</strong> 条", False) == Counter(
        ["<strong>", "</strong>", "{count}"]
    )


# --- every string in the source code is in the catalogue ---------------------------------

XGETTEXT_KEYWORDS = [
    "--keyword=gettext_noop",
    "--keyword=gettext_lazy",
    "--keyword=ngettext_lazy:1,2",
    "--keyword=pgettext:1c,2",
    "--keyword=npgettext:1c,2,3",
    "--keyword=pgettext_lazy:1c,2",
    "--keyword=npgettext_lazy:1c,2,3",
]


def source_files() -> list[Path]:
    skip = {"tests", "bench", "migrations", "locale", "static", "__pycache__"}
    return sorted(
        p
        for p in SOURCE_DIR.rglob("*")
        if p.suffix in (".py", ".html", ".txt")
        and p.is_file()
        and not skip & set(p.relative_to(SOURCE_DIR).parts)
    )


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext is not installed")
def test_catalogue_covers_every_source_string(tmp_path):
    """The same extraction as makemessages, so a string added without makemessages fails."""
    inputs = []
    for i, path in enumerate(source_files()):
        if path.suffix == ".py":
            inputs.append(str(path))
        else:
            text = path.read_text(encoding="utf-8")
            if "{%" not in text:
                continue
            out = tmp_path / f"{i}.py"
            out.write_text(templatize(text, origin=str(path)), encoding="utf-8")
            inputs.append(str(out))
    result = subprocess.run(
        [
            "xgettext",
            "--language=Python",
            "--from-code=UTF-8",
            *XGETTEXT_KEYWORDS,
            "--output=-",
            *inputs,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    pot = tmp_path / "django.pot"
    pot.write_text(result.stdout, encoding="utf-8")
    extracted = {e.key for e in parse_po(pot)[1:]} if result.stdout else set()
    assert extracted, "xgettext found no strings"
    missing = extracted - {e.key for e in messages("zh_Hans")}
    assert not missing, (
        "strings not in the catalogue yet (run makemessages, translate, compilemessages): "
        f"{sorted(missing)}"
    )


def test_pgettext_is_supported_by_the_parser(tmp_path):
    po = tmp_path / "x.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Plural-Forms: nplurals=1; plural=0;\\n"\n\n'
        '#, fuzzy\nmsgctxt "place"\nmsgid "Street"\nmsgstr "街道"\n\n'
        'msgid "a \\"b\\""\nmsgstr ""\n"c "\n"d"\n\n'
        '#~ msgid "old"\n#~ msgstr "旧"\n',
        encoding="utf-8",
    )
    _header, *rest = parse_po(po)
    assert [(e.key, e.forms, e.flags, e.obsolete) for e in rest] == [
        ("place\x04Street", ["街道"], {"fuzzy"}, False),
        ('a "b"', ["c d"], set(), False),
        ("old", ["旧"], set(), True),
    ]
    with translation.override("zh-hans"):
        assert pgettext("no such context", "Street") == "Street"
