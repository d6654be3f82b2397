"""Forms of the programme pages: the programme itself (rules checked as they are typed and
again on save), the preview's date, and the why / why-not page's search."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from doorstep.catalogue.models import Service

from .choices import Kind, Mode
from .models import Programme

RULE_MAX = 4000  # a rule is a few lines; anything longer is not one an administrator wrote


def problem_text(problem) -> str:
    return _("line %(line)d, column %(column)d: %(message)s") % {
        "line": problem.line,
        "column": problem.column,
        "message": problem.message,
    }


@dataclass(frozen=True)
class ShownProblem:
    """A problem of a rule, with the line it is on and a caret under the column."""

    line: int
    column: int
    message: str
    source: str
    caret: str

    @property
    def text(self) -> str:
        return problem_text(self)


def rule_problems(text: str, *, required: bool) -> list[ShownProblem]:
    """What is wrong with a rule's text, ready to show under its field ([] when fine). An empty
    stop rule is fine (never stop); an empty grant rule is not."""
    from doorstep.rules import rules

    if len(text) > RULE_MAX:
        message = _("A rule may be at most %(n)d characters long.") % {"n": RULE_MAX}
        return [ShownProblem(1, 1, message, "", "")]
    if required:
        problems = rules.check(text)
    else:  # an empty stop rule (or only comments) means "never"
        try:
            rules.parse_optional(text)
        except rules.RuleError as exc:
            problems = exc.problems
        else:
            problems = []
    lines = text.splitlines() or [""]
    shown = []
    for p in problems:
        source = lines[p.line - 1] if 0 < p.line <= len(lines) else ""
        caret = " " * max(p.column - 1, 0) + "^"
        shown.append(ShownProblem(p.line, p.column, str(p.message), source, caret))
    return shown


class RuleField(forms.CharField):
    def __init__(self, *, required: bool, **kw):
        attrs = {
            "rows": 4,
            "class": "rule-text mono",
            "spellcheck": "false",
            "autocomplete": "off",
            "autocapitalize": "off",
        }
        super().__init__(
            required=required,
            max_length=RULE_MAX,
            strip=False,
            widget=forms.Textarea(attrs=attrs),
            **kw,
        )


class ProgrammeForm(forms.ModelForm):
    grant_rule = RuleField(
        required=True,
        label=gettext_lazy("Grant rule"),
        help_text=gettext_lazy('Who qualifies, e.g. age >= 80 && status == "active".'),
    )
    stop_rule = RuleField(
        required=False,
        label=gettext_lazy("Stop rule"),
        help_text=gettext_lazy(
            'Whose entitlement ends, e.g. status == "deceased". Empty: only when the grant '
            "rule no longer holds."
        ),
    )

    class Meta:
        model = Programme
        fields = [
            "code",
            "name",
            "department",
            "service",
            "policy",
            "kind",
            "mode",
            "period",
            "amount",
            "payment_method",
            "payment_timing",
            "signature",
            "certificate_type",
            "handler",
            "grant_rule",
            "stop_rule",
            "is_active",
        ]
        widgets = {"policy": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.rule_problems: dict[str, list[ShownProblem]] = {}
        self.fields["service"].queryset = Service.objects.filter(is_active=True).select_related(
            "department"
        )
        self.fields["handler"].queryset = (
            get_user_model().objects.filter(is_active=True).order_by("username")
        )
        self.fields["handler"].label_from_instance = lambda u: u.get_full_name() or u.username
        self.fields["code"].widget.attrs.update(autocapitalize="off", spellcheck="false")
        if self.instance.pk is None:  # a new programme starts switched off
            del self.fields["is_active"]

    def _clean_rule(self, name: str, *, required: bool) -> str:
        text = self.cleaned_data.get(name, "") or ""
        problems = rule_problems(text, required=required)
        self.rule_problems[name] = problems
        if problems:
            raise ValidationError([p.text for p in problems], code="invalid_rule")
        return text.strip()

    def clean_grant_rule(self) -> str:
        return self._clean_rule("grant_rule", required=True)

    def clean_stop_rule(self) -> str:
        return self._clean_rule("stop_rule", required=False)

    def clean(self) -> dict:
        data = super().clean()
        kind, mode = data.get("kind"), data.get("mode")
        amount = data.get("amount")
        if amount is not None and amount < 0:
            self.add_error("amount", _("The amount cannot be negative."))
        if kind == Kind.RENEWAL:
            needed = {
                "certificate_type": _("A renewal programme needs the certificate type it renews."),
                "service": _("A renewal programme needs the service its cases are opened for."),
                "handler": _("A renewal programme needs the member of staff who handles them."),
            }
            for field, message in needed.items():
                if not data.get(field) and field not in self.errors:
                    self.add_error(field, message)
        if mode == Mode.OFFER and kind and kind != Kind.GRANT:
            self.add_error("mode", _("Only a programme that grants a benefit can offer it."))
        return data

    def _post_clean(self):
        # The model's check constraints repeat clean()'s rules in words nobody reads; with
        # field errors already given, leave them out.
        if self.errors:
            return
        super()._post_clean()


def add_action_errors(form: forms.Form, exc: ValidationError) -> None:
    """Put an action's ValidationError on the form: by field when it names one."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            target = field if field in form.fields else None
            for error in errors:
                for message in error.messages:
                    form.add_error(target, message)
    else:
        for message in exc.messages:
            form.add_error(None, message)


class OnDateForm(forms.Form):
    """The scan date of a preview or explanation (today when empty)."""

    on = forms.DateField(
        label=gettext_lazy("On"),
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def clean_on(self) -> datetime.date | None:
        on = self.cleaned_data.get("on")
        if on is not None and not (datetime.date(1900, 1, 1) <= on <= datetime.date(2200, 1, 1)):
            raise ValidationError(_("Give a date between 1900 and 2200."), code="invalid")
        return on


# ---- the fact reference beside the rule fields -------------------------------------------------


@dataclass(frozen=True)
class Fact:
    name: str
    kind: str
    meaning: str
    example: str


FACTS = (
    Fact(
        "age",
        gettext_lazy("whole number"),
        gettext_lazy("Age in whole years on the day of the run."),
        "age >= 80",
    ),
    Fact(
        "sex",
        pgettext_lazy("type of a rule fact", "text"),
        gettext_lazy('"M" or "F".'),
        'sex == "F"',
    ),
    Fact(
        "status",
        pgettext_lazy("type of a rule fact", "text"),
        gettext_lazy('"active", "moved_out" or "deceased".'),
        'status == "active"',
    ),
    Fact(
        "area",
        gettext_lazy("area code"),
        gettext_lazy("Where the resident lives; startsWith keeps everything inside an area."),
        'area.startsWith("420105006")',
    ),
    Fact(
        "tags",
        gettext_lazy("list of tags"),
        gettext_lazy("The resident's tags, by code or name."),
        '"低保" in tags',
    ),
    Fact(
        "household_size",
        gettext_lazy("whole number"),
        gettext_lazy("Active residents in the same household; 0 when none is recorded."),
        "household_size <= 2",
    ),
    Fact(
        "lives_alone",
        gettext_lazy("yes / no"),
        gettext_lazy("The household has this one resident."),
        "lives_alone",
    ),
    Fact(
        "certificates",
        gettext_lazy("list of certificates"),
        gettext_lazy(
            "Only with exists: c.type (type code), c.days_to_expiry, c.valid, c.renewal_due."
        ),
        'certificates.exists(c, c.type == "disability" && c.days_to_expiry <= 365)',
    ),
    Fact(
        "holds(…)",
        gettext_lazy("yes / no"),
        gettext_lazy("The resident holds an entitlement of that programme (this or last period)."),
        '!holds("elderly-80")',
    ),
)

OPERATORS = "&&  ||  !  ( )  ==  !=  <  <=  >  >=  in [ … ]"
