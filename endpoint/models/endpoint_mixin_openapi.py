# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What an endpoint tells its OpenAPI document, and the hooks to change it.

The document itself is built by ``tools.openapi`` from plain dicts; this model
only turns records into those dicts. Downstream modules override, one at a
time:

- ``_openapi_security__<auth_type>()``: what an auth type adds (security
  scheme, requirement, responses); ``_openapi_auth_contribution()`` picks it;
- ``_openapi_operation__<exec_mode>(operation)``: what an exec mode adds to
  the operation; ``_openapi_operation(operation)`` calls it, for any change;
- ``_openapi_endpoint_info()``: the plain dict describing the endpoint.
"""

import json
from urllib.parse import quote

from odoo import api, exceptions, fields, models

from odoo.addons.endpoint_route_handler.registry import EndpointRegistry

from ..exceptions import SchemaError
from ..tools import body, openapi
from ..tools import params as params_tools
from ..tools import runtime as runtime_tools

# Comma-separated route groups whose document anyone may read.
PUBLIC_GROUPS_PARAM = "endpoint.openapi_public_route_groups"
SESSION_SCHEME = "odooSession"
BEARER_SCHEME = "odooApiKey"
API_KEY_SCHEME = "endpointApiKey"


class EndpointMixin(models.AbstractModel):
    _inherit = "endpoint.mixin"

    summary = fields.Char(
        help="One line shown in the API documentation; the name when empty.",
    )
    description = fields.Text(
        help="What the endpoint does, for the API documentation (Markdown).",
    )
    response_status_code = fields.Integer(
        string="Success status",
        default=200,
        help="The HTTP status of a successful answer, for the API documentation.",
    )
    response_schema = fields.Text(
        help="JSON Schema (Draft 2020-12, in JSON or YAML syntax) of a "
        "successful JSON answer, for the API documentation.",
    )
    response_example = fields.Text(
        help="A successful JSON answer (JSON or YAML), for the API documentation.",
    )

    @api.model
    def _code_editor_fields(self):
        return (*super()._code_editor_fields(), "response_schema", "response_example")

    # ------------------------------------------------------------------
    # Constraints
    # ------------------------------------------------------------------

    @api.constrains("response_status_code")
    def _check_response_status_code(self):
        for rec in self:
            if not 200 <= rec.response_status_code <= 299:
                raise exceptions.UserError(
                    self.env._(
                        "Endpoint %(name)s: the success status must be a 2xx "
                        "status (200-299), not %(status)s.",
                        name=rec.name,
                        status=rec.response_status_code,
                    )
                )

    @api.constrains("response_schema", "response_example")
    def _check_response_doc(self):
        for rec in self:
            rec._validate_response_doc()

    def _validate_response_doc(self):
        schema = None
        try:
            if self.response_schema and self.response_schema.strip():
                schema = body.JsonBodySchema(self.response_schema)
        except body.SchemaError as exc:
            raise exceptions.UserError(
                self.env._(
                    "Endpoint %(name)s: the response schema is invalid. %(error)s",
                    name=self.name,
                    error=str(exc),
                )
            ) from exc
        try:
            example = openapi.load_example(self.response_example)
        except openapi.ExampleError as exc:
            raise exceptions.UserError(
                self.env._(
                    "Endpoint %(name)s: the response example is invalid. %(error)s",
                    name=self.name,
                    error=str(exc),
                )
            ) from exc
        if schema is None or example is None:
            return
        try:
            schema.validate(json.dumps(example).encode())
        except body.BodyError as exc:
            errors = "; ".join(
                "{}: {}".format(
                    "/".join(map(str, item["loc"][1:])) or "(root)", item["msg"]
                )
                for item in exc.detail
            )
            raise exceptions.UserError(
                self.env._(
                    "Endpoint %(name)s: the response example does not match "
                    "the response schema: %(errors)s",
                    name=self.name,
                    errors=errors,
                )
            ) from exc

    # ------------------------------------------------------------------
    # The document
    # ------------------------------------------------------------------

    def _openapi_document(self, server_url=None, title=None):
        """Return the OpenAPI 3.1 document (a dict) of these endpoints."""
        by_info = {}
        infos = []
        for rec in self:
            for info in rec._openapi_endpoint_infos():
                by_info[id(info)] = rec
                infos.append(info)
        return openapi.build_document(
            infos,
            title=title or self.env._("Endpoints"),
            version=EndpointRegistry.registry_for(self.env.cr).last_version(),
            server_url=server_url,
            customize=lambda info, operation: by_info[id(info)]._openapi_operation(
                operation
            ),
        )

    def _openapi_endpoint_info(self):
        """The plain dict ``tools.openapi`` builds the operation from."""
        self.ensure_one()
        return {
            "name": self.name,
            "route": self.route,
            "method": self.request_method,
            "route_group": self.route_group or None,
            "summary": self.summary or None,
            "description": self.description or None,
            "content_type": self.request_content_type or None,
            "request_schema": (
                self.request_content_schema
                if self.request_content_schema_applicable
                else None
            ),
            "response_status": self.response_status_code or 200,
            "response_schema": self.response_schema or None,
            "response_example": self.response_example or None,
            "auth": self._openapi_auth_contribution(),
        }

    def _openapi_endpoint_infos(self):
        """One info per route and method the endpoint answers, built from
        ``_openapi_endpoint_info()``: a method without a body (GET, DELETE)
        documents none when another method of the endpoint takes one."""
        self.ensure_one()
        base = self._openapi_endpoint_info()
        methods = self._endpoint_methods()
        base.update(methods=methods, **self._openapi_parameters())
        takes_body = any(runtime_tools.carries_body(m) for m in methods)
        infos = []
        for route in self._endpoint_routes():
            for method in methods:
                info = dict(base, route=route, method=method)
                if takes_body and not runtime_tools.carries_body(method):
                    info.update(content_type=None, request_schema=None)
                infos.append(info)
        return infos

    def _openapi_parameters(self):
        """What the parameters schema documents: the path parameters'
        schemas, the query and header parameters."""
        try:
            schema = params_tools.compile_params_schema(self.request_params_schema)
        except SchemaError:
            schema = None  # refused at save: only old data can hold one
        if schema is None:
            return {}
        places = schema.schema.get("properties") or {}
        parameters = []
        for place in ("query", "header"):
            required = set((places.get(place) or {}).get("required") or ())
            for name, prop in schema.properties.get(place, {}).items():
                parameter = {"name": name, "in": place, "required": name in required}
                if isinstance(prop, dict):
                    parameter["schema"] = prop
                    if prop.get("description"):
                        parameter["description"] = prop["description"]
                parameters.append(parameter)
        return {
            "path_schemas": schema.properties.get("path", {}),
            "parameters": parameters,
            "params_checked": True,
        }

    def _openapi_operation(self, operation):
        """Return the operation to document; override for any change."""
        hook = getattr(self, f"_openapi_operation__{self.exec_mode}", None)
        if hook is not None:
            operation = hook(operation)
        return operation

    def _openapi_operation__code(self, operation):
        """A snippet raising UserError/ValidationError answers 400 (Error)."""
        return openapi.add_response_schema(
            operation,
            400,
            "The request was refused by the endpoint.",
            openapi.schema_ref("Error"),
        )

    def _openapi_auth_contribution(self):
        """What the auth type adds: ``{"security", "schemes", "responses"}``.

        Auth types without a ``_openapi_security__<auth_type>`` hook add
        nothing: the operation then says nothing about authentication.
        """
        hook = getattr(self, f"_openapi_security__{self.auth_type}", None)
        return hook() if hook is not None else {}

    def _openapi_security__public(self):
        """Anyone may call: an empty requirement."""
        return {"security": []}

    def _openapi_security__user_endpoint(self):
        """The session cookie of a logged-in user."""
        return {
            "schemes": {
                SESSION_SCHEME: {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": "session_id",
                    "description": "The session of a user logged in to Odoo.",
                }
            },
            "security": [{SESSION_SCHEME: []}],
            "responses": {401: "No logged-in user."},
        }

    def _openapi_security__bearer(self):
        """An Odoo user API key sent as ``Authorization: Bearer <key>``."""
        return {
            "schemes": {
                BEARER_SCHEME: {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An API key of an Odoo user "
                    "(Preferences > Account Security).",
                }
            },
            "security": [{BEARER_SCHEME: []}],
            "responses": {401: "No API key, or a wrong one."},
        }

    def _openapi_security__api_key(self):
        """The ``API-KEY`` header of the auth type ``endpoint_auth_api_key`` adds."""
        return {
            "schemes": {
                API_KEY_SCHEME: {
                    "type": "apiKey",
                    "in": "header",
                    "name": "API-KEY",
                    "description": "An API key (auth_api_key) of one of the "
                    "endpoint's allowed key groups.",
                }
            },
            "security": [{API_KEY_SCHEME: []}],
            "responses": {
                401: "No API key, or a wrong one.",
                403: "The API key is not allowed on this endpoint.",
            },
        }

    # ------------------------------------------------------------------
    # Who may read it, and the backend buttons
    # ------------------------------------------------------------------

    @api.model
    def _openapi_public_route_groups(self):
        """Route groups whose document is published to anyone."""
        value = (
            self.env["ir.config_parameter"].sudo().get_param(PUBLIC_GROUPS_PARAM) or ""
        )
        return {group.strip() for group in value.split(",") if group.strip()}

    @api.model
    def _openapi_can_read(self, route_group=None):
        """Tell whether the current user may read the document of a group
        (all groups when ``route_group`` is empty)."""
        if self.env.user.has_group("base.group_system"):
            return True
        return bool(route_group) and route_group in self._openapi_public_route_groups()

    @api.model
    def _openapi_endpoints(self, route_group=None):
        """The endpoints a document describes: active and published ones."""
        domain = [("registry_sync", "=", True)]
        if route_group:
            domain.append(("route_group", "=", route_group))
        return self.search(domain, order="route")

    def action_open_openapi(self):
        """Open the API documentation page (on this endpoint, from a form)."""
        url = "/endpoint/openapi"
        if len(self) == 1:
            operation = openapi.operation_name(self.request_method, self.route)
            url += f"#/{quote(self.route_group or 'default')}/{operation}"
        return {"type": "ir.actions.act_url", "url": url, "target": "self"}
