# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Errors of the request path that become HTTP answers."""


class RequestValidationError(Exception):
    """The request body failed parsing or schema validation (HTTP 400).

    ``detail`` is a list of ``{"loc": [...], "msg": str, "type": str}``,
    sent back to the client as ``{"detail": detail}``.
    """

    def __init__(self, detail):
        super().__init__(detail)
        self.detail = detail


class PayloadTooLarge(Exception):
    """The request body is larger than the configured limit (HTTP 413)."""

    def __init__(self, size, limit):
        super().__init__(f"The request body has {size} bytes, the limit is {limit}.")
        self.size = size
        self.limit = limit
