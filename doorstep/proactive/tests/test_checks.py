from doorstep.proactive.checks import check_public_url


def test_a_missing_public_address_is_warned_about(settings):
    settings.DOORSTEP_PUBLIC_URL = ""
    assert [w.id for w in check_public_url()] == ["proactive.W001"]
    settings.DOORSTEP_PUBLIC_URL = "https://doorstep.example.gov.cn"
    assert check_public_url() == []
