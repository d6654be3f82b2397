"""Signals a lower app sends for an upper one to act on, so the import layers stay one way."""

from __future__ import annotations

from django.dispatch import Signal

# Sent (``sender`` the model, ``pk`` the row) inside the transaction, just before a write
# changes a row the figures may have rolled up (``insight.rollups`` takes it out of its
# tallies first, and reads it from the row again from then on).
tallied_row_changing = Signal()

# Sent (``sender`` the model, ``pk`` the row) inside the transaction, just after a write closed
# a row (``insight.rollups`` adds it to its tallies at once, so the dashboards are current).
row_closed = Signal()
