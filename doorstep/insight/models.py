"""Insight keeps no facts of its own: metrics read the other apps' rows (``metrics``); rollups
and the export log live here."""
