from __future__ import annotations

import pytest
from django.http import Http404

from doorstep.core.ids import pk_or_404


@pytest.mark.parametrize("value", ["12", 12, " 7 "])
def test_an_id_is_read_as_an_integer(value):
    assert pk_or_404(value) == int(value)


@pytest.mark.parametrize("value", [None, "", "abc", "1.5", "0", -3, 2**63, "9" * 40])
def test_anything_else_is_not_found(value):
    with pytest.raises(Http404):
        pk_or_404(value)
