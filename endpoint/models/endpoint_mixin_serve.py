# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Serving a request: its checks, the exec modes, and the snippet's names."""

import werkzeug.exceptions

from odoo import SUPERUSER_ID, exceptions, models
from odoo.http import Response

from ..exceptions import EndpointError, PayloadTooLarge, RequestValidationError
from ..tools import body, snippet
from ..tools import response as response_tools
from ..tools import runtime as runtime_tools
from ..tools.snippet_endpoint import SnippetEndpoint

# Bodies above this size get a 413 unless the system parameter or the
# endpoint's own limit says otherwise. Refusing a body costs time and memory
# in proportion to its size: a larger default would let anyone hold a worker
# longer for nothing.
DEFAULT_MAX_BODY_SIZE = 1024 * 1024
MAX_BODY_SIZE_PARAM = "endpoint.max_body_size"
# What a client reads of a failure on the server: the log has the rest.
INTERNAL_ERROR = "The endpoint failed; the server log says why."


# One concern per file: the record, publishing, serving, OpenAPI.
class EndpointMixinServe(models.AbstractModel):
    _inherit = "endpoint.mixin"  # pylint: disable=consider-merging-classes-inherited

    def _handle_request(self, request):
        """Run the exec mode for ``request``; return its ``result`` dict.

        The snippet runs as the exec-as user (else as the caller). The
        request is not validated here: the controller calls
        ``_validate_request`` first.
        """
        handler = self._get_handler()
        return handler(request)

    def _get_handler(self):
        mode = self._get_runtime().exec_mode
        try:
            return getattr(self, f"_handle_exec__{mode}")
        except AttributeError as exc:
            raise werkzeug.exceptions.NotImplemented(
                f"Exec mode {mode} has no handler."
            ) from exc

    def _validate_request(self, request):
        """Check method, content type, parameters and body; raise the
        matching error."""
        runtime = self._get_runtime()
        httprequest = request.httprequest
        allowed = runtime_tools.allowed_methods(
            runtime.request_methods or runtime.request_method
        )
        if httprequest.method not in allowed:
            raise werkzeug.exceptions.MethodNotAllowed(valid_methods=allowed)
        if runtime.media_type and runtime.checks_content_type(httprequest.method):
            sent = body.media_type(httprequest.headers.get("Content-Type"))
            if not body.accepts_media_type(runtime.media_type, sent):
                raise werkzeug.exceptions.UnsupportedMediaType(
                    f"Content-Type must be {runtime.media_type}, got {sent or 'none'}."
                )
        self._validate_request_params(request)
        self._validate_request_content(request)

    def _max_body_size(self):
        own = self._get_runtime().max_body_size
        if own:
            return own
        value = self.env["ir.config_parameter"].sudo().get_param(MAX_BODY_SIZE_PARAM)
        try:
            return int(value) if value else DEFAULT_MAX_BODY_SIZE
        except ValueError:
            self._logger.warning(
                "Ignoring %s=%r: not a number of bytes", MAX_BODY_SIZE_PARAM, value
            )
            return DEFAULT_MAX_BODY_SIZE

    def _validate_request_content(self, request):
        """Refuse a body over the size limit, then one that fails the schema.

        Without a schema, a JSON body is still parsed (with the same limits),
        so that a malformed one gets the structured 400, not the snippet's
        failure.
        """
        httprequest = request.httprequest
        runtime = self._get_runtime()
        if not runtime.checks_content_type(httprequest.method):
            return  # a GET or DELETE of an endpoint that takes bodies elsewhere
        length = getattr(httprequest, "content_length", None)
        # Only a request announcing a body has one: GET and HEAD requests
        # (and the mocked requests of downstream tests) are not read.
        if not (length or httprequest.headers.get("Transfer-Encoding")):
            data = b""
        else:
            limit = self._max_body_size()
            if length and length > limit:
                raise PayloadTooLarge(length, limit)
            data = httprequest.get_data()
            if len(data) > limit:
                # A chunked body announces no length.
                raise PayloadTooLarge(len(data), limit)
        is_json = body.schema_kind(runtime.media_type) == "json"
        # Both raise a RequestValidationError (a 400) for a body that fails.
        if runtime.schema is not None:
            value = runtime.schema.validate(data)
        elif data.strip() and is_json:
            # The snippet will parse it: refuse what would fail there.
            value = body.parse_json(data)
        else:
            return
        if is_json:
            state = runtime_tools.request_state(request, create=True)
            state.hand_over_json(request, value)

    def _error_response(self, exc):
        """The JSON answer to an exception raised while serving a request:
        ``{"detail": ...}`` with the matching status."""
        refused = self._refused_record_response(exc)
        if refused is not None:
            return refused
        if isinstance(exc, RequestValidationError):
            return response_tools.validation_error_response(exc.detail)
        if isinstance(exc, EndpointError) and exc.status:
            return response_tools.error_response(
                exc.status, exc.detail, headers=getattr(exc, "headers", None)
            )
        if isinstance(exc, self._bad_request_exceptions()):
            return response_tools.error_response(
                400, str(exc.args[0]) if exc.args else None
            )
        if isinstance(exc, werkzeug.exceptions.HTTPException) and exc.code:
            return response_tools.http_error_response(exc)
        # exc_info=exc: the traceback is logged even outside an except block.
        self._logger.error("Endpoint %s failed", self.route, exc_info=exc)
        return response_tools.error_response(500, INTERNAL_ERROR)

    def _refused_record_response(self, exc):
        """403 for an ``AccessError``, 404 for a ``MissingError``, with a
        generic detail, or None for other exceptions.

        Their messages name the user the snippet runs as, its groups and
        record ids: useful in the log, not to a caller.
        """
        if isinstance(exc, exceptions.AccessError):
            status, detail = 403, self.env._("You are not allowed to access this.")
        elif isinstance(exc, exceptions.MissingError):
            status, detail = 404, self.env._("The record does not exist.")
        else:
            return None
        self._logger.warning(
            "Endpoint %s answered %s: %s",
            self.route,
            status,
            exc.args[0] if exc.args else exc,
        )
        return response_tools.error_response(status, detail)

    def _bad_request_exceptions(self):
        """Exceptions of a handler that answer 400 instead of 500."""
        return (exceptions.UserError, exceptions.ValidationError)

    # ------------------------------------------------------------------
    # Exec mode "code"
    # ------------------------------------------------------------------

    def _handle_exec__code(self, request):
        runtime = self._get_runtime()
        context = self._get_code_snippet_eval_context(request)
        result = self._run_snippet_timed(runtime.code, context).get("result")
        if not isinstance(result, dict):
            raise snippet.SnippetError(
                "The snippet must assign a dict to `result`, "
                f"got {type(result).__name__}."
            )
        return result

    def _get_code_snippet_eval_context(self, request):
        """The names a snippet sees; override to add some."""
        env = self._snippet_env(request)
        return {
            "env": env,
            "user": env.user,
            "endpoint": self._snippet_endpoint(env),
            "request": request,
            "Response": Response,
            "log": self._code_snippet_log,
            "params": self._request_params(request),
            **snippet.SAFE_MODULES,
        }

    def _snippet_env(self, request):
        """The environment the snippet runs in, and reads its path records
        with: its "Exec as user"'s, else the caller's; never the superuser's."""
        runtime = self._get_runtime()
        env = request.env
        if runtime.exec_as_user_id:
            if runtime.exec_as_user_id == SUPERUSER_ID:
                # Saved before the constraint refused it: never run so.
                raise snippet.SnippetError(
                    "The superuser is not an 'Exec as user': edit the endpoint."
                )
            env = env(user=runtime.exec_as_user_id, su=False)
        return env

    def _snippet_endpoint(self, env):
        """The snippet's ``endpoint``: its id, name and route, and ``env``,
        the snippet's own environment; not the record, whose superuser
        environment and logger would reach past the snippet's rights."""
        record = self.sudo()
        return SnippetEndpoint(self.id, lambda field: record[field], env)

    def _code_snippet_log(self, message, level="info"):
        """Write ``message`` to ir.logging in its own transaction."""
        level = str(level or "info").upper()
        with self.env.registry.cursor() as cr:
            cr.execute(
                """
                INSERT INTO ir_logging
                    (create_date, create_uid, type, dbname, name, level,
                     message, path, line, func)
                VALUES (NOW() AT TIME ZONE 'UTC', %s, 'server', %s, %s, %s,
                        %s, %s, %s, %s)
                """,
                (
                    self.env.uid,
                    self.env.cr.dbname,
                    f"{self._name}",
                    level,
                    str(message),
                    self.route,
                    "0",
                    self.name,
                ),
            )
