# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Several routes and methods per endpoint, path parameters and typed
parameters: what is refused at save, and what an HTTP client sees."""

import http.client
import json
import uuid

from odoo.tests import tagged
from odoo.tests.common import HOST, TEST_CURSOR_COOKIE_NAME
from odoo.tools import mute_logger

from odoo.addons.endpoint_route_handler.registry import EndpointRegistry

from . import test_endpoint_ui
from .common import EndpointHttpCase, EndpointRecordCase

# Echo what the snippet received: its params, the method, the query.
ECHO = """
out = {}
for key, value in params.items():
    if isinstance(value, (int, float, bool, list)):
        out[key] = value
    else:
        # A record prints as res.partner(7,), a UUID as its text.
        out[key] = str(value)
result = {"payload": {
    "params": out,
    "method": request.httprequest.method,
}}
"""

PARAMS_SCHEMA = """
properties:
  path:
    properties:
      order_id: {type: integer, minimum: 1}
  query:
    properties:
      limit: {type: integer, minimum: 1, maximum: 100, default: 20}
      tags: {type: array, items: {type: string}}
      exact: {type: boolean}
    required: [limit]
  header:
    properties:
      X-Request-Id: {type: string, minLength: 4}
"""


@tagged("post_install", "-at_install")
class TestEndpointRoutesRecord(EndpointRecordCase):
    """What is refused at save, with a message naming the wrong part."""

    def _patterned(self, route, **vals):
        return self._create_endpoint(
            sync=False, route=route, code_snippet="result = {}", **vals
        )

    def test_bad_patterns_refused_naming_the_part(self):
        cases = {
            "/endpoint_test/h14/<foo:x>": "unknown converter 'foo'",
            "/endpoint_test/h14/<int:x": "unbalanced",
            "/endpoint_test/h14/<int(:x>": "'int(:x' is not a valid parameter name",
            "/endpoint_test/h14/<int:1x>": "'1x' is not a valid parameter name",
            "/endpoint_test/h14/<int:x>/<int:x>": "the name 'x' is used twice",
            "/endpoint_test/h14/<model:p>": "name the model, as in <model(",
            '/endpoint_test/h14/<model("no.such"):p>': "there is no model no.such",
            "/<int:x>": "the first segment must be fixed text",
            "/endpoint_test/h14/a b": "' ' cannot be part of a route",
        }
        for route, fragment in cases.items():
            with self.subTest(route=route), self.assertUserError(fragment):
                self._patterned(route)
        # The same on the other routes.
        with self.assertUserError("unknown converter 'foo'"):
            self._patterned(
                "/endpoint_test/h14/ok", extra_routes="/endpoint_test/h14/<foo:x>"
            )

    def test_good_patterns_saved_and_named(self):
        endpoint = self._patterned(
            "/endpoint_test/h14/<int:a>/<string:b>/<float:c>/<uuid:d>/"
            '<model("res.partner"):e>/<path:f>'
        )
        self.assertEqual(endpoint.route_parameter_names, "a, b, c, d, e, f")

    def test_overlapping_patterns_refused(self):
        self._patterned("/endpoint_test/h14/a/<int:n>")
        for route in (
            "/endpoint_test/h14/a/5",
            "/endpoint_test/h14/a/<string:code>",
            "/endpoint_test/h14/a/<int:m>",
        ):
            with self.subTest(route=route), self.assertUserError("both match"):
                self._patterned(route)
        # A float never matches an int: no overlap.
        self._patterned("/endpoint_test/h14/a/<float:x>")
        # Other routes are checked, against others' other routes too.
        self._patterned(
            "/endpoint_test/h14/b", extra_routes="/endpoint_test/h14/v1/<path:rest>"
        )
        with self.assertUserError("/endpoint_test/h14/v1/<path:rest>"):
            self._patterned(
                "/endpoint_test/h14/c", extra_routes="/endpoint_test/h14/v1/x/y"
            )

    def test_overlaps_found_saved_one_by_one_and_in_bulk(self):
        """A save of a few routes (XML data, a form) looks only at the
        endpoints that may meet them; a large one reads all: both refuse the
        same overlaps."""
        from ..models.endpoint_mixin_routes import ROUTE_CANDIDATES_MAX

        self._patterned("/endpoint_test/h17/p/7")
        self._patterned("/endpoint_test/h17/q/<int:n>")
        self._patterned("/endpoint_test/h17/r", extra_routes="/endpoint_test/h17/s")
        self._patterned("/endpoint_test/h17/v/<path:rest>")
        self._patterned("/endpoint_test/h17/w/a/<int:n>")
        clashes = {
            # A pattern over a plain route.
            "/endpoint_test/h17/p/<int:n>": "/endpoint_test/h17/p/7",
            # A plain route under a pattern.
            "/endpoint_test/h17/q/9": "/endpoint_test/h17/q/<int:n>",
            # Another endpoint's other route.
            "/endpoint_test/h17/s": "/endpoint_test/h17/s",
            # Patterns whose fixed texts start one with the other.
            "/endpoint_test/h17/v/a/<int:n>": "/endpoint_test/h17/v/<path:rest>",
            "/endpoint_test/h17/w/<path:rest>": "/endpoint_test/h17/w/a/<int:n>",
            # A trailing slash makes no difference.
            "/endpoint_test/h17/p/7/": "/endpoint_test/h17/p/7",
        }
        filler = [
            self._endpoint_vals(route=f"/endpoint_test/h17/bulk/{i}")
            for i in range(ROUTE_CANDIDATES_MAX)
        ]
        Endpoint = self.env["endpoint.endpoint"]
        for route, other in clashes.items():
            with self.subTest(route=route), self.assertUserError(other):
                self._patterned(route)
            with self.subTest(route=route, bulk=True), self.assertUserError(other):
                Endpoint.create([*filler, self._endpoint_vals(route=route)])
        # Without a clash, both save.
        self._patterned("/endpoint_test/h17/p/<string:code>/x")
        Endpoint.create([*filler, self._endpoint_vals(route="/endpoint_test/h17/u")])

    def test_other_route_equal_to_a_route_refused(self):
        self._patterned("/endpoint_test/h14/taken")
        with self.assertUserError("both match /endpoint_test/h14/taken"):
            self._patterned(
                "/endpoint_test/h14/free", extra_routes="/endpoint_test/h14/taken"
            )
        with self.assertUserError("listed twice"):
            self._patterned(
                "/endpoint_test/h14/twice", extra_routes="endpoint_test/h14/twice/"
            )

    def test_other_routes_follow_the_route_rules(self):
        with self.assertUserError("reserved"):
            self._patterned("/endpoint_test/h14/x", extra_routes="/web")
        with self.assertUserError("already served by Odoo"):
            self._patterned("/endpoint_test/h14/y", extra_routes="/web/login")
        with self.assertUserError("already served by Odoo"):
            self._patterned("/endpoint_test/h14/z", extra_routes="/web/image/<int:x>")

    def test_methods(self):
        with self.assertUserError("TRACE is not a method"):
            self._patterned("/endpoint_test/h14/m1", extra_methods="PUT TRACE")
        with self.assertUserError("content type is required: PUT"):
            self._patterned("/endpoint_test/h14/m2", extra_methods="PUT")
        endpoint = self._patterned(
            "/endpoint_test/h14/m3",
            extra_methods="put, delete\nPATCH",
            request_content_type="application/json",
        )
        self.assertEqual(
            endpoint._endpoint_methods(), ["GET", "PUT", "DELETE", "PATCH"]
        )
        self.assertTrue(endpoint.request_content_schema_applicable)

    def test_params_schema_refused(self):
        cases = {
            "properties: {body: {}}": "can only be path, query, header",
            "properties: {query: {type: 12}}": "not a valid Draft 2020-12 schema",
            "properties: {path: {properties: {nope: {}}}}": "no route has: nope",
            "properties: {query: {properties: {n: {}}}}": "n is a path parameter",
            "{not yaml": "neither valid JSON nor YAML",
        }
        for schema, fragment in cases.items():
            with self.subTest(schema=schema), self.assertUserError(fragment):
                self._patterned(
                    "/endpoint_test/h14/p/<int:n>", request_params_schema=schema
                )

    def test_request_method_alone_still_works(self):
        # A record written for OCA's module: one method, one route.
        endpoint = self._patterned("/endpoint_test/h14/oca", request_method="DELETE")
        self.assertEqual(endpoint._endpoint_methods(), ["DELETE"])
        self.assertEqual(endpoint._endpoint_routes(), ["/endpoint_test/h14/oca"])

    def test_copy_drops_other_routes(self):
        endpoint = self._patterned(
            "/endpoint_test/h14/orig", extra_routes="/endpoint_test/h14/alias"
        )
        copy = endpoint.copy()
        self.assertFalse(copy.extra_routes)
        self.assertEqual(copy.route, "/endpoint_test/h14/orig/COPY_FIXME")


@tagged("post_install", "-at_install")
class TestEndpointRoutesHttp(EndpointHttpCase):
    """Path parameters, several routes and methods, over HTTP."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.demo_user = cls.env.ref("base.user_demo")
        cls.public = {"auth_type": "public", "exec_as_user_id": cls.demo_user.id}

    def _json(self, route, method="GET", status=200, **kw):
        response = self._call(route, method, **kw)
        self.assertEqual(response.status_code, status, f"{route}: {response.text}")
        return response.json()

    def test_converters_reach_the_snippet_typed(self):
        self._create_endpoint(
            route=(
                "/endpoint_test/h14/t/<int:i>/<string:s>/<float:f>/<uuid:u>/<path:rest>"
            ),
            code_snippet=ECHO,
            **self.public,
        )
        uid = uuid.uuid4()
        data = self._json(f"/endpoint_test/h14/t/-42/abc/1.5/{uid}/x/y.txt")
        self.assertEqual(
            data["params"],
            {"i": -42, "s": "abc", "f": 1.5, "u": str(uid), "rest": "x/y.txt"},
        )

    def test_value_not_matching_its_converter_404(self):
        self._create_endpoint(
            route="/endpoint_test/h14/n/<int:i>/<uuid:u>",
            code_snippet=ECHO,
            **self.public,
        )
        good = f"/endpoint_test/h14/n/1/{uuid.uuid4()}"
        self.assertEqual(self._call(good).status_code, 200)
        for bad in (
            f"/endpoint_test/h14/n/abc/{uuid.uuid4()}",
            f"/endpoint_test/h14/n/1.5/{uuid.uuid4()}",
            "/endpoint_test/h14/n/1/not-a-uuid",
            "/endpoint_test/h14/n/1",
        ):
            response = self._call(bad)
            self.assertEqual(response.status_code, 404, bad)

    def test_model_placeholder_read_as_the_snippet_user(self):
        partner = self.env["res.partner"].create({"name": "H14 Partner"})
        self._create_endpoint(
            route='/endpoint_test/h14/partner/<model("res.partner"):partner>',
            code_snippet=ECHO,
            **self.public,
        )
        data = self._json(f"/endpoint_test/h14/partner/{partner.id}")
        self.assertEqual(data["params"]["partner"], f"res.partner({partner.id},)")
        self._create_endpoint(
            route='/endpoint_test/h14/partner-name/<model("res.partner"):partner>',
            code_snippet="result = {'payload': [params['partner'].name, "
            "params['partner'].env.user.login]}",
            **self.public,
        )
        data = self._json(f"/endpoint_test/h14/partner-name/{partner.id}")
        self.assertEqual(data, ["H14 Partner", "demo"])
        # Missing: 404, never a 500 or an empty record.
        missing = partner.copy()
        missing_id = missing.id
        missing.unlink()
        response = self._call(f"/endpoint_test/h14/partner/{missing_id}")
        self.assertEqual(response.status_code, 404)
        self.assertIn("detail", response.json())
        # A record the snippet's user cannot read: 404 as well.
        self.env["ir.rule"].create(
            {
                "name": "h14: demo reads no H14 Secret",
                "model_id": self.env.ref("base.model_res_partner").id,
                "domain_force": "[('name', '!=', 'H14 Secret')]",
                "groups": [(4, self.env.ref("base.group_user").id)],
            }
        )
        secret = self.env["res.partner"].create({"name": "H14 Secret"})
        response = self._call(f"/endpoint_test/h14/partner/{secret.id}")
        self.assertEqual(response.status_code, 404, response.text)

    def test_several_routes_one_endpoint(self):
        endpoint = self._create_endpoint(
            route="/endpoint_test/h14/api/orders",
            extra_routes="/endpoint_test/h14/api/v1/orders\n"
            "/endpoint_test/h14/api/v2/orders/<int:order_id>",
            code_snippet=ECHO,
            **self.public,
        )
        for route, params in (
            ("/endpoint_test/h14/api/orders", {}),
            ("/endpoint_test/h14/api/v1/orders", {}),
            ("/endpoint_test/h14/api/v2/orders/7", {"order_id": 7}),
        ):
            self.assertEqual(self._json(route)["params"], params, route)
        # Unsynced edits do not reach the live routes; a sync does.
        endpoint.extra_routes = "/endpoint_test/h14/api/v3/orders"
        self.assertEqual(
            self._call("/endpoint_test/h14/api/v3/orders").status_code, 404
        )
        self.assertEqual(
            self._call("/endpoint_test/h14/api/v1/orders").status_code, 200
        )
        self._sync(endpoint)
        self.assertEqual(
            self._call("/endpoint_test/h14/api/v3/orders").status_code, 200
        )
        self.assertEqual(
            self._call("/endpoint_test/h14/api/v1/orders").status_code, 404
        )
        # Archived: every route off the air.
        endpoint.active = False
        self.assertEqual(
            self._call("/endpoint_test/h14/api/v3/orders").status_code, 404
        )
        self.assertEqual(self._call("/endpoint_test/h14/api/orders").status_code, 404)

    def test_several_methods(self):
        self._create_endpoint(
            route="/endpoint_test/h14/orders/<int:order_id>",
            request_method="GET",
            extra_methods="PUT DELETE",
            request_content_type="application/json",
            request_content_schema="{type: object, required: [name]}",
            cors="https://app.example.com",
            code_snippet=ECHO,
            **self.public,
        )
        route = "/endpoint_test/h14/orders/3"
        self.assertEqual(self._json(route)["method"], "GET")
        head = self._call(route, "HEAD")
        self.assertEqual((head.status_code, head.content), (200, b""))
        self.assertEqual(self._json(route, "DELETE")["method"], "DELETE")
        put = self._json(
            route,
            "PUT",
            data=json.dumps({"name": "x"}),
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual((put["method"], put["params"]), ("PUT", {"order_id": 3}))
        # The body and its schema apply to the method that carries one.
        response = self._call(
            route, "PUT", data="{}", headers={"Content-Type": "application/json"}
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["detail"][0]["loc"], ["body"])
        response = self._call(
            route, "PUT", data="x", headers={"Content-Type": "text/plain"}
        )
        self.assertEqual(response.status_code, 415)
        # Others: 405, naming all of them.
        for method in ("POST", "PATCH"):
            response = self._call(route, method)
            self.assertEqual(response.status_code, 405, method)
            self.assertEqual(response.headers["Allow"], "GET, HEAD, PUT, DELETE")
        # The CORS preflight names them too.
        response = self._call(
            route,
            "OPTIONS",
            headers={
                "Origin": "https://app.example.com",
                "Access-Control-Request-Method": "DELETE",
            },
        )
        self.assertEqual(response.status_code, 204)
        self.assertEqual(
            response.headers["Access-Control-Allow-Methods"], "GET, HEAD, PUT, DELETE"
        )

    def test_typed_query_path_and_header_parameters(self):
        self._create_endpoint(
            route="/endpoint_test/h14/typed/<int:order_id>",
            request_params_schema=PARAMS_SCHEMA,
            code_snippet=ECHO,
            **self.public,
        )
        data = self._json(
            "/endpoint_test/h14/typed/5?limit=7&tags=a&tags=b&exact=true&other=x",
            headers={"X-Request-Id": "abcd"},
        )
        self.assertEqual(
            data["params"],
            {
                "order_id": 5,
                "limit": 7,
                "tags": ["a", "b"],
                "exact": True,
                "X-Request-Id": "abcd",
            },
        )
        # The default of an absent parameter.
        data = self._json("/endpoint_test/h14/typed/5")
        self.assertEqual(data["params"], {"order_id": 5, "limit": 20})
        # Each failure with its place and name.
        cases = {
            "/endpoint_test/h14/typed/5?limit=abc": [(["query", "limit"], "type")],
            "/endpoint_test/h14/typed/5?limit=1000": [(["query", "limit"], "maximum")],
            "/endpoint_test/h14/typed/5?exact=maybe&limit=0": [
                (["query", "exact"], "type"),
                (["query", "limit"], "minimum"),
            ],
            "/endpoint_test/h14/typed/0": [(["path", "order_id"], "minimum")],
            "/endpoint_test/h14/typed/5?limit=" + "9" * 5000: [
                (["query", "limit"], "type")
            ],
        }
        for url, expected in cases.items():
            response = self._call(url)
            self.assertEqual(response.status_code, 400, url[:60])
            got = sorted((d["loc"], d["type"]) for d in response.json()["detail"])
            self.assertEqual(got, expected, url[:60])
        response = self._call(
            "/endpoint_test/h14/typed/5", headers={"X-Request-Id": "ab"}
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(
            response.json()["detail"][0]["loc"], ["header", "X-Request-Id"]
        )

    def test_required_query_parameter(self):
        self._create_endpoint(
            route="/endpoint_test/h14/search",
            request_params_schema="properties: {query: {required: [q]}}",
            code_snippet=ECHO,
            **self.public,
        )
        response = self._call("/endpoint_test/h14/search")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(
            [(d["loc"], d["type"]) for d in response.json()["detail"]],
            [(["query", "q"], "required")],
        )

    def test_parameter_names_never_clash_with_the_controller(self):
        self._create_endpoint(
            route="/endpoint_test/h14/clash/<string:model>/<string:endpoint_route>",
            code_snippet=ECHO,
            **self.public,
        )
        data = self._json(
            "/endpoint_test/h14/clash/a/b?model=res.users&endpoint_route=/web"
        )
        self.assertEqual(data["params"], {"model": "a", "endpoint_route": "b"})

    @mute_logger("odoo.addons.endpoint.models.ir_http")
    def test_unservable_rule_never_breaks_other_routes(self):
        self._create_endpoint(
            route="/endpoint_test/h14/fine", code_snippet=ECHO, **self.public
        )
        # Written to the route table behind the form's back.
        registry = EndpointRegistry.registry_for(self.env.cr)
        for index, url in enumerate(
            (
                "/endpoint_test/h14/<nope:x>",
                "/endpoint_test/h14/<int:x",
                '/endpoint_test/h14/<model("no.such"):x>',
            )
        ):
            rule = registry.make_rule(
                f"endpoint.endpoint:-{index + 1}",
                url,
                {
                    "handler": {
                        "klass_dotted_path": "odoo.addons.endpoint.controllers."
                        "main.EndpointController",
                        "method_name": "auto_endpoint",
                        "default_pargs": ("endpoint.endpoint", url),
                    }
                },
                {"type": "http", "auth": "public", "routes": [url], "methods": None},
                f"broken-{index}",
            )
            registry.update_rules([rule])
        self.env.registry.clear_cache()
        self.assertEqual(self._call("/endpoint_test/h14/fine").status_code, 200)
        self.assertEqual(self._call("/web/login").status_code, 200)


@tagged("post_install", "-at_install")
class TestEndpointRoutesHostile(EndpointHttpCase):
    """Hostile paths: a 4xx each, never a 500, nothing handed over that the
    route does not describe."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        demo = cls.env.ref("base.user_demo")
        public = {"auth_type": "public", "exec_as_user_id": demo.id}
        cls._create_endpoint(
            route="/endpoint_test/h14/files/<path:rest>", code_snippet=ECHO, **public
        )
        cls._create_endpoint(
            route="/endpoint_test/h14/code/<string:code>", code_snippet=ECHO, **public
        )
        cls._create_endpoint(
            route="/endpoint_test/h14/num/<int:n>", code_snippet=ECHO, **public
        )
        cls._create_endpoint(
            route='/endpoint_test/h14/rec/<model("res.partner"):p>',
            code_snippet=ECHO,
            **public,
        )

    def _raw(self, path):
        """Send ``path`` as is: no client normalisation of dots or escapes."""
        with self.allow_requests():
            key = self.opener.cookies.get(TEST_CURSOR_COOKIE_NAME)
            conn = http.client.HTTPConnection(HOST, self.http_port(), timeout=30)
            try:
                conn.putrequest("GET", path, skip_accept_encoding=True)
                conn.putheader("Cookie", f"{TEST_CURSOR_COOKIE_NAME}={key}")
                conn.endheaders()
                response = conn.getresponse()
                return response.status, response.read()
            finally:
                conn.close()

    def assert4xx(self, path, allowed=(400, 404)):
        status, body = self._raw(path)
        self.assertIn(status, allowed, f"{path[:80]}: {status} {body[:200]}")
        return status, body

    def test_path_traversal(self):
        for path in (
            "/endpoint_test/h14/files/../../etc/passwd",
            "/endpoint_test/h14/files/a/../../b",
            "/endpoint_test/h14/files/%2e%2e/%2e%2e/etc/passwd",
            "/endpoint_test/h14/files/a%2f..%2f..%2fetc",
            "/endpoint_test/h14/files/./x",
            "/endpoint_test/h14/files/%2E%2E",
            "/endpoint_test/h14/files/a/%00/b",
        ):
            self.assert4xx(path)
        # A harmless one goes through as written.
        status, body = self._raw("/endpoint_test/h14/files/a/b..c/d.txt")
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(body)["params"], {"rest": "a/b..c/d.txt"})

    def test_huge_and_foreign_integers_404(self):
        for path in (
            "/endpoint_test/h14/num/" + "9" * 5000,
            "/endpoint_test/h14/num/" + "9" * 50000,
            "/endpoint_test/h14/num/%D9%A1%D9%A2",  # Arabic-Indic digits
            "/endpoint_test/h14/num/%EF%BC%91",  # full-width 1
            "/endpoint_test/h14/rec/" + "9" * 5000,
            "/endpoint_test/h14/rec/%EF%BC%91",
        ):
            status, _body = self.assert4xx(path)
            self.assertEqual(status, 404, path[:60])
        # A large id that exists nowhere.
        self.assertEqual(self.assert4xx("/endpoint_test/h14/rec/99999999999")[0], 404)

    def test_non_utf8_and_look_alikes(self):
        status, body = self.assert4xx("/endpoint_test/h14/code/%FF%FE")
        self.assertEqual(status, 400)
        self.assertEqual(json.loads(body)["detail"][0]["loc"], ["path", "code"], body)
        # Look-alikes are plain characters: they reach the snippet as such,
        # and never stand for a slash or a dot.
        for segment, expected in (
            ("%EF%BC%8F", "\uff0f"),  # full-width solidus
            ("%E2%80%A4%E2%80%A4", "\u2024\u2024"),  # one dot leaders
            ("caf%C3%A9", "caf\u00e9"),
        ):
            status, body = self._raw(f"/endpoint_test/h14/code/{segment}")
            self.assertEqual(status, 200, segment)
            self.assertEqual(json.loads(body)["params"], {"code": expected})
        status, body = self._raw("/endpoint_test/h14/files/%E2%80%A4%E2%80%A4/etc")
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(body)["params"], {"rest": "\u2024\u2024/etc"})

    def test_very_long_paths(self):
        # Long but within what the server reads: served or refused, never 500.
        status, body = self._raw("/endpoint_test/h14/files/" + "a/" * 2000 + "z")
        self.assertEqual(status, 200)
        self.assertEqual(len(json.loads(body)["params"]["rest"]), 4001)
        # Longer values name no resource: a 400 before the snippet runs.
        for path in (
            "/endpoint_test/h14/files/" + "a/" * 3000 + "z",
            "/endpoint_test/h14/code/" + "x" * 60000,
        ):
            status, body = self._raw(path)
            self.assertEqual(status, 400)
            self.assertEqual(json.loads(body)["detail"][0]["type"], "string_too_long")
        # Integers are bounded by their converter.
        self.assertEqual(self._raw("/endpoint_test/h14/num/" + "1" * 60000)[0], 404)


@tagged("post_install", "-at_install")
class TestEndpointRoutesUi(EndpointHttpCase):
    """In a real browser: create an endpoint with a path parameter, a second
    route and a second method, sync it, call it."""

    def test_create_sync_and_call_a_parameterised_endpoint(self):
        self.start_tour(
            test_endpoint_ui.ACTION_URL,
            "endpoint_tour_path_parameters",
            login="admin",
        )
        endpoint = self.env["endpoint.endpoint"].search(
            [("route", "=", "/tour/orders/<int:order_id>")]
        )
        self.assertRecordValues(
            endpoint,
            [
                {
                    "extra_routes": "/tour/v1/orders/<int:order_id>",
                    "extra_methods": "DELETE",
                    "route_parameter_names": "order_id",
                    "registry_sync": True,
                }
            ],
        )
        self.opener.cookies.clear()
        response = self.url_open("/tour/v1/orders/5")
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json(), {"id": 5, "method": "GET"})
