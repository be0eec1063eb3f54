# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What a call's log entry keeps of a request and its answer.

Secrets are masked before anything is stored: the values of the masked
headers (and their credentials alone: a bearer token, a cookie's value, a
basic password) are replaced wherever they appear, in the query string, the
bodies, the error message and the traceback too. Bodies are cut at a size
limit; a body that is not UTF-8 text is kept as base64 and flagged binary.
"""

import base64
import binascii
from urllib.parse import parse_qsl, urlencode

MASK = "********"
# Always masked, whatever the configuration adds.
DEFAULT_MASKED_HEADERS = (
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "api-key",
    "x-api-key",
)
# Shorter values are masked in their header only: replacing every "42" of a
# body would make the entry unreadable, and such a value guards nothing.
MIN_SECRET_LENGTH = 4


def masked_names(extra=""):
    """The lower-cased header names to mask: the defaults plus ``extra``, a
    comma-separated list."""
    names = set(DEFAULT_MASKED_HEADERS)
    names.update(name.strip().lower() for name in (extra or "").split(",") if name)
    names.discard("")
    return frozenset(names)


def _credentials(name, value):
    """The secret parts of a masked header's ``value``."""
    yield value
    scheme, _sep, credentials = value.partition(" ")
    credentials = credentials.strip()
    if credentials:
        yield credentials
        if scheme.lower() == "basic":
            try:
                decoded = base64.b64decode(credentials, validate=True).decode()
            except (binascii.Error, UnicodeDecodeError):
                decoded = ""
            if decoded:
                yield decoded
                yield decoded.partition(":")[2]
    if name in ("cookie", "set-cookie"):
        for item in value.split(";"):
            _key, sep, cookie = item.partition("=")
            if sep:
                yield cookie.strip()


def secrets_of(headers, names):
    """The secret strings the masked headers carry, longest first (so that a
    value is masked whole before any part of it)."""
    found = set()
    for name, value in headers:
        lname = name.lower()
        if lname in names and value:
            found.update(_credentials(lname, value))
    return sorted((s for s in found if len(s) >= MIN_SECRET_LENGTH), key=len)[::-1]


def scrub(text, secrets):
    """``text`` with every secret replaced by the mask."""
    if not text:
        return text
    for secret in secrets:
        text = text.replace(secret, MASK)
    return text


def scrub_bytes(data, secrets):
    for secret in secrets:
        data = data.replace(secret.encode("utf-8", "replace"), MASK.encode())
    return data


def headers_text(headers, names, secrets):
    """The headers, one ``Name: value`` a line, masked ones as the mask."""
    return "\n".join(
        f"{name}: {MASK if name.lower() in names else scrub(value, secrets)}"
        for name, value in headers
    )


def query_text(query, names, secrets):
    """The query string, parameters named like a masked header masked
    (``api_key`` or ``api-key`` for ``API-KEY``)."""
    if not query:
        return ""
    pairs = parse_qsl(query, keep_blank_values=True)
    if any(key.lower().replace("_", "-") in names for key, _value in pairs):
        query = urlencode(
            [
                (key, MASK if key.lower().replace("_", "-") in names else value)
                for key, value in pairs
            ]
        )
    return scrub(query, secrets)


def body_entry(data, limit, secrets):
    """What an entry keeps of a body: ``(kind, text, size, cut)``.

    ``kind`` is ``empty``, ``text`` or ``binary`` (kept as base64: the
    database stores no NUL character and no invalid UTF-8); ``size`` is the
    body's size in bytes, ``cut`` tells whether ``text`` holds less.
    """
    if not data:
        return "empty", False, 0, False
    size = len(data)
    data = scrub_bytes(data, secrets)
    head = data[: max(limit, 0)]
    cut = len(data) > len(head)
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A character split by the cut is no reason to call the body binary.
        text = None
        if (
            cut
            and exc.start >= len(head) - 3
            and exc.reason == "unexpected end of data"
        ):
            text = head[: exc.start].decode("utf-8", "strict")
    if text is None or "\x00" in text:
        return "binary", base64.b64encode(head).decode("ascii"), size, cut
    return "text", text, size, cut
