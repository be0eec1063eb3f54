"""Plain tests of tools/call_log.py: what a call's log entry keeps, secrets
masked."""

import base64

import pytest
from endpoint_addon.tools import call_log
from endpoint_addon.tools.call_log import MASK

NAMES = call_log.masked_names("X-Partner-Token, ,x-other")


def test_masked_names_are_the_defaults_plus_the_configured_ones():
    assert {"authorization", "cookie", "set-cookie", "api-key", "x-api-key"} <= NAMES
    assert {"x-partner-token", "x-other"} <= NAMES
    assert "" not in NAMES
    assert call_log.masked_names(None) == call_log.masked_names("")


def test_secrets_are_the_values_and_the_credentials_they_carry():
    basic = base64.b64encode(b"erp:s3cret-pass").decode()
    headers = [
        ("Authorization", f"Basic {basic}"),
        ("Cookie", "session_id=abcdef123456; frontend_lang=en_US"),
        ("X-Partner-Token", "tok-98765"),
        ("Content-Type", "application/json"),
        ("API-KEY", "42"),  # too short to be searched for everywhere
    ]
    secrets = call_log.secrets_of(headers, NAMES)
    for secret in (
        basic,
        "erp:s3cret-pass",
        "s3cret-pass",
        "abcdef123456",
        "tok-98765",
    ):
        assert secret in secrets
    assert "application/json" not in secrets
    assert "42" not in secrets
    # Longest first: a value is masked whole before any part of it.
    assert [len(s) for s in secrets] == sorted((len(s) for s in secrets), reverse=True)


def test_headers_are_listed_with_masked_values():
    headers = [("Authorization", "Bearer abc12345"), ("X-Trace", "see abc12345")]
    secrets = call_log.secrets_of(headers, NAMES)
    assert call_log.headers_text(headers, NAMES, secrets) == (
        f"Authorization: {MASK}\nX-Trace: see {MASK}"
    )


def test_query_parameters_named_like_a_masked_header_are_masked():
    masked = MASK.replace("*", "%2A")
    assert call_log.query_text("api_key=k1&page=2", NAMES, []) == (
        f"api_key={masked}&page=2"
    )
    assert call_log.query_text("page=2&q=tok-98765", NAMES, ["tok-98765"]) == (
        f"page=2&q={MASK}"
    )
    assert call_log.query_text("", NAMES, []) == ""


@pytest.mark.parametrize(
    ("data", "limit", "expected"),
    [
        (b"", 10, ("empty", False, 0, False)),
        (b'{"a": 1}', 100, ("text", '{"a": 1}', 8, False)),
        (b"abcdefghij", 4, ("text", "abcd", 10, True)),
        # A character cut in two is dropped, the body is still text.
        ("aé".encode(), 2, ("text", "a", 3, True)),
        (b"\xff\xfe", 10, ("binary", "//4=", 2, False)),
        (b"a\x00b", 10, ("binary", "YQBi", 3, False)),
        # An invalid byte inside the kept part is binary, cut or not.
        (b"\xffabcdef", 3, ("binary", "/2Fi", 7, True)),
    ],
)
def test_bodies_are_kept_as_text_or_base64(data, limit, expected):
    assert call_log.body_entry(data, limit, []) == expected


def test_secrets_are_masked_in_bodies_before_the_cut():
    kind, text, size, cut = call_log.body_entry(
        b"token=tok-98765&x=1", 12, ["tok-98765"]
    )
    assert (kind, text, size, cut) == ("text", f"token={MASK}"[:12], 19, True)
    assert "98765" not in text


def test_scrub_leaves_empty_values_alone():
    assert call_log.scrub("", ["secret"]) == ""
    assert call_log.scrub(None, ["secret"]) is None
    assert call_log.scrub("a secret b", ["secret"]) == f"a {MASK} b"
