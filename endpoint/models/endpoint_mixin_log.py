# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Logging an endpoint's calls: the switch, and the entry of each call.

The controller hands every answer it built, success or error, to
``_log_call``; the entry is written there, once the answer is built, in a
transaction of its own (another connection), so that it survives the
request's rollback, and its id goes back to the client in the
``X-Endpoint-Log-Id`` header.
"""

import json
import threading
import traceback
from time import time as real_time

from odoo import fields, models

from ..exceptions import PayloadTooLarge
from ..tools import call_log
from ..tools import runtime as runtime_tools

LOG_ID_HEADER = "X-Endpoint-Log-Id"
MASKED_HEADERS_PARAM = "endpoint.log_masked_headers"
BODY_LIMIT_PARAM = "endpoint.log_body_size"
DEFAULT_BODY_LIMIT = 4096
# What an entry keeps of an error's message.
MESSAGE_LIMIT = 2000


# One concern per file: the record, publishing, serving, logging, OpenAPI.
class EndpointMixinLog(models.AbstractModel):
    _inherit = "endpoint.mixin"  # pylint: disable=consider-merging-classes-inherited

    log_calls = fields.Boolean(
        help="Keep a log entry of the calls (Settings > Technical > Endpoint "
        "Calls). Published by Sync registry, like the code.",
    )
    log_keep = fields.Selection(
        selection=[("all", "Every call"), ("errors", "Errors only")],
        string="Keep",
        default="all",
        required=True,
        help="Errors only: the calls answered with a status of 400 or more.",
    )

    def _routing_impacting_fields(self):
        return (*super()._routing_impacting_fields(), "log_calls", "log_keep")

    def _runtime_values(self):
        values = super()._runtime_values()
        values["log_calls"] = self.log_calls
        values["log_keep"] = self.log_keep
        return values

    # ------------------------------------------------------------------
    # The entry of a call
    # ------------------------------------------------------------------

    def _log_call(self, request, response, exc=None):
        """Log this call when the endpoint's published runtime says so, and
        name the entry in ``response``'s ``X-Endpoint-Log-Id`` header.

        ``exc`` is the error that the response answers. Never raises: a
        failure to log goes to the server log, the answer stays as it is.
        """
        try:
            keep = self._get_runtime().log
            if not keep or (keep == "errors" and response.status_code < 400):
                return None
            settings = self._log_settings()
            if exc is not None:
                # The controller rolled the failed request back; whatever
                # read the database since (its answer, the settings above) is
                # rolled back at the end of the request too. End it now:
                # under tests, where all cursors share one transaction, that
                # later rollback would undo the entry as well.
                self.env.cr.rollback()
            values = self._log_call_values(request, response, exc, settings)
            # A transaction of its own, committed now: the entry stays when
            # the request's transaction rolls back (a failed call). A bare
            # cursor: no environment to set up, one statement.
            with self.env.registry.cursor() as cr:
                log_id = self.env["endpoint.log"]._write_entry(values, cr=cr)
        except Exception:  # logging must not fail the call
            # Named by id: reading the route could fail as well.
            self._logger.exception(
                "%s %s: its call was not logged", self._name, self.id
            )
            return None
        response.headers[LOG_ID_HEADER] = str(log_id)
        return log_id

    def _log_settings(self):
        """What the entries keep: the masked header names and the body size
        limit (system parameters, cached)."""
        params = self.env["ir.config_parameter"].sudo()
        return {
            "masked": call_log.masked_names(params.get_param(MASKED_HEADERS_PARAM)),
            "body_limit": self._log_body_limit(params),
        }

    def _log_call_values(self, request, response, exc, settings):
        """The columns of the call's entry, secrets masked; override to add
        some. Reads nothing from the database: the request's transaction may
        be over."""
        names, limit = settings["masked"], settings["body_limit"]
        httprequest = request.httprequest
        headers = list(httprequest.headers.items())
        secrets = call_log.secrets_of(headers, names)
        if isinstance(exc, PayloadTooLarge):
            request_body = ("too_large", False, exc.size, False)
        else:
            request_body = call_log.body_entry(httprequest.get_data(), limit, secrets)
        if response.is_streamed or response.direct_passthrough:
            response_body = ("streamed", False, 0, False)
        else:
            response_body = call_log.body_entry(response.get_data(), limit, secrets)
        status = response.status_code
        # Odoo stamps each request's thread when the request comes in.
        started = getattr(threading.current_thread(), "perf_t0", None)
        values = {
            "endpoint_id": self.id if self._name == "endpoint.endpoint" else None,
            "route": self._log_route(request),
            "method": httprequest.method,
            "path": call_log.scrub(httprequest.path, secrets),
            "query_string": call_log.query_text(
                httprequest.query_string.decode("utf-8", "replace"), names, secrets
            ),
            "status": status,
            "status_class": f"{min(max(status // 100, 1), 5)}xx",
            "duration_ms": (real_time() - started) * 1000 if started else None,
            "user_id": request.env.uid,
            "exec_as_user_id": self._get_runtime().exec_as_user_id,
            # Behind a proxy, Odoo's proxy_mode already put the client's
            # address (X-Forwarded-For) here.
            "client_address": httprequest.remote_addr,
            "request_headers": call_log.headers_text(headers, names, secrets),
            "request_content_type": httprequest.headers.get("Content-Type"),
            "response_content_type": response.headers.get("Content-Type"),
        }
        for prefix, (kind, text, size, cut) in (
            ("request", request_body),
            ("response", response_body),
        ):
            values[f"{prefix}_body_kind"] = kind
            values[f"{prefix}_body"] = text or None
            values[f"{prefix}_size"] = size
            values[f"{prefix}_body_cut"] = cut
        if exc is not None:
            values["error_type"] = _error_type(exc)
            detail = getattr(exc, "detail", None)
            # A body that fails its schema: the list the client got, as JSON.
            text = json.dumps(detail) if isinstance(detail, list) else str(exc)
            message = call_log.scrub(text, secrets)
            values["error_message"] = message[:MESSAGE_LIMIT]
            values["traceback"] = call_log.scrub(
                "".join(traceback.format_exception(exc)), secrets
            )
        return values

    def _log_route(self, request):
        # The route as published, from the matched rule: no query.
        state = runtime_tools.request_state(request)
        routes = state and state.routing and state.routing.get("routes")
        return routes[0] if routes else self.route

    def _log_body_limit(self, params):
        value = params.get_param(BODY_LIMIT_PARAM)
        try:
            return int(value) if value else DEFAULT_BODY_LIMIT
        except ValueError:
            self._logger.warning(
                "Ignoring %s=%r: not a number of bytes", BODY_LIMIT_PARAM, value
            )
            return DEFAULT_BODY_LIMIT


def _error_type(exc):
    cls = type(exc)
    if cls.__module__ == "builtins":
        return cls.__qualname__
    return f"{cls.__module__}.{cls.__qualname__}"
