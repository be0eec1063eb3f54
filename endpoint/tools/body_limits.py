# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Bounds that keep refusing a request body cheap.

A body that fails its schema is answered with the list of its errors. Left
alone, that list grows with the body (one error per item of a long array),
and so do the answer, the memory and the time spent building it; some
libxml2 work even grows with the square of the body. These helpers cut the
list short and refuse, before libxml2 sees it, an XML body whose shape would
make it slow.
"""

import codecs
import itertools
import json
import re

# Errors listed in a 400 answer; one more item says that others were left out.
MAX_ERRORS = 20
# Characters of one error message (a message may quote the whole value).
MAX_MESSAGE_LENGTH = 300
# libxml2 checks each attribute of an element against all the previous ones.
MAX_XML_ATTRIBUTES = 256
# libxml2 names the path of each XSD error by counting the preceding
# siblings: beyond this many elements, errors are listed without their path.
MAX_XML_DETAILED_ELEMENTS = 5000
TOO_MANY_ERRORS = "too_many_errors"


def shorten(text, limit=MAX_MESSAGE_LENGTH):
    """``text`` cut to ``limit`` characters, marked when cut."""
    text = str(text)
    return text if len(text) <= limit else f"{text[: limit - 3]}..."


def first_errors(items, limit=MAX_ERRORS, total=None):
    """The first ``limit`` items of the iterable ``items``, taking at most one
    more from it; when there are more, a last item says so (how many when
    ``total`` is known)."""
    detail = list(itertools.islice(items, limit + 1))
    if len(detail) <= limit:
        return detail
    del detail[limit:]
    if total is None:
        msg = f"Validation stopped after {limit} errors; the body has more."
    else:
        msg = f"{total - limit} more errors not listed (at most {limit} are)."
    detail.append({"loc": ["body"], "msg": msg, "type": TOO_MANY_ERRORS})
    return detail


# --------------------------------------------------------------------------
# XML: what the raw bytes tell before parsing
# --------------------------------------------------------------------------

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_DECLARED_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([^"']+)""")
# Encodings in which the bytes of "<" and "=" mean nothing else.
_ASCII_SAFE = re.compile(r"^(utf-?8|us-ascii|ascii|iso-8859-\d+|latin-?1|cp125\d)$")


def _encoding(data):
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name
    if data[:4] in (b"<\0?\0", b"<\0\0\0"):
        return "utf-16-le" if data[:4] == b"<\0?\0" else "utf-32-le"
    if data[:4] in (b"\0<\0?", b"\0\0\0<"):
        return "utf-16-be" if data[:4] == b"\0<\0?" else "utf-32-be"
    match = _DECLARED_ENCODING.match(data[:200])
    return match.group(1).decode("ascii", "replace").lower() if match else "utf-8"


def xml_text(data):
    """``data`` as something whose "<" and "=" are those of the document:
    the bytes themselves for UTF-8 and the like, else the decoded text.

    Raises ``ValueError`` when the declared encoding cannot decode it.
    """
    encoding = _encoding(data)
    if _ASCII_SAFE.match(encoding):
        return data
    try:
        return data.decode(encoding)
    except (LookupError, UnicodeDecodeError) as exc:
        raise ValueError(f"The body cannot be read as {encoding}: {exc}") from exc


def _crowded_tag(pattern_type, limit):
    # A "<" followed by more than ``limit`` "=" before the next "<": no start
    # tag holds a "<", so an element with more attributes matches. Linear:
    # the two classes never overlap, so nothing is tried twice.
    pattern = f"<[^<=]*(?:=[^<=]*){{{limit + 1}}}"
    return re.compile(pattern.encode() if pattern_type is bytes else pattern)


def too_many_attributes(text, limit=MAX_XML_ATTRIBUTES):
    """Tell whether an element of the XML ``text`` (from ``xml_text``) may
    have more than ``limit`` attributes; may say yes for a comment or a text
    holding that many "=" in a row, never no for such an element."""
    if text.count(b"=" if isinstance(text, bytes) else "=") <= limit:
        return False
    return _crowded_tag(type(text), limit).search(text) is not None


def at_most_elements(text, limit):
    """Tell whether the XML ``text`` has at most ``limit`` elements (every
    element starts with a "<")."""
    return text.count(b"<" if isinstance(text, bytes) else "<") <= limit


# --------------------------------------------------------------------------
# JSON Schema: uniqueItems in linear time
# --------------------------------------------------------------------------


def _canonical(value):
    # JSON Schema compares numbers by value (1 == 1.0), and true is not 1.
    if isinstance(value, bool) or value is None or isinstance(value, str | int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    if isinstance(value, dict):
        return {key: _canonical(item) for key, item in value.items()}
    return [_canonical(item) for item in value]


def has_duplicates(items):
    """Tell whether two items of a JSON array are equal as JSON Schema means
    it, in one pass (jsonschema compares every pair of objects)."""
    seen = set()
    for item in items:
        key = json.dumps(_canonical(item), sort_keys=True)
        if key in seen:
            return True
        seen.add(key)
    return False
