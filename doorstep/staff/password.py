"""The holder's own password: the change page (Django's views, our templates and form) and the
change that an administrator's reset asks for.

After a reset (``PasswordChangeDue``), the sign-in notes it in the session and, until the holder
has chosen a new password, every page but the change page, logging out and the JSON API (token
auth) answers with a redirect to the change page. Reading the session first keeps every
other request free of an extra query; a reset while signed in ends the session anyway
(the password hash changes), so the next sign-in notes it.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse, reverse_lazy
from django_htmx.http import HttpResponseClientRedirect

from . import actions
from .forms import OwnPasswordForm

CHANGE_DUE = "doorstep_password_change_due"
# Pages left open while a change is due, besides the change pages themselves.
OPEN_PREFIXES = ("/api/", "/i18n/", "/favicon.ico")


def note_change_due(sender, request, user, **kwargs) -> None:
    """Connected to ``user_logged_in``: a sign-in after a reset must change the password."""
    if request is not None and hasattr(request, "session") and actions.password_change_due(user):
        request.session[CHANGE_DUE] = True


class PasswordChangeDueMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        # The user is read only when the session says a change is due.
        if (
            session is not None
            and session.get(CHANGE_DUE)
            and not self._open(request.path)
            and request.user.is_authenticated
        ):
            url = reverse("staff-password-change")
            if getattr(request, "htmx", False):
                return HttpResponseClientRedirect(url)
            return redirect(url)
        return self.get_response(request)

    @staticmethod
    def _open(path: str) -> bool:
        names = ("staff-password-change", "staff-password-change-done", "logout")
        return (
            path in {reverse(name) for name in names}
            or path.startswith(OPEN_PREFIXES)
            or path.startswith(settings.STATIC_URL)
        )


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = OwnPasswordForm
    template_name = "staff/password_change.html"
    success_url = reverse_lazy("staff-password-change-done")

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs, due=bool(self.request.session.get(CHANGE_DUE)))

    def form_valid(self, form):
        try:
            actions.do_change_own_password(
                user=form.user, password=form.cleaned_data["new_password1"]
            )
        except ValidationError as exc:
            form.add_error("new_password2", exc)
            return self.form_invalid(form)
        update_session_auth_hash(self.request, form.user)
        self.request.session.pop(CHANGE_DUE, None)
        return HttpResponseRedirect(self.get_success_url())


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "staff/password_change_done.html"
