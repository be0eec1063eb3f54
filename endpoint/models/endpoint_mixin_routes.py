# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Several routes and methods per endpoint, path parameters, typed parameters.

An endpoint answers on its ``route`` and its ``extra_routes``, for its
``request_method`` and its ``extra_methods``. A route may hold typed
placeholders (``/api/orders/<int:order_id>``), checked at save so that a
pattern werkzeug cannot compile never reaches the routing map; two endpoints
whose patterns match a same URL are refused at save. The values of the
placeholders, and the query and header parameters a parameters schema
declares, reach the snippet converted, as ``params``.
"""

import werkzeug.exceptions

from odoo import api, exceptions, fields, models
from odoo.tools import SQL

from ..exceptions import RequestValidationError
from ..tools import params as params_tools
from ..tools import route_patterns, routes
from ..tools import runtime as runtime_tools
from ..tools.body import SchemaError

KNOWN_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
# A save of more routes than this reads every endpoint's routes at once
# rather than search those that may meet them.
ROUTE_CANDIDATES_MAX = 50


def like_escape(text):
    """``text`` for a LIKE pattern, matching itself only."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# One concern per file: the record, publishing, serving, OpenAPI, routes.
class EndpointMixinRoutes(models.AbstractModel):
    _inherit = "endpoint.mixin"  # pylint: disable=consider-merging-classes-inherited

    extra_routes = fields.Text(
        string="Other routes",
        copy=False,
        help="More routes the endpoint answers on, one per line, such as "
        "/api/v1/orders. Like the route, each may hold typed parameters: "
        "/api/orders/<int:order_id>.",
    )
    extra_methods = fields.Char(
        string="Other methods",
        help="More HTTP methods the endpoint answers, separated by spaces or "
        "commas, such as PUT DELETE. The snippet reads the method of the "
        "request in request.httprequest.method.",
    )
    request_params_schema = fields.Text(
        string="Parameters schema",
        help="JSON Schema (in JSON or YAML syntax) of the parameters: an "
        "object whose properties path, query and header describe the "
        "parameters of each place. Declared query and header values are "
        "converted to their type; requests whose parameters do not match "
        "are answered 400.",
    )
    # What a save of a few routes searches for the routes that may meet
    # them: routes under a fixed text, routes with placeholders, endpoints
    # with other routes (see _candidate_endpoint_routes).
    _route_prefix_idx = models.Index("(route text_pattern_ops)")
    _route_placeholder_idx = models.Index("(id) WHERE position('<' in route) > 0")
    _extra_routes_idx = models.Index("(id) WHERE extra_routes IS NOT NULL")

    route_parameter_names = fields.Char(
        string="Path parameters",
        compute="_compute_route_parameter_names",
        help="The names of the routes' typed parameters, read in the "
        "snippet as params['name'].",
    )

    # ------------------------------------------------------------------
    # Selections and computes
    # ------------------------------------------------------------------

    def _selection_request_method(self):
        methods = super()._selection_request_method()
        if "PATCH" not in dict(methods):
            methods = [*methods, ("PATCH", "PATCH")]
        return methods

    @api.model
    def _code_editor_fields(self):
        return (*super()._code_editor_fields(), "request_params_schema")

    @api.depends("route", "extra_routes")
    def _compute_route_parameter_names(self):
        converters = self._route_converters()
        for rec in self:
            names = []
            for route in rec._endpoint_routes():
                try:
                    pattern = route_patterns.compile_pattern(route, converters)
                except route_patterns.RoutePatternError:
                    continue
                names += [n for n in pattern.names if n not in names]
            rec.route_parameter_names = ", ".join(names) or False

    @api.depends("request_method", "request_content_type", "extra_methods")
    def _compute_request_content_schema_applicable(self):
        for rec in self:
            rec.request_content_schema_applicable = runtime_tools.schema_applicable(
                rec._endpoint_methods(), rec.request_content_type
            )

    def _endpoint_routes(self):
        """Every route the endpoint answers on: its route first."""
        self.ensure_one()
        found = [self.route] if self.route else []
        for line in route_patterns.clean_lines(self.extra_routes):
            route = self._clean_extra_route(line)
            if route not in found:
                found.append(route)
        return found

    def _clean_extra_route(self, route):
        # As the route is cleaned: a leading slash, the model's prefix, no
        # trailing slash.
        return self.new({"route": route})._clean_route()

    def _endpoint_methods(self):
        """Every method the endpoint answers (HEAD aside): its
        ``request_method`` first."""
        self.ensure_one()
        return runtime_tools.request_methods(self.request_method, self.extra_methods)

    @api.model
    def _route_converters(self):
        return self.env["ir.http"]._get_converters()

    # ------------------------------------------------------------------
    # Constraints
    # ------------------------------------------------------------------

    @api.constrains("request_method", "extra_methods", "request_content_type")
    def _check_extra_methods(self):
        for rec in self:
            methods = rec._endpoint_methods()
            unknown = [m for m in methods if m not in KNOWN_METHODS]
            if unknown:
                raise exceptions.UserError(
                    self.env._(
                        "Endpoint %(name)s: %(methods)s is not a method an "
                        "endpoint answers; use %(known)s.",
                        name=rec.name,
                        methods=", ".join(unknown),
                        known=", ".join(KNOWN_METHODS),
                    )
                )
            if not rec.request_content_type and any(
                runtime_tools.carries_body(m) for m in methods
            ):
                raise exceptions.UserError(
                    self.env._(
                        "Endpoint %(name)s: a content type is required: "
                        "%(methods)s requests carry a body.",
                        name=rec.name,
                        methods=", ".join(
                            m for m in methods if runtime_tools.carries_body(m)
                        ),
                    )
                )

    @api.constrains("route", "extra_routes")
    def _check_route_patterns(self):
        converters = self._route_converters()
        compiled = [(rec, rec._compiled_route_patterns(converters)) for rec in self]
        patterns = [pattern for _rec, found in compiled for pattern in found]
        # Creating thousands of endpoints costs time proportional to their
        # number, in one batch (a script) or one by one (XML data): a large
        # batch reads every endpoint's routes once, a small one only those
        # that may meet its own.
        if len(patterns) > ROUTE_CANDIDATES_MAX:
            others = self._all_endpoint_routes()
        else:
            others = self._candidate_endpoint_routes(patterns)
        index = route_patterns.RouteIndex(converters)
        for other, other_route in others:
            index.add((other._name, other.id), other_route, other)
        for rec, found in compiled:
            rec._check_extra_routes_free(found)
            rec._check_route_overlaps(found, converters, index)

    def _compiled_route_patterns(self, converters):
        """The record's routes, each checked and compiled; a UserError names
        the first that cannot be served and why."""
        self.ensure_one()
        compiled = []
        lines = [self.route] + [
            self._clean_extra_route(line)
            for line in route_patterns.clean_lines(self.extra_routes)
        ]
        seen = set()
        for route in lines:
            if route in seen:
                raise exceptions.UserError(
                    self.env._(
                        "Endpoint %(name)s: the route %(route)s is listed twice.",
                        name=self.name,
                        route=route,
                    )
                )
            seen.add(route)
            try:
                pattern = route_patterns.compile_pattern(route, converters)
            except route_patterns.RoutePatternError as exc:
                raise exceptions.UserError(
                    self.env._(
                        "Endpoint %(name)s: the route cannot be served. %(error)s",
                        name=self.name,
                        error=str(exc),
                    )
                ) from exc
            for placeholder in pattern.placeholders:
                model = placeholder.model
                if model is not None and model not in self.env:
                    raise exceptions.UserError(
                        self.env._(
                            "Endpoint %(name)s: route %(route)s: there is no "
                            "model %(model)s (in <%(converter)s(...):%(param)s>).",
                            name=self.name,
                            route=route,
                            model=model,
                            converter=placeholder.converter,
                            param=placeholder.name,
                        )
                    )
            compiled.append(pattern)
        return compiled

    def _check_extra_routes_free(self, patterns):
        """The other routes follow the rules of the route: not reserved, not
        served by Odoo's code (the route itself is checked on its own)."""
        for pattern in patterns:
            is_main = pattern.pattern == self.route
            if not is_main and pattern.pattern in self._blacklist_routes:
                raise exceptions.UserError(
                    self.env._(
                        "Endpoint %(name)s: route %(route)s is reserved, "
                        "pick another one.",
                        name=self.name,
                        route=pattern.pattern,
                    )
                )
            if is_main and not pattern.placeholders:
                continue
            for url in route_patterns.sample_urls(pattern):
                odoo_rule = routes.odoo_rule_for(
                    url, self._odoo_modules(), self._route_converters()
                )
                if odoo_rule:
                    raise exceptions.UserError(
                        self.env._(
                            "Endpoint %(name)s: route %(route)s is already "
                            "served by Odoo (%(rule)s); an endpoint there would "
                            "hide it. Pick another route.",
                            name=self.name,
                            route=pattern.pattern,
                            rule=odoo_rule,
                        )
                    )

    def _check_route_overlaps(self, patterns, converters, index=None):
        """Refuse a route that matches a URL another endpoint's route (of any
        model built on the route handler) matches too: which one would
        answer would depend on werkzeug's ordering."""
        if index is None:
            index = route_patterns.RouteIndex(converters)
            for other, other_route in self._other_endpoint_routes():
                index.add((other._name, other.id), other_route, other)
        for pattern in patterns:
            found = index.overlapping(pattern, exclude=(self._name, self.id))
            if found is None:
                continue
            other, other_route, url = found
            raise exceptions.UserError(
                self.env._(
                    "Endpoint %(name)s: route %(route)s and route %(other)s "
                    "of %(record)s both match %(url)s. Change one of them: "
                    "a URL is answered by one endpoint only.",
                    name=self.name,
                    route=pattern.pattern,
                    other=other_route,
                    record=other.display_name,
                    url=url,
                )
            )

    def _other_endpoint_routes(self):
        """Yield ``(record, route)`` for every route of every other endpoint,
        archived ones included (unarchiving puts their routes back)."""
        for record, route in self._all_endpoint_routes():
            if (record._name, record.id) != (self._name, self.id):
                yield record, route

    def _all_endpoint_routes(self, where=None):
        """Yield ``(record, route)`` for every route of every endpoint of
        every model built on the route handler, archived ones included (of
        the rows ``where``, a callable given the model, selects; an SQL
        condition, or None for none)."""
        for model_name in self._route_consumer_models():
            model = self.env[model_name].sudo().with_context(active_test=False)
            if where is None:
                # By id: ordering by route would write pending routes first,
                # and a duplicate would fail in the database before this
                # check says why.
                records = model.search([("route", "!=", False)], order="id")
            else:
                model.flush_model(
                    [f for f in ("route", "extra_routes") if f in model._fields]
                )
                # One query per condition, each on an index of its own.
                table = SQL.identifier(model._table)
                query = SQL(" UNION ").join(
                    SQL(
                        "SELECT id FROM %s WHERE route IS NOT NULL AND %s",
                        table,
                        condition,
                    )
                    for condition in where(model)
                )
                self.env.cr.execute(SQL("%s ORDER BY id", query))
                records = model.browse(row[0] for row in self.env.cr.fetchall())
            for record in records:
                if hasattr(record, "_endpoint_routes"):
                    found = record._endpoint_routes()
                else:
                    found = [record.route] if record.route else []
                for route in found:
                    yield record, route

    def _candidate_endpoint_routes(self, patterns):
        """Like ``_all_endpoint_routes``, but only the endpoints whose routes
        may match a URL one of ``patterns`` (``RoutePattern``) matches.

        Every URL a route matches starts with the route's fixed text (before
        its first placeholder; a trailing slash aside): two routes meet only
        if the fixed text of one starts with the other's. So: the same plain
        route, plain routes under a pattern's fixed text, patterns whose
        fixed text and ours start one with the other, and any endpoint with
        other routes (one by one, not searched)."""
        bare = set()
        under = set()
        fixed = set()
        for pattern in patterns:
            if pattern.placeholders:
                prefix = route_patterns.fixed_prefix(pattern.pattern)
                under.add(like_escape(prefix) + "%")
                fixed.add(prefix)
            else:
                route = pattern.pattern.rstrip("/") or "/"
                bare.add(route)
                fixed.add(route)
        route_fixed = SQL("split_part(route, '<', 1)")
        same = SQL(
            "route = ANY(%s)", sorted(bare | {f"{r}/" for r in bare if r != "/"})
        )
        meeting = SQL(
            "(position('<' in route) > 0 AND EXISTS ("
            "SELECT FROM unnest(%s::text[]) AS ours(fixed)"
            " WHERE starts_with(ours.fixed, %s)"
            " OR starts_with(%s, ours.fixed)))",
            sorted(fixed),
            route_fixed,
            route_fixed,
        )
        below = [SQL("route LIKE %s", like) for like in sorted(under)]

        def where(model):
            extra = model._fields.get("extra_routes")
            if (extra is not None and extra.store) or not hasattr(
                model, "_endpoint_routes"
            ):
                conditions = [same, meeting, *below]
            else:
                # Routes kept some other way: all of them.
                return [SQL("TRUE")]
            if extra is not None:
                conditions.append(SQL("extra_routes IS NOT NULL"))
            if not hasattr(model, "_endpoint_routes"):
                # Another model's routes may be stored as written, with
                # trailing slashes: compared as the full check compares them.
                bare_route = SQL(
                    "(CASE WHEN route ~ '^/+$' THEN '/' ELSE rtrim(route, '/') END)"
                )
                conditions = [
                    SQL("%s = ANY(%s)", bare_route, sorted(bare)),
                    *conditions[1:],
                ]
            return conditions

        return self._all_endpoint_routes(where)

    @api.model
    def _route_consumer_models(self):
        """The concrete models built on the route handler, through any
        number of inheritances (the route handler's own list misses those
        inheriting it through this mixin)."""
        return [
            name
            for name in self.env.registry.descendants(
                ["endpoint.route.handler"], "_inherit"
            )
            if not self.env[name]._abstract and not self.env[name]._transient
        ]

    @api.constrains("request_params_schema", "route", "extra_routes")
    def _check_request_params_schema(self):
        for rec in self:
            try:
                schema = params_tools.compile_params_schema(rec.request_params_schema)
            except SchemaError as exc:
                raise exceptions.UserError(
                    self.env._(
                        "Endpoint %(name)s: the parameters schema is invalid. "
                        "%(error)s",
                        name=rec.name,
                        error=str(exc),
                    )
                ) from exc
            if schema is None:
                continue
            names = set((rec.route_parameter_names or "").replace(" ", "").split(","))
            unknown = [n for n in schema.names("path") if n not in names]
            if unknown:
                raise exceptions.UserError(
                    self.env._(
                        "Endpoint %(name)s: the parameters schema describes path "
                        "parameters no route has: %(params)s.",
                        name=rec.name,
                        params=", ".join(unknown),
                    )
                )
            clash = [
                n for n in schema.names("query") + schema.names("header") if n in names
            ]
            if clash:
                raise exceptions.UserError(
                    self.env._(
                        "Endpoint %(name)s: %(params)s is a path parameter and "
                        "a query or header parameter: the snippet reads them "
                        "by name, so each name is used once.",
                        name=rec.name,
                        params=", ".join(clash),
                    )
                )

    # ------------------------------------------------------------------
    # Serving: the parameters
    # ------------------------------------------------------------------

    def _validate_request_params(self, request):
        """Check the request's path, query and header parameters, and keep
        them, converted, for the snippet's ``params``.

        A path value a converter let through but that is not safe to hand
        over (``..``, bytes that are not UTF-8, control characters) is a 400;
        a record of a ``model`` placeholder that the snippet's user cannot
        read is a 404, as a missing one.
        """
        state = runtime_tools.request_state(request)
        if state is None:
            return  # not an HTTP request of a published route (a test's mock)
        runtime = self._get_runtime()
        if not state.path_args and runtime.params is None:
            state.params = {}
            return  # most endpoints: nothing to check
        path_args = dict(state.path_args or {})
        errors = []
        for name, value in path_args.items():
            problem = route_patterns.path_value_problem(value)
            if problem:
                errors.append(
                    {"loc": ["path", name], "msg": problem[1], "type": problem[0]}
                )
        if errors:
            raise RequestValidationError(errors)
        env = None
        for name, value in path_args.items():
            if isinstance(value, models.BaseModel):
                env = env or self._snippet_env(request)
                path_args[name] = self._readable_path_records(value.with_env(env))
        values = dict(path_args)
        if runtime.params is not None:
            httprequest = request.httprequest
            query = {key: httprequest.args.getlist(key) for key in httprequest.args}
            checked = runtime.params.check(
                path=path_args, query=query, headers=httprequest.headers
            )
            values = {**checked["query"], **checked["header"], **path_args}
        state.params = values

    def _readable_path_records(self, records):
        """``records`` when they all exist and can be read, else a 404."""
        existing = records.exists()
        # An id the converter cannot read (too many digits) browses nothing.
        if not records or len(existing) != len(records):
            raise werkzeug.exceptions.NotFound()
        try:
            existing.check_access("read")
        except exceptions.AccessError as exc:
            raise werkzeug.exceptions.NotFound() from exc
        return existing

    def _request_params(self, request):
        """What the snippet reads as ``params``."""
        state = runtime_tools.request_state(request)
        return (state and state.params) or {}
