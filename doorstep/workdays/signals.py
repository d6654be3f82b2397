"""``schedule_changed``: sent after an official schedule (holidays and make-up working days) is
entered or edited, by the admin or by ``seed_holidays``, with ``years`` (the years touched).

Other apps recount what they counted in working days (the cases app: every open case's due
date). Sent inside the writing transaction; receivers that write should do so on commit."""

from __future__ import annotations

from django.dispatch import Signal

schedule_changed = Signal()


def send_schedule_changed(sender, years) -> None:
    schedule_changed.send(sender=sender, years=tuple(sorted(set(years))))
