"""Plain-Django JSON endpoints: one error shape, strict readers for request fields, and one
decorator that makes an endpoint answer in JSON (401, 403, 404, 405) instead of HTML pages.

The project has no API framework yet (DESIGN.md §5 names django-ninja for the OpenAPI schema);
until it has one, every app's ``api.py`` uses these so that clients meet the same shapes:

- errors are ``{"error": {"code", "message", "fields"}}``; a ``ValidationError`` raised by an
  action becomes one, with its code, and a status from a per-app mapping (default 400, and 404
  for ``not_found``);
- readers (``read_int``, ``read_ids`` …) refuse wrong types instead of coercing them, because a
  string where a list was expected would otherwise be read character by character, and
  ``True`` or ``1.5`` would quietly become an id.
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Callable, Iterable, Mapping
from functools import wraps

from django.core.exceptions import (
    PermissionDenied,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
    ValidationError,
)
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.middleware.csrf import CsrfViewMiddleware
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from .errors import field_error

DEFAULT_STATUSES: dict[str, int] = {"not_found": 404}
MAX_IDS = 200  # no checklist is longer; a longer list is a broken or hostile client


def error(status: int, code: str, message: str, fields: dict | None = None) -> JsonResponse:
    body = {"error": {"code": code, "message": str(message), "fields": fields or {}}}
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


def ok(data: dict, status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})


def from_validation(
    exc: ValidationError, statuses: Mapping[str, int] | None = None
) -> JsonResponse:
    """The error response for ``exc``: its first code decides the status (``statuses`` maps
    codes to statuses, over ``DEFAULT_STATUSES``; anything else is 400)."""
    fields: dict[str, list[str]] = {}
    codes: list[str] = []
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            fields[field] = [m for e in errors for m in e.messages]
            codes += [e.code or "invalid" for e in errors]
    else:
        codes = [e.code or "invalid" for e in exc.error_list]
    code = codes[0] if codes else "invalid"
    status = {**DEFAULT_STATUSES, **(statuses or {})}.get(code, 400)
    return error(status, code, exc.messages[0] if exc.messages else _("Invalid input."), fields)


def json_body(request: HttpRequest) -> dict | None:
    """The request body as a JSON object, or None when it is not one."""
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def read_body(request: HttpRequest) -> dict:
    data = json_body(request)
    if data is None:
        raise ValidationError(_("The request body is not a JSON object."), code="bad_json")
    return data


# ---- readers: each returns the value or raises a ValidationError naming the field -----------


invalid = field_error  # the readers' name for it


def _as_int(value: object) -> int | None:
    if isinstance(value, bool):  # bool is an int in Python, never an id in JSON
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"[0-9]{1,18}", value.strip()):
        return int(value)
    return None


def read_int(value: object, field: str, *, required: bool = False) -> int | None:
    if value is None or value == "":
        if required:
            raise invalid(field, _("This field is required."), "required")
        return None
    number = _as_int(value)
    if number is None:
        raise invalid(field, _("Give a whole number."))
    return number


def read_ids(value: object, field: str) -> list[int]:
    """A list of ids (JSON numbers or strings of digits); missing means none."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise invalid(field, _("Give a list of ids."))
    if len(value) > MAX_IDS:
        raise invalid(field, _("Too many ids."), "too_long")
    ids = [_as_int(v) for v in value]
    if None in ids:
        raise invalid(field, _("Give a list of ids."))
    return ids  # type: ignore[return-value]


def read_text(value: object, field: str, *, max_length: int, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise invalid(field, _("Give text."))
    if len(value) > max_length:
        raise invalid(
            field,
            _("At most %(n)d characters.") % {"n": max_length},
            "too_long",
        )
    if required and not value.strip():
        raise invalid(field, _("This field is required."), "required")
    return value


def read_bool(value: object, field: str, *, default: bool) -> bool:
    if value is None:
        return default
    if not isinstance(value, bool):
        raise invalid(field, _("Give true or false."))
    return value


def read_date(value: object, field: str) -> datetime.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, str) and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            pass
    raise invalid(field, _("Give a date as YYYY-MM-DD."))


def read_choice(value: object, field: str, choices: Iterable[str], *, code: str = "invalid") -> str:
    options = list(choices)
    if not isinstance(value, str) or value not in options:
        message = _("Choose one of: %(choices)s.") % {"choices": ", ".join(options)}
        raise invalid(field, message, code)
    return value


# ---- the decorator ---------------------------------------------------------------------------


class _CsrfCheck(CsrfViewMiddleware):
    def _reject(self, request, reason):
        return reason


def csrf_failure(request: HttpRequest) -> str | None:
    """Django's own CSRF check (token, Origin, Referer), run by hand: why it fails, or None."""
    check = _CsrfCheck(lambda request: HttpResponse())
    check.process_request(request)
    return check.process_view(request, None, (), {})


def api_view(
    methods: Iterable[str],
    *,
    login: bool = True,
    statuses: Mapping[str, int] | None = None,
) -> Callable:
    """Make ``view`` a JSON endpoint.

    ``login=True``: anonymous callers get 401 (not a redirect to the log-in page, which a tablet
    app cannot follow), and unsafe methods must pass Django's CSRF check. The check runs here,
    after authentication, rather than in the middleware before it, so that a caller without a
    session is told 401 and a failed check is JSON like every other error.
    ``login=False``: a public, cookie-less endpoint (no session for a forged request to ride on).

    Errors raised by actions or access helpers come back in the one error shape:
    ``ValidationError`` by its code (``statuses``), ``Http404`` as 404 ``not_found``,
    ``PermissionDenied`` as 403 ``forbidden``.
    """
    allowed = [m.upper() for m in methods]

    def decorator(view: Callable) -> Callable:
        @csrf_exempt
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.method not in allowed:
                response = error(405, "method_not_allowed", _("Method not allowed."))
                response["Allow"] = ", ".join(allowed)
                return response
            if login:
                if not request.user.is_authenticated:
                    return error(401, "not_authenticated", _("Log in first."))
                reason = csrf_failure(request)
                if reason:
                    message = _("CSRF check failed: %(reason)s") % {"reason": reason}
                    return error(403, "csrf_failed", message)
            try:
                return view(request, *args, **kwargs)
            except ValidationError as exc:
                return from_validation(exc, statuses)
            except Http404:
                return error(404, "not_found", _("Not found."))
            except PermissionDenied as exc:
                message = str(exc) or _("You may not do this.")
                return error(403, "forbidden", message)
            except RequestDataTooBig:
                return error(413, "too_large", _("The request is too large."))
            except (MultiPartParserError, TooManyFieldsSent, TooManyFilesSent):
                return error(400, "bad_request", _("The request could not be read."))

        return wrapper

    return decorator
