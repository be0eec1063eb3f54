# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import json
import logging

import werkzeug.exceptions

import odoo
from odoo import models, tools
from odoo.exceptions import UserError
from odoo.http import CORS_MAX_AGE, Response, request

from odoo.addons.rpc_helper.patch import _rpc_allowed

from ..tools import csrf, route_patterns, route_table
from ..tools import response as response_tools
from ..tools import runtime as runtime_tools

_logger = logging.getLogger(__name__)

# The arguments the route handler binds to an endpoint's controller method.
CONTROLLER_ARGUMENTS = ("model", "endpoint_route")
# The ORM cache holding the endpoints' route table, which a change of their
# rows in the route table signals (Odoo's routing map is left alone).
ROUTE_TABLE_CACHE = "default"
# Where the registry keeps its last endpoints' table, to rebuild the next one
# from it.
PREVIOUS_TABLE = "_endpoint_route_table_previous"


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    def _endpoint_route_last_version(self):
        """No query: the route handler keys its routing map on the routes'
        version, read on every request of the server. Every change of the
        route table signals Odoo's caches instead (a database trigger), which
        each request checks anyway."""
        return 0

    def _endpoint_routing_rules(self):
        # The rules of other models built on the route handler stay in Odoo's
        # routing map; endpoints are served from their own table.
        registry = self._endpoint_route_registry()
        checked = {}
        rules = registry.get_rules(
            where=self.env.cr.mogrify(
                "WHERE split_part(key, ':', 1) NOT IN %s",
                [tuple(self._endpoint_models()) or ("",)],
            ).decode()
        )
        for rule in rules:
            endpoint = rule.endpoint
            for url in endpoint.routing["routes"]:
                if "<" in url and not self._endpoint_route_compiles(url, checked):
                    continue
                yield url, endpoint

    def _endpoint_models(self):
        """The models whose records are served from the endpoints' table."""
        return [
            name
            for name in self.env.registry.descendants(["endpoint.mixin"], "_inherit")
            if not self.env[name]._abstract
        ]

    @tools.ormcache(cache=ROUTE_TABLE_CACHE)
    def _endpoint_route_table(self):
        """The live endpoint routes of this database, dropped by a sync in
        every process: the commit that changes their rows signals the cache.

        Their routing keeps an empty runtime: the values a request runs are
        read when the endpoint is first called (``_published_runtime``).
        Rebuilt from the previous table: only the rows whose text changed
        since are parsed again, and the runtimes of the others are kept."""
        table = route_table.RouteTable(self._get_converters())
        models = tuple(self._endpoint_models())
        if not models:
            return table
        registry = self.env.registry
        previous = getattr(registry, PREVIOUS_TABLE, None)
        previous = previous if previous is not None else route_table.RouteTable({})
        checked = {}

        def pattern_ok(url):
            return self._endpoint_route_compiles(url, checked)

        # Row versions first: the text of the rows that did not change is
        # not even fetched, nor hashed. A row's id, the transaction that
        # wrote it (xmin) and that transaction's command (cmin: a test, or a
        # module's install, writes and reads in one transaction) name what
        # it holds: any change of its text writes a new version.
        self.env.cr.execute(
            "SELECT key, id || ':' || xmin || ':' || cmin FROM endpoint_route"
            " WHERE split_part(key, ':', 1) IN %s ORDER BY id",
            [models],
        )
        rows = self.env.cr.fetchall()
        changed = [key for key, digest in rows if previous.digests.get(key) != digest]
        texts = {}
        if changed:
            self.env.cr.execute(
                "SELECT key, routing FROM endpoint_route WHERE key IN %s",
                [tuple(changed)],
            )
            texts = dict(self.env.cr.fetchall())
        table.reuse(
            previous,
            [key for key, digest in rows if previous.digests.get(key) == digest],
            pattern_ok,
        )
        for key, digest in rows:
            if key not in texts:
                continue  # unchanged, or taken off since the versions were read
            routing = json.loads(texts[key])
            if runtime_tools.ROUTING_RUNTIME not in routing:
                continue
            # Published in the routing by older versions: not kept.
            routing[runtime_tools.ROUTING_RUNTIME] = {}
            # An archived endpoint's route is off the air, as last published.
            live = not routing.get(runtime_tools.ROUTING_ARCHIVED)
            # The handler's options are read when the route is first called.
            table.add(key, routing, None, pattern_ok, digest=digest, live=live)
        setattr(registry, PREVIOUS_TABLE, table)
        _logger.info("Endpoint route table: %s endpoints", len(table))
        return table

    def _make_endpoint(self, key, routing, handler=None):
        """The controller method serving an endpoint route, as the route
        handler binds it (its handler options read when not given)."""
        if handler is None:
            self.env.cr.execute(
                "SELECT opts::jsonb -> 'handler' FROM endpoint_route WHERE key = %s",
                [key],
            )
            row = self.env.cr.fetchone()
            if row is None:  # taken off since the table was read
                raise werkzeug.exceptions.NotFound()
            handler = row[0]
        rule = self._endpoint_route_registry().make_rule(
            key, routing["routes"][0], {"handler": handler}, routing, None
        )
        return rule.endpoint

    def _endpoint_route_compiles(self, url, checked):
        """Tell whether werkzeug can build a rule of ``url``: one that it
        cannot would fail the whole routing map, every route of the server.
        Saving an endpoint refuses such routes; this catches those written
        to the route table some other way."""
        if url not in checked:
            converters = self._get_converters()
            ok = route_patterns.compiles(
                url, route_patterns.matching_converters(converters)
            )
            if ok:
                ok = all(m in self.env for m in route_patterns.models_named(url))
            if not ok:
                _logger.error(
                    "Route %s left out of the routing map: it cannot be served", url
                )
            checked[url] = ok
        return checked[url]

    @classmethod
    def _get_converters(cls):
        # A value a converter's regex lets through but that it cannot convert
        # (an integer of thousands of digits, digits of another script) is a
        # 404, as any other value that does not match, not a 500.
        return {
            name: route_patterns.strict_converter(klass)
            for name, klass in super()._get_converters().items()
        }

    @classmethod
    def _match(cls, path_info):
        try:
            rule, args = super()._match(path_info)
        except werkzeug.exceptions.NotFound:
            # Odoo's routes first: a request another route serves never
            # reads the endpoint routes, which saving an endpoint keeps from
            # shadowing any of them.
            ir_http = request.env["ir.http"]
            found = ir_http._endpoint_route_table().match(
                path_info, ir_http._make_endpoint, request.httprequest.environ
            )
            if not found:
                raise
            rule, args = found
        routing = rule.endpoint.routing
        if routing.get(runtime_tools.ROUTING_RUNTIME) is not None:
            # An endpoint's route: its routing says which record serves it
            # and with which values, as of the routing map's version.
            runtime_tools.request_state(request, create=True).routing = routing
        return rule, args

    @classmethod
    def _handle_error(cls, exception):
        # An endpoint's route answers every error in JSON, those raised
        # before its controller runs too (authentication: 401, 403).
        state = runtime_tools.request_state(request)
        if state and state.routing:
            response = cls._endpoint_error_response(exception)
            cls._endpoint_log_refused_call(state.routing, response, exception)
            return response
        return super()._handle_error(exception)

    @classmethod
    def _endpoint_log_refused_call(cls, routing, response, exception):
        # A call refused before the endpoint's controller ran (authentication)
        # is a call all the same: logged when its endpoint logs calls.
        model = request.env and request.env.get(
            routing.get(runtime_tools.ROUTING_MODEL)
        )
        if model is not None and hasattr(model, "_log_call"):
            endpoint = model.sudo().browse(routing.get(runtime_tools.ROUTING_RECORD))
            endpoint._log_call(request, response, exception)

    @classmethod
    def _endpoint_error_response(cls, exception):
        if isinstance(exception, werkzeug.exceptions.HTTPException) and exception.code:
            return response_tools.http_error_response(exception)
        if isinstance(exception, UserError):
            # The AccessDenied of an auth method is a 403.
            message = str(exception.args[0]) if exception.args else None
            return response_tools.error_response(exception.http_status, message)
        return response_tools.error_response(500)

    @classmethod
    def _authenticate(cls, endpoint):
        is_endpoint = endpoint.routing.get(runtime_tools.ROUTING_METHODS)
        if is_endpoint and getattr(odoo, "evented", False):
            cls._endpoint_refuse_evented()
        return super()._authenticate(endpoint)

    @classmethod
    def _endpoint_refuse_evented(cls):
        """Refuse to serve an endpoint from the evented (gevent) process.

        It serves the bus and the live chat's websockets of every user in one
        process without time or CPU limits: one snippet looping there would
        stall them all. Endpoints are served by the HTTP workers, where the
        limits apply; a proxy sends only /websocket to this port.
        """
        werkzeug.exceptions.abort(
            response_tools.error_response(
                503, request.env._("Endpoints are not served on this port.")
            )
        )

    @classmethod
    def _pre_dispatch(cls, rule, args):
        routing = rule.endpoint.routing
        if routing.get("type") == "json2":
            cls._endpoint_check_json2_rpc(args)
        allowed = routing.get(runtime_tools.ROUTING_METHODS)
        cors = allowed and routing.get("cors")
        if cors and request.httprequest.method == "OPTIONS":
            cls._endpoint_cors_preflight(cors, allowed)
        path_args = None
        if routing.get(runtime_tools.ROUTING_RUNTIME) is not None:
            # The route's typed parameters reach the snippet as ``params``,
            # checked by the endpoint: records are read as the snippet's
            # user, not as the caller Odoo would check them with.
            path_args = dict(args)
            runtime_tools.request_state(request, create=True).path_args = path_args
            args.clear()
        res = super()._pre_dispatch(rule, args)
        if path_args:
            # Plain values stay in request.params too, as Odoo puts them.
            args.update(
                (name, value)
                for name, value in path_args.items()
                if not isinstance(value, models.BaseModel)
            )
        if cors:
            # Odoo names "GET, POST" for routes open to any method; endpoints
            # check their own methods themselves.
            request.future_response.headers.set(
                "Access-Control-Allow-Methods", ", ".join(allowed)
            )
        if allowed and cls._endpoint_is_cross_site_forgery(routing):
            werkzeug.exceptions.abort(
                response_tools.error_response(
                    403,
                    request.env._(
                        "Cross-site request refused: send Odoo's CSRF token, "
                        "or call from an origin the endpoint's CORS setting names."
                    ),
                )
            )
        return res

    @classmethod
    def _endpoint_is_cross_site_forgery(cls, routing):
        """Tell whether another site's page made the browser send this
        request with the user's session cookie.

        Refused unless it carries Odoo's CSRF token (``csrf_token`` form
        field or ``X-CSRF-Token`` header) or comes from an origin the
        endpoint's CORS setting names one by one. Public endpoints run as
        their "Exec as user" whoever calls, and routes with Odoo's own CSRF
        check (``csrf``) need the token anyway.
        """
        httprequest = request.httprequest
        if (
            httprequest.method in csrf.SAFE_METHODS
            or routing.get("auth") == "public"
            or routing.get("csrf")
            or not request.session.uid
        ):
            return False
        headers = httprequest.headers
        if not csrf.is_cross_site(headers, csrf.origin_of(httprequest.host_url)):
            return False
        if csrf.origin_allowed(headers, routing.get("cors")):
            return False
        token = headers.get("X-CSRF-Token") or httprequest.form.get("csrf_token")
        if token and request.validate_csrf(token):
            return False
        _logger.warning(
            "Cross-site %s %s refused (Origin: %s, Sec-Fetch-Site: %s)",
            httprequest.method,
            httprequest.path,
            headers.get("Origin"),
            headers.get("Sec-Fetch-Site"),
        )
        return True

    @classmethod
    def _dispatch(cls, endpoint):
        routing = endpoint.routing
        if routing.get(runtime_tools.ROUTING_RUNTIME) is None:
            return super()._dispatch(endpoint)
        params = request.params
        if not any(name in params for name in CONTROLLER_ARGUMENTS):
            return super()._dispatch(endpoint)
        # Query parameters reach the controller as keyword arguments: one
        # named as its own positional ones ("?model=x") would make the call
        # fail. The snippet still reads them in request.params.

        def call(**params):
            for name in CONTROLLER_ARGUMENTS:
                params.pop(name, None)
            return endpoint(**params)

        call.routing = routing
        return super()._dispatch(call)

    @classmethod
    def _endpoint_check_json2_rpc(cls, args):
        # rpc_helper guards XML-RPC and /jsonrpc; Odoo 19's /json/2 calls
        # model methods directly, so guard it here as well.
        model = request.env.get(args.get("__model__"))
        if model is not None and not _rpc_allowed(model, args.get("__method__")):
            raise werkzeug.exceptions.Forbidden(
                f"RPC calls on {model._name} are not allowed."
            )

    @classmethod
    def _endpoint_cors_preflight(cls, cors, allowed):
        request.session.can_save = False
        headers = request.future_response.headers
        headers.set("Access-Control-Allow-Origin", cors)
        headers.set("Access-Control-Allow-Methods", ", ".join(allowed))
        headers.set("Access-Control-Max-Age", CORS_MAX_AGE)
        headers.set(
            "Access-Control-Allow-Headers",
            "Origin, X-Requested-With, Content-Type, Accept, Authorization",
        )
        werkzeug.exceptions.abort(Response(status=204))
