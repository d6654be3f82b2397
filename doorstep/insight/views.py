"""Ledger screens: the page of the ledgers a person may export, the download, and the feed
links (make, revoke, and the fetch by another system, which needs no login).

Thin: who may export a ledger is who may read its list (``Ledger.may``); the rows come through
the list's own scoping and FilterSet inside ``actions``. Bad filters answer 400 on the page
with what is wrong, and make no file and no log row.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from doorstep.core.ids import pk_or_404
from doorstep.core.throttle import Throttle, client_address

from . import actions
from .forms import FeedForm, SheetsForm
from .ledgers import LEDGERS, Ledger, ledgers_for
from .models import LedgerFeed

# Wrong feed links from one address; fetches through one link (each is a whole export).
FEED_GUESSES = Throttle("ledger-feed-guess", limit=20, window=600)
FEED_FETCHES = Throttle("ledger-feed-fetch", limit=30, window=3600)


def _ledger(user, key: str) -> Ledger:
    ledger = LEDGERS.get(key)
    if ledger is None:
        raise Http404
    if not ledger.may(user):
        raise PermissionDenied
    return ledger


def _blocks(request: HttpRequest, bound: Ledger | None = None) -> list[dict]:
    """Each ledger the user may export with its filter form (``bound`` with the request's
    input, to show what is wrong with it)."""
    blocks = []
    for ledger in ledgers_for(request.user):
        data = request.GET if ledger is bound else None
        filters = ledger.filtered(data, request=request)
        filters.form.auto_id = f"id_{ledger.key}_%s"
        blocks.append(
            {
                "ledger": ledger,
                "form": filters.form,
                "sheets": SheetsForm(data, auto_id=f"id_{ledger.key}_%s"),
                "bound": ledger is bound,
            }
        )
    return blocks


def _page(request: HttpRequest, *, bound: Ledger | None = None, errors=None, status=200):
    feeds = list(LedgerFeed.objects.filter(owner=request.user, revoked_at__isnull=True))
    for feed in feeds:
        feed.title = LEDGERS[feed.ledger].title if feed.ledger in LEDGERS else feed.ledger
    context = {
        "blocks": _blocks(request, bound),
        "feeds": feeds,
        "errors": errors or [],
    }
    return render(request, "insight/ledgers.html", context, status=status)


@login_required
@require_GET
def ledger_index(request: HttpRequest) -> HttpResponse:
    if not ledgers_for(request.user):
        raise PermissionDenied
    return _page(request)


@login_required
@require_GET
@never_cache
def ledger_download(request: HttpRequest, key: str) -> HttpResponse:
    ledger = _ledger(request.user, key)
    try:
        made = actions.do_export_ledger(ledger, request.GET, actor=request.user)
    except ValidationError as exc:
        return _page(request, bound=ledger, errors=exc.messages, status=400)
    return FileResponse(made.file, as_attachment=True, filename=made.filename)


@login_required
def feed_new(request: HttpRequest, key: str) -> HttpResponse:
    """Make a feed link for the filters in the query string; its secret is shown once."""
    ledger = _ledger(request.user, key)
    form = FeedForm(request.POST or None)
    status, errors = 200, []
    try:
        actions.check(ledger, request.GET, actor=request.user)
    except ValidationError as exc:
        errors, status = exc.messages, 400
    if request.method == "POST" and not errors:
        status = 400
        if form.is_valid():
            feed, secret = actions.do_create_feed(
                ledger, request.GET, actor=request.user, name=form.cleaned_data["name"]
            )
            url = request.build_absolute_uri(reverse("insight-feed", args=[secret]))
            response = render(request, "insight/feed_made.html", {"feed": feed, "url": url})
            response["Cache-Control"] = "no-store"
            return response
    filters = actions.filters_of(request.GET)
    context = {"ledger": ledger, "form": form, "filters": filters, "errors": errors}
    return render(request, "insight/feed_new.html", context, status=status)


@login_required
@require_POST
def feed_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    feed = LedgerFeed.objects.filter(pk=pk_or_404(pk), owner=request.user).first()
    if feed is None:
        raise Http404
    if actions.do_revoke_feed(feed, actor=request.user):
        messages.success(request, _("Feed “%(name)s” revoked: its link no longer works.") % {
            "name": feed.name
        })  # fmt: skip
    return redirect("insight-ledgers")


@require_GET
@never_cache
def feed_fetch(request: HttpRequest, token: str) -> HttpResponse:
    """Another system fetches a ledger by the link's secret: no login, the owner's scope now.
    A wrong, revoked or no longer permitted link answers 404 alike; guessing is throttled."""
    address = client_address(request)
    if FEED_GUESSES.blocked(address):
        return HttpResponse(_("Too many wrong links. Try again later."), status=429)
    feed = actions.feed_for(token)
    ledger = LEDGERS.get(feed.ledger) if feed is not None else None
    if feed is None or ledger is None or not ledger.may(feed.owner):
        FEED_GUESSES.hit(address)
        raise Http404
    if FEED_FETCHES.blocked(str(feed.pk)):
        return HttpResponse(_("This feed was fetched too often. Try again later."), status=429)
    FEED_FETCHES.hit(str(feed.pk))
    try:
        made = actions.do_fetch_feed(feed, ledger)
    except ValidationError as exc:
        return HttpResponse(" ".join(exc.messages), status=400, content_type="text/plain")
    return FileResponse(made.file, as_attachment=True, filename=made.filename)
