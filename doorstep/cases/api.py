"""JSON endpoints for cases (to be written, issue 4)."""

from __future__ import annotations

urlpatterns: list = []
