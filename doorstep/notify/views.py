"""The inbox page: my items, newest first, with read / unread; open one (marks it read and
follows its link), mark one or all read. Every request sees only the user's own items."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .inbox import access_item, do_mark_all_read, do_mark_read, items_for, unread_count

PAGE_SIZE = 25


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    only_unread = request.GET.get("show") == "unread"
    items = items_for(request.user)
    if only_unread:
        items = items.filter(read_at__isnull=True)
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "only_unread": only_unread, "unread": unread_count(request.user)}
    return render(request, "notify/inbox.html", context)


@login_required
@require_POST
def open_item(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark the item read and go where it came from (back to the inbox when it has no link)."""
    item = access_item(request.user, pk)
    do_mark_read(item, actor=request.user)
    return redirect(item.url or "notify-inbox")


@login_required
@require_POST
def mark_read(request: HttpRequest, pk: int) -> HttpResponse:
    item = access_item(request.user, pk)
    do_mark_read(item, actor=request.user)
    return redirect("notify-inbox")


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    count = do_mark_all_read(actor=request.user)
    messages.success(request, _("%(count)d items marked read.") % {"count": count})
    return redirect("notify-inbox")
