"""Residents' needs (急难愁盼): one owner at a time, hand-overs, feedback deadlines, the
escalation ladder and callbacks."""
