# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Find the endpoint, validate the request, run the endpoint, render its result."""

import psycopg2.errors
import werkzeug.exceptions

from odoo import http
from odoo.exceptions import ConcurrencyError
from odoo.http import request
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY

from ..tools import response as response_tools


class EndpointControllerMixin:
    """Serve endpoint records; reusable by controllers of other models."""

    def _handle_endpoint(self, env, model, endpoint_route, **params):
        endpoint = env[model].sudo()._find_endpoint(endpoint_route)
        if not endpoint:
            raise werkzeug.exceptions.NotFound()
        try:
            limits = endpoint._get_runtime().limits
        except Exception:  # noqa: BLE001 # answered below, in JSON
            # A runtime that cannot be built (a snippet that fails its
            # checks) fails again in the validation, answered there.
            limits = None
        if limits is None:
            return self._serve_endpoint(env, endpoint)
        # Refused here (403, 429, 503) or served, its answer carrying the
        # rate limit's headers, success or error.
        with endpoint._limited_call(request, limits) as headers:
            try:
                response = self._serve_endpoint(env, endpoint)
            except werkzeug.exceptions.HTTPException as exc:
                if exc.response is not None:
                    exc.response.headers.extend(headers)
                raise
            response.headers.extend(headers)
            return response

    def _serve_endpoint(self, env, endpoint):
        """Validate the request, run the endpoint, render its result; answer
        every error in JSON."""
        # Each step is a hook of its own, overridable on its own.
        try:
            endpoint._validate_request(request)
            result = endpoint._handle_request(request)
            response = self._handle_result(result)
        except (ConcurrencyError, *PG_CONCURRENCY_EXCEPTIONS_TO_RETRY):
            raise  # Odoo runs the whole request again
        except psycopg2.errors.ReadOnlySqlTransaction:
            # A read-only endpoint that writes: Odoo runs the whole request
            # again with a read/write cursor, on the primary server.
            raise
        except Exception as exc:  # noqa: BLE001 # every error gets an answer
            # A database error leaves the transaction unusable: the answer
            # needs it, and everything the request wrote is undone anyway.
            env.cr.rollback()
            response = endpoint._error_response(exc)
            # The answer is built: the call's log entry (if the endpoint
            # logs calls) is written now, in a transaction of its own.
            endpoint._log_call(request, response, exc)
            # abort() with a response rolls the transaction back and still
            # adds the route's headers (CORS) to the answer.
            werkzeug.exceptions.abort(response)
        endpoint._log_call(request, response)
        return response

    def _handle_result(self, result):
        return response_tools.result_to_response(result)


class EndpointController(http.Controller, EndpointControllerMixin):
    def auto_endpoint(self, model, endpoint_route, **params):
        return self._handle_endpoint(request.env, model, endpoint_route, **params)
