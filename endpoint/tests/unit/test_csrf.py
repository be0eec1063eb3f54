"""Plain tests of tools/csrf.py: where a browser says a request comes from."""

import pytest
from endpoint_addon.tools import csrf

OWN = "https://erp.example.com"


@pytest.mark.parametrize(
    ("headers", "cross"),
    [
        ({"Sec-Fetch-Site": "cross-site", "Origin": OWN}, True),
        ({"Sec-Fetch-Site": "same-site"}, True),
        ({"Sec-Fetch-Site": "same-origin", "Origin": "https://evil.example"}, False),
        ({"Sec-Fetch-Site": "none"}, False),
        ({"Origin": "https://evil.example"}, True),
        ({"Origin": "null"}, True),
        ({"Origin": "http://erp.example.com"}, True),
        ({"Origin": "https://erp.example.com:8443"}, True),
        ({"Origin": "HTTPS://ERP.example.com"}, False),
        ({}, False),
    ],
)
def test_cross_site_is_what_the_browser_says(headers, cross):
    assert csrf.is_cross_site(headers, OWN) is cross


def test_origin_of_a_url():
    assert csrf.origin_of("https://ERP.example.com/web?x=1") == OWN
    assert csrf.origin_of("http://127.0.0.1:8069/") == "http://127.0.0.1:8069"


@pytest.mark.parametrize(
    ("cors", "origin", "allowed"),
    [
        ("*", "https://evil.example", False),
        ("https://shop.example, https://b.example/", "https://b.example", True),
        ("https://shop.example", "https://SHOP.example", True),
        ("https://shop.example", "https://shop.example.evil", False),
        ("https://shop.example", "null", False),
        ("https://shop.example", None, False),
        (False, "https://shop.example", False),
        ("", "", False),
    ],
)
def test_only_origins_named_one_by_one_are_allowed(cors, origin, allowed):
    headers = {"Origin": origin} if origin is not None else {}
    assert csrf.origin_allowed(headers, cors) is allowed


def test_safe_methods_are_the_ones_a_form_cannot_abuse():
    assert "POST" not in csrf.SAFE_METHODS
    assert {"GET", "HEAD", "OPTIONS"} <= csrf.SAFE_METHODS
