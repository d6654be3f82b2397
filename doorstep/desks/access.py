"""Checked fetches for staff: the same 404 for "does not exist" and "not yours"."""

from __future__ import annotations

from django.http import Http404

from .models import Appointment, DeskSession, QueueTicket


def access_session(user, pk: int) -> DeskSession:
    session = (
        DeskSession.objects.visible_to(user)
        .select_related("desk", "compound")
        .filter(pk=pk)
        .first()
    )
    if session is None:
        raise Http404
    return session


def access_appointment(user, pk: int) -> Appointment:
    appointment = (
        Appointment.objects.visible_to(user)
        .select_related("slot__session__desk", "slot__session__compound", "service")
        .filter(pk=pk)
        .first()
    )
    if appointment is None:
        raise Http404
    return appointment


def access_ticket(user, pk: int) -> QueueTicket:
    ticket = (
        QueueTicket.objects.filter(session__in=DeskSession.objects.visible_to(user))
        .select_related("session")
        .filter(pk=pk)
        .first()
    )
    if ticket is None:
        raise Http404
    return ticket
