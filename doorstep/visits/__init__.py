"""Door-to-door visits (上门走访): visit rules per resident tag, due lists, coverage and the
silence alarm."""
