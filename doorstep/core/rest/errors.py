"""The one error shape, ``{"code", "message", "field"}``, and the one handler that turns every
error an operation can meet into it: bad input (ninja's and pydantic's, Django's
``ValidationError`` from an action) is 400; missing and not-yours alike 404; someone else's
change or a refused transition 409. Messages are gettext, in the request's language."""

from __future__ import annotations

from django.core.exceptions import (
    PermissionDenied,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from ninja import Schema
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError


class Error(Schema):
    code: str
    message: str
    field: str | None = None


class ApiError(Exception):
    """An error whose status and code the operation decides (when no domain exception says it)."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None):
        self.status, self.code, self.message, self.field = status, code, message, field
        super().__init__(message)


class BadRequest(Exception):
    """Input refused before any schema saw it (the parser's checks)."""

    def __init__(self, code: str, field: str | None = None):
        self.code, self.field = code, field
        super().__init__(code)


# Domain codes that are not the caller's mistake in the request but a state of the world.
CONFLICT = {
    "changed",
    "invalid_transition",
    "full",
    "duplicate",
    "not_cancellable",
    "cancelled",
    "past",
    "cannot_run",
    "inactive",
    "rule_broken",
    "expired",
    "too_many",
    # satisfaction: rated already, the rating window closed, done or decided already, an
    # appeal pending or made
    "rated",
    "window_closed",
    "done",
    "decided",
    "pending",
    "appealed",
}
STATUS_BY_CODE = {"not_found": 404, "throttled": 429, **dict.fromkeys(CONFLICT, 409)}


def error(status: int, code: str, message: str, field: str | None = None) -> JsonResponse:
    body = {"code": code, "message": str(message), "field": field}
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


def errors(*statuses: int) -> dict[int, type[Error]]:
    """The ``response`` entries for the error statuses an operation documents."""
    return dict.fromkeys((400, *statuses), Error)


# ---- messages for pydantic's error types -------------------------------------------------------


def _choices(ctx: dict) -> str:
    expected = ctx.get("expected", "")
    return str(expected).replace("'", "")


def pydantic_message(item: dict) -> tuple[str, str]:
    """(code, message) for one of pydantic's errors."""
    kind, ctx = item.get("type", ""), item.get("ctx") or {}
    if kind == "missing":
        return "required", _("This field is required.")
    if kind == "nul":
        return "nul", _("Text must not contain NUL characters.")
    if kind in ("string_too_long", "too_long"):
        return "too_long", _("At most %(n)d.") % {"n": ctx.get("max_length", 0)}
    if kind in ("less_than_equal", "greater_than_equal", "greater_than", "less_than"):
        return "out_of_range", _("This number is out of range.")
    if kind.startswith(("int_", "float_", "decimal_")):
        return "invalid", _("Give a whole number.")
    if kind.startswith("bool_"):
        return "invalid", _("Give true or false.")
    if kind.startswith("string_"):
        return "invalid", _("Give text.")
    if kind.startswith(("date_", "datetime_")):
        return "invalid", _("Give a date as YYYY-MM-DD.")
    if kind in ("literal_error", "enum"):
        return "invalid", _("Choose one of: %(choices)s.") % {"choices": _choices(ctx)}
    if kind in ("list_type", "dict_type", "model_type", "model_attributes_type"):
        return "invalid", _("This has the wrong type.")
    if kind == "value_error" and ctx.get("error"):
        return "invalid", str(ctx["error"])
    return "invalid", _("Invalid input.")


def _field(loc) -> str | None:
    parts = [str(p) for p in loc[1:] if not isinstance(p, int)] if loc else []
    # ninja nests a body schema under the parameter's name: the caller knows only the field.
    if len(parts) > 1 and parts[0] in ("payload", "data", "body", "filters"):
        parts = parts[1:]
    return ".".join(parts) or None


# ---- the handlers ------------------------------------------------------------------------------


def on_ninja_validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    first = exc.errors[0] if exc.errors else {}
    code, message = pydantic_message(first)
    return error(400, code, message, _field(first.get("loc")))


def on_django_validation(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    field = None
    if hasattr(exc, "error_dict"):
        field, found = next(iter(exc.error_dict.items()))
        first = found[0]
    else:
        first = exc.error_list[0]
    code = first.code or "invalid"
    if code == "invalid_rule" and field is None:
        code = "rule_broken"
    message = first.messages[0] if first.messages else _("Invalid input.")
    field = None if field == "__all__" else field
    return error(STATUS_BY_CODE.get(code, 400), code, message, field)


def on_api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
    return error(exc.status, exc.code, exc.message, exc.field)


def on_bad_request(request: HttpRequest, exc: BadRequest) -> HttpResponse:
    if exc.code == "nul":
        return error(400, "nul", _("Text must not contain NUL characters."), exc.field)
    return error(400, exc.code, _("The request could not be read."), exc.field)


def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc, AuthenticationError):
        return error(401, "not_authenticated", _("Log in first, or give an API key."))
    if isinstance(exc, Throttled):
        response = error(429, "throttled", _("Too many requests. Try again later."))
        if exc.wait:
            response["Retry-After"] = str(int(exc.wait))
        return response
    if exc.status_code == 403:
        return error(403, "csrf_failed", _("CSRF check failed. Reload the page and try again."))
    if exc.status_code == 400:
        return error(400, "bad_json", _("The request body is not valid JSON."))
    return error(exc.status_code, "error", str(exc))


def on_404(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error(404, "not_found", _("Not found."))


def on_forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return error(403, "forbidden", str(exc) or _("You may not do this."))


def on_too_big(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error(413, "too_large", _("The request is too large."))


def on_unreadable(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error(400, "bad_request", _("The request could not be read."))


def install(api) -> None:
    api.add_exception_handler(NinjaValidationError, on_ninja_validation)
    api.add_exception_handler(DjangoValidationError, on_django_validation)
    api.add_exception_handler(BadRequest, on_bad_request)
    api.add_exception_handler(ApiError, on_api_error)
    api.add_exception_handler(HttpError, on_http_error)
    api.add_exception_handler(Http404, on_404)
    api.add_exception_handler(PermissionDenied, on_forbidden)
    api.add_exception_handler(RequestDataTooBig, on_too_big)
    for exc in (MultiPartParserError, TooManyFieldsSent, TooManyFilesSent, UnicodeDecodeError):
        api.add_exception_handler(exc, on_unreadable)
