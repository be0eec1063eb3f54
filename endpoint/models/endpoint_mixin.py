# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import contextvars
import dataclasses
from types import CodeType
from typing import Any

import werkzeug.exceptions

from odoo import SUPERUSER_ID, api, exceptions, fields, http, models, tools
from odoo.http import Response

from odoo.addons.endpoint_route_handler.registry import EndpointRegistry

from ..exceptions import PayloadTooLarge, RequestValidationError
from ..tools import body, routes, snippet
from ..tools import response as response_tools
from ..tools.snippet_docs import CODE_SNIPPET_DOCS
from ..tools.snippet_endpoint import SnippetEndpoint

CONTROLLER_PATH = "odoo.addons.endpoint.controllers.main.EndpointController"
# Bodies above this size get a 413 unless the system parameter or the
# endpoint's own limit says otherwise. Refusing a body costs time and memory
# in proportion to its size: a larger default would let anyone hold a worker
# longer for nothing.
DEFAULT_MAX_BODY_SIZE = 1024 * 1024
MAX_BODY_SIZE_PARAM = "endpoint.max_body_size"
# Fields whose change reaches the live route only through "Sync registry".
RUNTIME_FIELDS = (
    "exec_mode",
    "code_snippet",
    "exec_as_user_id",
    "request_content_type",
    "request_content_schema",
    "request_max_body_size",
    "cors",
    "csrf",
    "readonly",
    "route_group",
)


# The runtime of the endpoint serving the current request, for the hooks that
# _handle_request calls: (model name, record id, runtime).
_SERVING = contextvars.ContextVar("endpoint_serving", default=None)


def allowed_methods(request_method):
    """The HTTP methods an endpoint answers: HEAD goes with GET."""
    return [request_method, "HEAD"] if request_method == "GET" else [request_method]


def schema_applicable(request_method, content_type):
    """Tell whether requests of this method and content type get a schema."""
    return bool(request_method in ("POST", "PUT") and body.schema_kind(content_type))


@dataclasses.dataclass(frozen=True)
class EndpointRuntime:
    """What serving a request needs, compiled once per endpoint version."""

    id: int
    exec_mode: str
    request_method: str
    media_type: str
    schema: Any  # a compiled tools.body schema, or None
    code: CodeType | None
    exec_as_user_id: int | None
    max_body_size: int = 0  # 0: the system parameter's limit


class EndpointMixin(models.AbstractModel):
    _name = "endpoint.mixin"
    _inherit = "endpoint.route.handler"
    _description = "Endpoint mixin"

    exec_mode = fields.Selection(
        selection="_selection_exec_mode",
        required=True,
        default="code",
        help="How a request is answered.",
    )
    code_snippet = fields.Text(
        help="Python code run for every request when the exec mode is "
        "'Execute code'. See the Code Help tab.",
    )
    code_snippet_docs = fields.Text(
        compute="_compute_code_snippet_docs",
        help="The names a code snippet can use.",
    )
    exec_as_user_id = fields.Many2one(
        comodel_name="res.users",
        string="Exec as user",
        help="The snippet runs with this user's rights. "
        "Left empty, it runs as the caller.",
    )
    request_content_schema = fields.Text(
        string="Request schema",
        help="JSON Schema (Draft 2020-12, in JSON or YAML syntax) for JSON "
        "bodies, or XSD for XML bodies. Requests whose body does not match "
        "are answered 400 with the list of errors.",
    )
    request_content_schema_applicable = fields.Boolean(
        compute="_compute_request_content_schema_applicable",
    )
    request_max_body_size = fields.Integer(
        string="Max body size",
        help="Largest request body accepted, in bytes; larger ones are "
        "answered 413. 0 uses the system parameter endpoint.max_body_size "
        "(1 MiB when it is not set).",
    )
    endpoint_url = fields.Char(
        string="URL",
        compute="_compute_endpoint_url",
        help="The full address HTTP clients call.",
    )
    company_id = fields.Many2one(
        comodel_name="res.company",
        help="Leave empty to share the endpoint between companies.",
    )

    # ------------------------------------------------------------------
    # Selections, computes, onchanges
    # ------------------------------------------------------------------

    def _selection_exec_mode(self):
        return [("code", self.env._("Execute code"))]

    def _selection_request_content_type(self):
        # The route handler lists a deprecated "JSON; charset" entry: media
        # types are compared without parameters here, so it is not needed.
        return [
            item
            for item in super()._selection_request_content_type()
            if ";" not in item[0]
        ]

    def _compute_code_snippet_docs(self):
        for rec in self:
            rec.code_snippet_docs = CODE_SNIPPET_DOCS

    @api.depends("route")
    def _compute_endpoint_url(self):
        base_url = self[:1].get_base_url() if self else ""
        for rec in self:
            rec.endpoint_url = f"{base_url}{rec.route}" if rec.route else False

    @api.depends("request_method", "request_content_type")
    def _compute_request_content_schema_applicable(self):
        for rec in self:
            rec.request_content_schema_applicable = schema_applicable(
                rec.request_method, rec.request_content_type
            )

    @api.onchange("request_content_type")
    def _onchange_request_content_type(self):
        # A JSON schema means nothing for XML and the other way around.
        for rec in self:
            if rec.request_content_schema and (
                rec._origin.request_content_type != rec.request_content_type
            ):
                rec.request_content_schema = False

    # ------------------------------------------------------------------
    # Routing (endpoint_route_handler hooks)
    # ------------------------------------------------------------------

    def _routing_impacting_fields(self):
        return tuple(super()._routing_impacting_fields()) + RUNTIME_FIELDS

    def _clean_route(self):
        route = super()._clean_route()
        # Odoo's routing map ignores a trailing slash: "/x/" is "/x".
        if len(route) > 1:
            route = route.rstrip("/") or "/"
        return route

    def _make_controller_rule(self, options=None, key=None):
        rule = super()._make_controller_rule(options=options, key=key)
        # An empty route group is False: in the route handler's bulk UPDATE a
        # first row holding False types the column as boolean and a later
        # row's text fails the whole sync. NULL types nothing.
        rule.route_group = rule.route_group or None
        return rule

    def _default_endpoint_options_handler(self):
        return {
            "klass_dotted_path": CONTROLLER_PATH,
            "method_name": "auto_endpoint",
            "default_pargs": (self._name, self.route),
        }

    def _register_controllers(self, init=False, options=None, clear_cache=True):
        res = super()._register_controllers(
            init=init, options=options, clear_cache=clear_cache
        )
        self._announce_route_change()
        return res

    def _unregister_controllers(self, clear_cache=True):
        res = super()._unregister_controllers(clear_cache=clear_cache)
        self._announce_route_change()
        return res

    def _announce_route_change(self):
        """Make every process drop its routing map and runtimes once the sync
        is committed, whichever process committed it.

        Other processes key both on the routes' version, a sequence the route
        handler moves when a route row is inserted or updated: before the
        commit, and not at all when a route is deleted. Moving it again after
        the commit narrows the window in which a worker caches the old state
        under the new version to a few microseconds; signaling the cache
        invalidations through Odoo (as an HTTP worker does at the end of a
        request, but a shell or a script never does) closes it, as a worker
        reads the signal in the same snapshot as the data it covers.
        """
        cr = self.env.cr
        if not self or cr.postcommit.data.get("endpoint.route_version"):
            return
        cr.postcommit.data["endpoint.route_version"] = True
        registry = self.env.registry
        registry.clear_cache("routing")
        registry.clear_cache()  # the runtimes

        def announce():
            cr.execute("SELECT nextval('endpoint_route_version')")
            if registry.ready:  # not while modules load: workers reload then
                registry.signal_changes()

        cr.postcommit.add(announce)

    def _get_routing_info(self):
        route, routing, endpoint_hash = super()._get_routing_info()
        # What requests run, as of this sync: later edits wait for the next.
        routing["endpoint_runtime"] = self._runtime_values()
        # The method is checked by the endpoint itself, after authentication,
        # so that a wrong method answers 405 with an Allow header.
        routing["methods"] = None
        routing["endpoint_methods"] = allowed_methods(self.request_method)
        # An API answer needs no session cookie; callers keep theirs.
        routing["save_session"] = False
        return route, routing, endpoint_hash

    # ------------------------------------------------------------------
    # Constraints
    # ------------------------------------------------------------------

    @api.constrains("exec_mode", "code_snippet")
    def _check_exec_mode(self):
        for rec in self:
            rec._validate_exec_mode()

    def _validate_exec_mode(self):
        validator = getattr(self, f"_validate_exec__{self.exec_mode}", None)
        if validator is None:
            raise exceptions.UserError(
                self.env._(
                    "Endpoint %(name)s: exec mode %(mode)s is not supported.",
                    name=self.name,
                    mode=self.exec_mode,
                )
            )
        validator()

    def _validate_exec__code(self):
        try:
            snippet.compile_snippet(self.code_snippet)
        except snippet.SnippetError as exc:
            raise exceptions.UserError(
                self.env._(
                    "Endpoint %(name)s: the code snippet cannot run. %(error)s",
                    name=self.name,
                    error=str(exc),
                )
            ) from exc

    @api.constrains("route")
    def _check_route(self):
        # On create, constraints see the route as typed and the inverse cleans
        # it afterwards: "/web/" would be saved as the blacklisted "/web".
        res = super()._check_route()
        for rec in self:
            route = rec._clean_route()
            if route in rec._blacklist_routes:
                raise exceptions.UserError(
                    self.env._(
                        "Endpoint %(name)s: route %(route)s is reserved, "
                        "pick another one.",
                        name=rec.name,
                        route=route,
                    )
                )
            odoo_rule = routes.odoo_rule_for(
                route, rec._odoo_modules(), self.env["ir.http"]._get_converters()
            )
            if odoo_rule:
                raise exceptions.UserError(
                    self.env._(
                        "Endpoint %(name)s: route %(route)s is already served by "
                        "Odoo (%(rule)s); an endpoint there would hide it. "
                        "Pick another route.",
                        name=rec.name,
                        route=route,
                        rule=odoo_rule,
                    )
                )
        return res

    def _odoo_modules(self):
        """The modules whose controllers make Odoo's routes."""
        return self.env.registry._init_modules | set(
            tools.config["server_wide_modules"]
        )

    @api.constrains("auth_type", "exec_as_user_id")
    def _check_auth(self):
        for rec in self:
            if rec.auth_type == "public" and not rec.exec_as_user_id:
                raise exceptions.UserError(
                    self.env._(
                        "Endpoint %(name)s: a public endpoint needs an "
                        "'Exec as user': the public user can read nothing. "
                        "Pick the user whose rights the snippet runs with.",
                        name=rec.name,
                    )
                )

    @api.constrains("exec_as_user_id")
    def _check_exec_as_user(self):
        for rec in self:
            user = rec.exec_as_user_id
            if user and (user.id == SUPERUSER_ID or not user.active):
                raise exceptions.UserError(
                    self.env._(
                        "Endpoint %(name)s: the snippet cannot run as %(user)s, "
                        "an archived user or the superuser: no rights would "
                        "limit it. Pick an active user with the rights the "
                        "snippet needs.",
                        name=rec.name,
                        user=user.login or user.name,
                    )
                )

    @api.constrains("request_max_body_size")
    def _check_request_max_body_size(self):
        for rec in self:
            if rec.request_max_body_size < 0:
                raise exceptions.UserError(
                    self.env._(
                        "Endpoint %(name)s: the max body size is a number of "
                        "bytes, or 0 for the system's limit.",
                        name=rec.name,
                    )
                )

    @api.constrains("request_content_schema", "request_content_type")
    def _check_request_content_schema(self):
        for rec in self:
            try:
                body.compile_schema(
                    rec.request_content_schema, rec.request_content_type
                )
            except body.SchemaError as exc:
                raise exceptions.UserError(
                    self.env._(
                        "Endpoint %(name)s: the request schema is invalid. %(error)s",
                        name=rec.name,
                        error=str(exc),
                    )
                ) from exc

    # ------------------------------------------------------------------
    # ORM
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        # New ids have no cached runtime: no cache to clear.
        records = super().create(vals_list)
        # Records created "in sync" (e.g. from XML data) are published once
        # the transaction commits, like a write of registry_sync would.
        to_sync = records.filtered("registry_sync")
        if to_sync:
            to_sync._add_after_commit_hook(to_sync.ids)
        return records

    def write(self, vals):
        if "request_content_type" in vals and "request_content_schema" not in vals:
            new_type = vals["request_content_type"] or False
            stale = self.filtered(
                lambda r: (
                    r.request_content_schema
                    and (r.request_content_type or False) != new_type
                )
            )
            if stale:
                super(EndpointMixin, stale).write({"request_content_schema": False})
        # The route handler marks any routing edit out of sync, even one that
        # asks to be published (XML data updated by a module upgrade).
        publish = vals.get("registry_sync") and any(
            field in vals for field in (*self._routing_impacting_fields(), "active")
        )
        # Edits reach live routes through a sync, which announces itself;
        # only records that no sync published run from their own values.
        stale_runtimes = (
            any(field in vals for field in self._routing_impacting_fields())
            and self._runs_own_values()
        )
        res = super().write(vals)
        if publish:
            super().write({"registry_sync": True})
        if stale_runtimes:
            self.env.registry.clear_cache()
        return res

    def _runs_own_values(self):
        """Tell whether any of these records has no runtime published by a
        sync, so that its runtime is built from its current values."""
        if not self:
            return False
        keys = [rec._endpoint_registry_unique_key() for rec in self]
        published = {
            rule.key
            for rule in self._endpoint_registry.get_rules(keys=keys)
            if rule.routing.get("endpoint_runtime")
        }
        return any(key not in published for key in keys)

    def copy_data(self, default=None):
        default = dict(default or {})
        vals_list = super().copy_data(default=default)
        taken = set()
        for rec, vals in zip(self, vals_list, strict=True):
            if "route" not in default:
                vals["route"] = rec._free_copy_route(taken)
                taken.add(vals["route"])
            if "name" not in default:
                vals["name"] = self.env._("%s (copy)", rec.name)
        return vals_list

    def _free_copy_route(self, taken=()):
        """The route of a copy: ``<route>/COPY_FIXME``, numbered from the
        second copy on, so that copying a record again still saves."""
        self.ensure_one()
        base = f"{self.route}/COPY_FIXME"
        existing = set(
            self.with_context(active_test=False)
            .search([("route", "=like", f"{base}%")])
            .mapped("route")
        )
        existing.update(taken)
        route, number = base, 1
        while route in existing:
            number += 1
            route = f"{base}_{number}"
        return route

    def action_sync_registry(self):
        """Publish the records' current state to the live routes."""
        self.write({"registry_sync": True})

    # ------------------------------------------------------------------
    # Runtime: what a request uses, compiled once per sync
    # ------------------------------------------------------------------

    @api.model
    def _routing_version(self):
        # ir.http stashes the version it read to match the request; reusing
        # it costs no query. Outside a request, read it.
        current = http.request
        version = getattr(current, "_endpoint_route_version", None) if current else None
        if version is None:
            version = EndpointRegistry.registry_for(self.env.cr).last_version()
        return version

    @api.model
    def _find_endpoint(self, endpoint_route):
        """Return the endpoint record serving ``endpoint_route`` (or empty)."""
        record_id = self._endpoint_id_for_route(endpoint_route, self._routing_version())
        if record_id is None:
            # Not published: only direct calls get here (HTTP requests reach
            # synced routes). Not cached, as no sync marks its changes.
            return (
                self.sudo()
                .with_context(active_test=False)
                .search([("route", "=", endpoint_route)], limit=1)
            ).with_env(self.env)
        return self.browse(record_id)

    @api.model
    @tools.ormcache("endpoint_route", "version")
    def _endpoint_id_for_route(self, endpoint_route, version):
        # The synced rule serving the route, even when the record's route was
        # edited since.
        self.env.cr.execute(
            "SELECT key FROM endpoint_route WHERE route = %s", (endpoint_route,)
        )
        prefix = f"{self._name}:"
        for (key,) in self.env.cr.fetchall():
            if key.startswith(prefix):
                return int(key[len(prefix) :])
        return None

    def _get_runtime(self):
        self.ensure_one()
        serving = _SERVING.get()
        if serving and serving[1] == self.id and serving[0] == self._name:
            return serving[2]
        return self._runtime_for_id(self.id, self._routing_version())

    @api.model
    @tools.ormcache("record_id", "version")
    def _runtime_for_id(self, record_id, version):
        rec = self.sudo().browse(record_id)
        return rec._build_runtime(rec._synced_runtime_values())

    def _runtime_values(self):
        """The record's values a request uses, published by a sync.

        An exec mode reading more fields adds them here, and reads them back
        with ``_synced_runtime_values()``.
        """
        self.ensure_one()
        return {
            "exec_mode": self.exec_mode,
            "request_method": self.request_method,
            "request_content_type": self.request_content_type or False,
            "request_content_schema": self.request_content_schema or False,
            "code_snippet": self.code_snippet or False,
            "exec_as_user_id": self.exec_as_user_id.id or None,
            "request_max_body_size": self.request_max_body_size or 0,
        }

    def _synced_runtime_values(self):
        """The runtime values of the last sync; the record's own if never synced."""
        self.ensure_one()
        key = self._endpoint_registry_unique_key()
        rule = next(iter(self._endpoint_registry.get_rules(keys=[key])), None)
        values = rule and rule.routing.get("endpoint_runtime")
        return values or self._runtime_values()

    def _build_runtime(self, values):
        self.ensure_one()
        schema = None
        if schema_applicable(values["request_method"], values["request_content_type"]):
            schema = body.compile_schema(
                values["request_content_schema"], values["request_content_type"]
            )
        code = None
        if values["exec_mode"] == "code":
            code = snippet.compile_snippet(values["code_snippet"])
        return EndpointRuntime(
            id=self.id,
            exec_mode=values["exec_mode"],
            request_method=values["request_method"],
            media_type=body.media_type(values["request_content_type"]),
            schema=schema,
            code=code,
            exec_as_user_id=values["exec_as_user_id"],
            # Runtimes published before the field existed have no limit.
            max_body_size=values.get("request_max_body_size") or 0,
        )

    # ------------------------------------------------------------------
    # Serving a request
    # ------------------------------------------------------------------

    def _handle_request(self, request):
        """Validate ``request`` and run the exec mode; return its ``result``."""
        # The hooks below each ask for the runtime: look it up once.
        token = _SERVING.set((self._name, self.id, self._get_runtime()))
        try:
            self._validate_request(request)
            handler = self._get_handler()
            return handler(request)
        finally:
            _SERVING.reset(token)

    def _get_handler(self):
        mode = self._get_runtime().exec_mode
        try:
            return getattr(self, f"_handle_exec__{mode}")
        except AttributeError as exc:
            raise werkzeug.exceptions.NotImplemented(
                f"Exec mode {mode} has no handler."
            ) from exc

    def _validate_request(self, request):
        """Check method, content type and body; raise the matching error."""
        runtime = self._get_runtime()
        httprequest = request.httprequest
        allowed = allowed_methods(runtime.request_method)
        if httprequest.method not in allowed:
            raise werkzeug.exceptions.MethodNotAllowed(valid_methods=allowed)
        if runtime.media_type:
            sent = body.media_type(httprequest.headers.get("Content-Type"))
            if sent != runtime.media_type:
                raise werkzeug.exceptions.UnsupportedMediaType(
                    f"Content-Type must be {runtime.media_type}, got {sent or 'none'}."
                )
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
        runtime = self._get_runtime()
        is_json = body.schema_kind(runtime.media_type) == "json"
        try:
            if runtime.schema is not None:
                value = runtime.schema.validate(data)
            elif data.strip() and is_json:
                # The snippet will parse it: refuse what would fail there.
                value = body.parse_json(data)
            else:
                return
        except body.BodyError as exc:
            raise RequestValidationError(exc.detail) from exc
        if is_json:
            self._hand_over_json(request, value)

    @staticmethod
    def _hand_over_json(request, value):
        """Make the first ``request.get_json_data()`` return ``value``, the
        body as validated, instead of parsing it again; later calls parse it
        as Odoo does, each giving a fresh object."""
        parse = request.get_json_data
        pending = [value]

        def get_json_data():
            return pending.pop() if pending else parse()

        request.get_json_data = get_json_data

    def _error_response(self, exc):
        """The JSON answer to an exception raised while serving a request."""
        refused = self._refused_record_response(exc)
        if refused is not None:
            return refused
        if isinstance(exc, RequestValidationError):
            return response_tools.json_response({"detail": exc.detail}, status=400)
        if isinstance(exc, PayloadTooLarge):
            return response_tools.json_response(
                {"error": "Payload Too Large", "message": str(exc)}, status=413
            )
        if isinstance(exc, self._bad_request_exceptions()):
            return response_tools.json_response(
                {"error": "Bad Request", "message": exc.args[0] if exc.args else ""},
                status=400,
            )
        if isinstance(exc, werkzeug.exceptions.HTTPException) and exc.code:
            headers = [
                (name, value)
                for name, value in exc.get_headers()
                if name.lower() != "content-type"
            ]
            return response_tools.json_response(
                {"error": exc.name, "message": exc.description},
                status=exc.code,
                headers=headers,
            )
        # exc_info=exc: the traceback is logged even outside an except block.
        self._logger.error("Endpoint %s failed", self.route, exc_info=exc)
        return response_tools.json_response(
            {"error": "Internal Server Error"}, status=500
        )

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
        return response_tools.json_response({"detail": detail}, status=status)

    def _bad_request_exceptions(self):
        """Exceptions of a handler that answer 400 instead of 500."""
        return (exceptions.UserError, exceptions.ValidationError)

    # ------------------------------------------------------------------
    # Exec mode "code"
    # ------------------------------------------------------------------

    def _handle_exec__code(self, request):
        runtime = self._get_runtime()
        context = self._get_code_snippet_eval_context(request)
        result = snippet.run_snippet(runtime.code, context).get("result")
        if not isinstance(result, dict):
            raise snippet.SnippetError(
                "The snippet must assign a dict to `result`, "
                f"got {type(result).__name__}."
            )
        return result

    def _get_code_snippet_eval_context(self, request):
        """The names a snippet sees; override to add some."""
        runtime = self._get_runtime()
        env = request.env
        if runtime.exec_as_user_id:
            if runtime.exec_as_user_id == SUPERUSER_ID:
                # Saved before the constraint refused it: never run so.
                raise snippet.SnippetError(
                    "The superuser is not an 'Exec as user': edit the endpoint."
                )
            env = env(user=runtime.exec_as_user_id, su=False)
        return {
            "env": env,
            "user": env.user,
            "endpoint": self._snippet_endpoint(env),
            "request": request,
            "Response": Response,
            "log": self._code_snippet_log,
            **snippet.SAFE_MODULES,
        }

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
