# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The answers of an endpoint: what a snippet put in ``result``, and errors."""

import json
import re
from collections.abc import Mapping

from werkzeug.http import HTTP_STATUS_CODES

from odoo.http import Response
from odoo.tools.json import json_default

from ..exceptions import ResultError

# RFC 9110's token: the only characters a header name may hold.
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# Control characters but the tab: a CR or LF would end the header and start
# another one (or the body).
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def check_header(name, value):
    """Raise ``ResultError`` unless ``name: value`` is one header line.

    The name must be a token and the value Latin-1 text without control
    characters; otherwise the answer could be split in two (a forged
    ``Set-Cookie``) or cut off after the access log recorded it as sent.
    """
    if not isinstance(name, str) or not _TOKEN.fullmatch(name):
        raise ResultError(f"Header name {name!r} is not a valid HTTP token.")
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise ResultError(f"Header {name}: the value must be text, got {value!r}.")
    if _CONTROL.search(value):
        raise ResultError(f"Header {name}: the value holds a control character.")
    try:
        value.encode("latin-1")
    except UnicodeEncodeError as exc:
        raise ResultError(
            f"Header {name}: the value is not Latin-1 text ({exc.reason})."
        ) from exc


def _headers(value):
    if not value:
        return []
    if isinstance(value, Mapping):
        pairs = list(value.items())
    else:
        try:
            pairs = [tuple(pair) for pair in value]
        except TypeError as exc:
            raise ResultError(
                "result['headers'] must be a dict or a list of (name, value) pairs."
            ) from exc
        if any(len(pair) != 2 for pair in pairs):
            raise ResultError(
                "result['headers'] must be a dict or a list of (name, value) pairs."
            )
    for name, header_value in pairs:
        check_header(name, header_value)
    return pairs


def json_response(payload, status=200, headers=None, default=json_default):
    """A JSON response, encoded as Odoo encodes JSON (dates, domains...)."""
    body = json.dumps(payload, default=default)
    response = Response(body, status=status, headers=_headers(headers))
    response.mimetype = "application/json"
    return response


def result_to_response(result):
    """Build the response a snippet asked for in its ``result`` dict."""
    if not isinstance(result, Mapping):
        raise ResultError(
            f"The snippet must assign a dict to `result`, got {type(result).__name__}."
        )
    response = result.get("response")
    if response is not None:
        if not isinstance(response, Response):
            raise ResultError("result['response'] must be a Response.")
        for name, value in response.headers.items():
            check_header(name, value)
        return response
    status = result.get("status_code", 200)
    if not isinstance(status, int) or not 100 <= status <= 599:
        raise ResultError("result['status_code'] must be an HTTP status (100-599).")
    default = result.get("json_default") or json_default
    if not callable(default):
        raise ResultError("result['json_default'] must be a function.")
    try:
        return json_response(
            result.get("payload", ""),
            status=status,
            headers=result.get("headers"),
            default=default,
        )
    except (TypeError, ValueError) as exc:
        raise ResultError(f"The payload cannot be encoded as JSON: {exc}") from exc


# --------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------


def validation_error_response(detail, headers=None):
    """The 400 of a body or parameter that fails its schema: ``detail`` is
    the list of ``{"loc", "msg", "type"}`` items."""
    return json_response({"detail": detail}, status=400, headers=headers)


def error_response(status, detail=None, headers=None):
    """The JSON answer of an error with HTTP ``status``: ``{"detail": ...}``,
    a sentence saying what went wrong (the status name when None), as
    FastAPI answers. ``headers`` are added (the Allow of a 405...)."""
    if detail is None:
        detail = HTTP_STATUS_CODES.get(status, "Error")
    return json_response({"detail": detail}, status=status, headers=headers)


def http_error_response(exc):
    """The JSON answer of a werkzeug ``HTTPException``, with its status, its
    description and its headers (Allow, WWW-Authenticate...)."""
    headers = [
        (name, value)
        for name, value in exc.get_headers()
        if name.lower() != "content-type"
    ]
    return error_response(exc.code, exc.description, headers=headers)
