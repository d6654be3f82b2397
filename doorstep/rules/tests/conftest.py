"""The rule language's tests run at the proactive tests' fixed time and build programmes (for
holds("code")) with their fixtures."""

from doorstep.proactive.tests.conftest import (  # noqa: F401 - fixtures, found by name
    NOW,
    SHANGHAI,
    TODAY,
    _english,
    department,
    frozen,
    holidays,
    make_certificate,
    make_certificate_type,
    make_household,
    make_programme,
    make_tag,
)
