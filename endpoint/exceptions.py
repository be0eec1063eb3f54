# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The addon's errors, in one hierarchy.

``EndpointError`` is the root. Below it, errors found when a record is saved
(a schema or a snippet that cannot be used) and errors of a request: those
whose ``status`` is set are the client's fault and answered with that status
and their ``detail``; any other error of a request is answered 500.

Nothing here imports Odoo, so the helpers of ``tools/`` can raise them and
be tested without it.
"""


class EndpointError(Exception):
    """Root of the addon's errors.

    ``status`` is the HTTP status a request answers when this error stops it
    (None: a server-side failure, answered 500); ``detail`` is what the
    client reads in the answer's ``detail`` member.
    """

    status = None

    @property
    def detail(self):
        return str(self)


class SchemaError(EndpointError, ValueError):
    """A request schema that cannot be used; the message says why."""


class SnippetError(EndpointError, ValueError):
    """A snippet that cannot be run; ``lineno`` tells where when known."""

    def __init__(self, message, lineno=None):
        super().__init__(message)
        self.lineno = lineno


class ResultError(SnippetError):
    """The snippet's ``result`` does not follow the contract."""


class RequestValidationError(EndpointError, ValueError):
    """The request body failed parsing or schema validation (HTTP 400).

    ``detail`` is a list of ``{"loc": [...], "msg": str, "type": str}``,
    sent back to the client as ``{"detail": detail}``.
    """

    status = 400

    def __init__(self, detail):
        super().__init__(detail)
        self._detail = detail

    @property
    def detail(self):
        return self._detail


class BodyError(RequestValidationError):
    """A request body that fails parsing or validation (from ``tools.body``)."""


class PayloadTooLarge(EndpointError):
    """The request body is larger than the configured limit (HTTP 413)."""

    status = 413

    def __init__(self, size, limit):
        super().__init__(f"The request body has {size} bytes, the limit is {limit}.")
        self.size = size
        self.limit = limit


class LimitError(EndpointError):
    """A call refused or stopped by one of its endpoint's limits: 403 (the
    caller's group or address), 429 (rate limit), 503 (concurrent calls),
    504 (time limit). ``headers`` go with the answer (Retry-After...)."""

    def __init__(self, status, detail, headers=None):
        super().__init__(detail)
        self.status = status
        self.headers = headers or []
