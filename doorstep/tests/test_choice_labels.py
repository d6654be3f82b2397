"""No internal code on any page: every TextChoices / IntegerChoices label of every app, rendered
in every language, is a label and not the code behind it ("once"), and is translated in
Simplified Chinese (it carries Chinese characters).

The Chinese check fails in a branch for labels it adds until the merge fills the catalogue; it
names each one."""

from __future__ import annotations

import importlib
import re

import pytest
from django.apps import apps
from django.db import models
from django.template import Context, Template
from django.utils import translation

LANGUAGES = ["zh-hans", "zh-hant", "en"]
CJK = re.compile(r"[\u4e00-\u9fff]")
# A code: what a program stores, not what a person reads ("once", "grid_worker", "A1").
CODE = re.compile(r"^[a-z0-9_.:-]+$")
# Labels that are Chinese-free on purpose, in every language: (choices class, value).
NOT_WORDS: set[tuple[str, object]] = set()


def all_choices() -> list[type[models.Choices]]:
    """Every Choices class defined in a doorstep app (its choices module and its models)."""
    for config in apps.get_app_configs():
        if config.name.startswith("doorstep"):
            try:
                importlib.import_module(f"{config.name}.choices")
            except ModuleNotFoundError:
                pass

    def walk(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from walk(sub)

    found = {
        cls
        for base in (models.TextChoices, models.IntegerChoices)
        for cls in walk(base)
        if cls.__module__.startswith("doorstep.") and ".tests" not in cls.__module__
    }
    return sorted(found, key=lambda c: (c.__module__, c.__qualname__))


CHOICES = all_choices()
RENDER = Template("{{ member.label }}")


def rendered(member) -> str:
    return RENDER.render(Context({"member": member})).strip()


def test_every_app_is_found():
    modules = {cls.__module__.split(".")[1] for cls in CHOICES}
    assert {"cases", "desks", "proactive", "staff", "people", "needs"} <= modules


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_label_is_its_code(language):
    shown = []
    with translation.override(language):
        for cls in CHOICES:
            for member in cls:
                label = rendered(member)
                if not label or (label == str(member.value) and CODE.match(label)):
                    shown.append(f"{cls.__module__}.{cls.__qualname__}.{member.name}: {label!r}")
                elif label.lower().replace(" ", "_") == str(member.value) and language != "en":
                    shown.append(f"{cls.__module__}.{cls.__qualname__}.{member.name}: {label!r}")
    assert not shown, f"Labels that show their code ({language}):\n" + "\n".join(shown)


def test_every_label_is_translated_in_simplified_chinese():
    untranslated = []
    with translation.override("zh-hans"):
        for cls in CHOICES:
            for member in cls:
                if (cls.__qualname__, member.value) in NOT_WORDS:
                    continue
                label = rendered(member)
                if not CJK.search(label):
                    untranslated.append(
                        f"{cls.__module__}.{cls.__qualname__}.{member.name}: {label!r}"
                    )
    assert not untranslated, "Labels not in Chinese (zh-hans):\n" + "\n".join(untranslated)


def test_a_traditional_label_is_not_the_english_one():
    """zh-hant is filled from zh-hans by OpenCC: a label English there was missed."""
    english = []
    for cls in CHOICES:
        for member in cls:
            if (cls.__qualname__, member.value) in NOT_WORDS:
                continue
            with translation.override("zh-hant"):
                label = rendered(member)
            if not CJK.search(label):
                english.append(f"{cls.__module__}.{cls.__qualname__}.{member.name}: {label!r}")
    assert not english, "Labels not in Chinese (zh-hant):\n" + "\n".join(english)


def test_every_model_fields_choices_are_labels():
    """Choices given to model fields (Choices classes or plain pairs) never show a code."""
    shown = []
    for model in apps.get_models():
        if not model.__module__.startswith("doorstep."):
            continue
        for field in model._meta.get_fields():
            for value, label in getattr(field, "flatchoices", None) or ():
                with translation.override("zh-hans"):
                    text = str(label)
                if text == str(value) and CODE.match(text):
                    shown.append(f"{model._meta.label}.{field.name}: {text!r}")
    assert not shown, "Model field choices that show their code:\n" + "\n".join(shown)


def test_a_one_off_period_reads_as_a_word_not_its_code():
    """A one-off programme's period is stored as "once": the resident page's programme list
    (and the run, preview and why pages, through the same filter) show the Period label."""
    from types import SimpleNamespace

    from django.template.loader import render_to_string

    from doorstep.proactive.choices import EntitlementStatus, Period

    entitlement = SimpleNamespace(
        programme=SimpleNamespace(name="独居老人一键呼叫设备"),
        programme_id=1,
        period=Period.ONCE.value,
        granted_at=None,
        get_status_display=lambda: EntitlementStatus.GRANTED.label,
    )
    with translation.override("zh-hans"):
        html = render_to_string(
            "proactive/_resident_programmes.html",
            {"entitlements": [entitlement], "resident": SimpleNamespace(pk=1), "opted_out": []},
        )
        label = str(Period.ONCE.label)
    assert ">once<" not in html
    assert f'<span class="mono">{label}</span>' in html
