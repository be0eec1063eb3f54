# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Security: who can touch endpoint records, RPC refused, the snippet sandbox."""

import xmlrpc.client

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged
from odoo.tests.common import JsonRpcException
from odoo.tools import mute_logger

from .common import INTERNAL_ERROR, EndpointHttpCase, EndpointTransactionCase

# Snippets refused at save time, each with what the message must name.
REFUSED_SNIPPETS = (
    ("import os\nresult = {}", "import"),
    ("from os import system\nresult = {}", "import"),
    ("os = __import__('os')\nresult = {}", "__import__"),
    ("result = {'payload': ().__class__.__bases__}", "__class__"),
    ("subs = object.__subclasses__()\nresult = {}", "__subclasses__"),
    ("f = lambda: 0\nresult = {'payload': f.__globals__}", "__globals__"),
    ("f = lambda x: x.__class__\nresult = {}", "__class__"),
    ("result = {'payload': log.__self__}", "__self__"),
    ("result = {'payload': Response.__init__}", "__init__"),
    ("g = (x for x in [1])\nresult = {'payload': g.gi_frame.f_back}", "gi_frame"),
    ("f = lambda: 0\nresult = {'payload': f.func_globals}", "func_globals"),
    ("result = {'payload': '{0.__class__}'.format(1)}", "format"),
    ("t = '{0.env.cr}'\nresult = {'payload': t.format_map({'0': endpoint})}", "format"),
)
# Snippets that save (plain names) but fail when run: the builtins they
# reach for do not exist in the sandbox.
FAILING_SNIPPETS = (
    "result = {'payload': open('/etc/passwd').read()}",
    "result = {'payload': eval('1 + 1')}",
    "exec('x = 1')\nresult = {}",
    "result = {'payload': getattr(env, 'cr')}",
    "result = {'payload': compile('1', 'f', 'eval')}",
    "result = {'payload': globals()}",
    "result = {'payload': vars(endpoint)}",
    "result = {'payload': type(env)}",
    "result = {'payload': dir(env)}",
    "result = {'payload': breakpoint()}",
)


@tagged("post_install", "-at_install")
class TestEndpointAccessRights(EndpointTransactionCase):
    """Only Settings administrators (base.group_system) touch endpoints."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.endpoint = cls._create_endpoint(sync=False, route="/test/acl")
        cls.internal = new_test_user(cls.env, login="endpoint_internal")
        cls.erp_manager = new_test_user(
            cls.env,
            login="endpoint_erp_manager",
            groups="base.group_user,base.group_erp_manager",
        )
        cls.settings_admin = new_test_user(
            cls.env,
            login="endpoint_settings_admin",
            groups="base.group_user,base.group_system",
        )

    def _assert_no_access(self, user):
        model = self.env["endpoint.endpoint"].with_user(user)
        endpoint = self.endpoint.with_user(user)
        with self.assertRaises(AccessError):
            model.search([])
        with self.assertRaises(AccessError):
            endpoint.read(["code_snippet"])
        with self.assertRaises(AccessError):
            endpoint.write({"code_snippet": "result = {'payload': 'pwned'}"})
        with self.assertRaises(AccessError):
            model.create(self._endpoint_vals(route="/test/acl-new"))
        with self.assertRaises(AccessError):
            endpoint.unlink()
        self.assertEqual(
            self.endpoint.code_snippet, self._endpoint_vals()["code_snippet"]
        )
        self.assertTrue(self.endpoint.exists())

    def test_internal_user_has_no_access(self):
        self._assert_no_access(self.internal)

    def test_access_rights_manager_has_no_access(self):
        self._assert_no_access(self.erp_manager)

    def test_portal_and_public_users_have_no_access(self):
        portal = new_test_user(
            self.env, login="endpoint_portal", groups="base.group_portal"
        )
        self._assert_no_access(portal)
        self._assert_no_access(self.env.ref("base.public_user"))

    def test_settings_admin_has_full_access(self):
        model = self.env["endpoint.endpoint"].with_user(self.settings_admin)
        self.assertIn(self.endpoint, model.search([]))
        self.assertTrue(self.endpoint.with_user(self.settings_admin).code_snippet)
        created = model.create(self._endpoint_vals(route="/test/acl-admin"))
        created.write({"code_snippet": "result = {'payload': 2}"})
        created.action_sync_registry()
        self.assertTrue(created.registry_sync)
        created.unlink()
        self.assertFalse(created.exists())

    def test_sync_action_is_for_settings_admins_only(self):
        action = self.env.ref("endpoint.server_action_registry_sync")
        self.assertEqual(action.group_ids, self.env.ref("base.group_system"))


@tagged("post_install", "-at_install")
class TestEndpointSandboxAtSave(EndpointTransactionCase):
    """What a snippet may not write is refused when the record is saved."""

    def test_hostile_snippets_are_refused_at_save(self):
        for code, name in REFUSED_SNIPPETS:
            with self.subTest(code=code), self.assertRaises(UserError) as caught:
                self._create_endpoint(sync=False, code_snippet=code)
            message = str(caught.exception)
            self.assertIn(name, message)
            self.assertRegex(message, r"Line \d+")


@tagged("post_install", "-at_install")
class TestEndpointRpcRefused(EndpointHttpCase):
    """External APIs cannot read nor write endpoints; the web client can."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = cls.env.ref("base.user_admin")
        cls.endpoint = cls._create_endpoint(sync=False, route="/test/rpc")

    # Odoo 19 warns on every call of its deprecated XML-RPC and JSON-RPC.
    @mute_logger("odoo.addons.rpc.controllers.xmlrpc")
    def _xmlrpc(self, model, method, *args, **kwargs):
        return self.xmlrpc_object.execute_kw(
            self.env.cr.dbname,
            self.admin.id,
            "admin",
            model,
            method,
            list(args),
            kwargs,
        )

    @mute_logger("odoo.addons.rpc.controllers.jsonrpc")
    def _jsonrpc(self, model, method, *args, **kwargs):
        response = self.url_open(
            "/jsonrpc",
            json={
                "jsonrpc": "2.0",
                "method": "call",
                "id": 1,
                "params": {
                    "service": "object",
                    "method": "execute_kw",
                    "args": [
                        self.env.cr.dbname,
                        self.admin.id,
                        "admin",
                        model,
                        method,
                        list(args),
                        kwargs,
                    ],
                },
            },
        )
        self.assertEqual(response.status_code, 200)
        return response.json()

    def _json2(self, model, method, body):
        key = (
            self.env["res.users.apikeys"]
            .with_user(self.admin)
            ._generate(None, "endpoint test", None)
        )
        return self.url_open(
            f"/json/2/{model}/{method}",
            json=body,
            headers={
                "Authorization": f"Bearer {key}",
                "X-Odoo-Database": self.env.cr.dbname,
            },
        )

    def test_xmlrpc_works_on_partners(self):
        partners = self._xmlrpc(
            "res.partner", "search_read", [], fields=["name"], limit=1
        )
        self.assertEqual(len(partners), 1)

    def test_xmlrpc_is_refused_on_endpoints(self):
        for method, args, kwargs in (
            ("search_read", [[]], {"fields": ["code_snippet"]}),
            ("read", [[self.endpoint.id], ["code_snippet"]], {}),
            ("write", [[self.endpoint.id], {"code_snippet": "result = {}"}], {}),
            ("create", [self._endpoint_vals(route="/test/rpc-new")], {}),
            ("unlink", [[self.endpoint.id]], {}),
        ):
            with (
                self.subTest(method=method),
                mute_logger("odoo.http"),
                self.assertRaises(xmlrpc.client.Fault) as caught,
            ):
                self._xmlrpc("endpoint.endpoint", method, *args, **kwargs)
            self.assertIn("not allowed", caught.exception.faultString)
        self.assertEqual(
            self.endpoint.code_snippet, self._endpoint_vals()["code_snippet"]
        )
        self.assertFalse(
            self.env["endpoint.endpoint"].search([("route", "=", "/test/rpc-new")])
        )

    def test_jsonrpc_works_on_partners(self):
        answer = self._jsonrpc(
            "res.partner", "search_read", [], fields=["name"], limit=1
        )
        self.assertNotIn("error", answer)
        self.assertEqual(len(answer["result"]), 1)

    def test_jsonrpc_is_refused_on_endpoints(self):
        for method, args in (
            ("search_read", [[]]),
            ("write", [[self.endpoint.id], {"code_snippet": "result = {}"}]),
        ):
            with self.subTest(method=method), mute_logger("odoo.http"):
                answer = self._jsonrpc("endpoint.endpoint", method, *args)
            self.assertNotIn("result", answer)
            self.assertIn("not allowed", answer["error"]["data"]["message"])
        self.assertEqual(
            self.endpoint.code_snippet, self._endpoint_vals()["code_snippet"]
        )

    def test_json2_works_on_partners(self):
        response = self._json2(
            "res.partner", "search_read", {"domain": [], "fields": ["name"], "limit": 1}
        )
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(len(response.json()), 1)

    def test_json2_is_refused_on_endpoints(self):
        for method, body in (
            ("search_read", {"domain": [], "fields": ["code_snippet"]}),
            (
                "write",
                {"ids": self.endpoint.ids, "vals": {"code_snippet": "result = {}"}},
            ),
        ):
            with self.subTest(method=method), mute_logger("odoo.http"):
                response = self._json2("endpoint.endpoint", method, body)
            self.assertEqual(response.status_code, 403, response.text)
            self.assertNotIn("result = {'payload'", response.text)
        self.assertEqual(
            self.endpoint.code_snippet, self._endpoint_vals()["code_snippet"]
        )

    def test_web_client_calls_keep_working(self):
        self.authenticate("admin", "admin")
        records = self.make_jsonrpc_request(
            "/web/dataset/call_kw/endpoint.endpoint/search_read",
            {
                "model": "endpoint.endpoint",
                "method": "search_read",
                "args": [],
                "kwargs": {
                    "domain": [("id", "=", self.endpoint.id)],
                    "fields": ["route", "code_snippet"],
                },
            },
        )
        self.assertEqual(
            records,
            [
                {
                    "id": self.endpoint.id,
                    "route": "/test/rpc",
                    "code_snippet": self._endpoint_vals()["code_snippet"],
                }
            ],
        )
        self.make_jsonrpc_request(
            "/web/dataset/call_kw/endpoint.endpoint/write",
            {
                "model": "endpoint.endpoint",
                "method": "write",
                "args": [
                    self.endpoint.ids,
                    {"code_snippet": "result = {'payload': 3}"},
                ],
                "kwargs": {},
            },
        )
        self.endpoint.invalidate_recordset()
        self.assertEqual(self.endpoint.code_snippet, "result = {'payload': 3}")

    def test_web_client_calls_need_a_settings_admin(self):
        new_test_user(self.env, login="endpoint_rpc_user", password="endpoint_rpc_user")
        self.authenticate("endpoint_rpc_user", "endpoint_rpc_user")
        with mute_logger("odoo.http"), self.assertRaises(JsonRpcException) as caught:
            self.make_jsonrpc_request(
                "/web/dataset/call_kw/endpoint.endpoint/search_read",
                {
                    "model": "endpoint.endpoint",
                    "method": "search_read",
                    "args": [],
                    "kwargs": {"fields": ["code_snippet"]},
                },
            )
        self.assertIn("AccessError", str(caught.exception))


@tagged("post_install", "-at_install")
class TestEndpointSandboxAtRun(EndpointHttpCase):
    """A snippet cannot leave the sandbox when it runs: the caller gets a 500."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = cls.env.ref("base.user_admin")

    def _public_endpoint(self, route, code):
        return self._create_endpoint(
            route=route,
            auth_type="public",
            exec_as_user_id=self.admin.id,
            code_snippet=code,
        )

    def assertServerError(self, response):
        self.assertEqual(response.status_code, 500, response.text)
        self.assertEqual(response.json(), INTERNAL_ERROR)
        self.assertNotIn("Traceback", response.text)
        self.assertNotIn("root:", response.text)

    def test_missing_builtins_fail_with_500(self):
        for index, code in enumerate(FAILING_SNIPPETS):
            with self.subTest(code=code):
                route = f"/test/sandbox/{index}"
                self._public_endpoint(route, code)
                with mute_logger("endpoint.endpoint"):
                    response = self.url_open(route)
                self.assertServerError(response)

    def test_safe_snippet_next_to_them_is_served(self):
        # Proves the endpoints above fail for their code, not their setup.
        self._public_endpoint("/test/sandbox/ok", "result = {'payload': len('abc')}")
        response = self.url_open("/test/sandbox/ok")
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json(), 3)

    def test_hostile_snippet_written_behind_the_orm_is_not_run(self):
        # Code that reached the table without the save-time checks (SQL,
        # a buggy migration) is checked again before it ever runs.
        endpoint = self._public_endpoint(
            "/test/sandbox/sql", "result = {'payload': 'fine'}"
        )
        self.env.cr.execute(
            "UPDATE endpoint_endpoint SET code_snippet = %s WHERE id = %s",
            ["import os\nresult = {'payload': os.getcwd()}", endpoint.id],
        )
        endpoint.invalidate_recordset()
        self._sync(endpoint)
        with mute_logger("endpoint.endpoint"):
            response = self.url_open("/test/sandbox/sql")
        self.assertServerError(response)


CSRF_SNIPPET = """\
env["res.partner"].create({"name": "H12 forged " + endpoint.route})
result = {"payload": {"login": user.login}}
"""
EVIL = "https://evil.example.com"
PARTNER_SITE = "https://partner.example.com"


class CrossSiteCaseMixin:
    @classmethod
    def _csrf_endpoints(cls):
        common = {
            "auth_type": "user_endpoint",
            "request_method": "POST",
            "code_snippet": CSRF_SNIPPET,
        }
        for route, content_type, cors in (
            ("form", "application/x-www-form-urlencoded", "*"),
            ("text", "text/plain", "*"),
            ("json", "application/json", "*"),
            ("partner", "text/plain", f"{PARTNER_SITE}, https://other.example.com"),
        ):
            cls._create_endpoint(
                route=f"/endpoint_test/h12/csrf/{route}",
                request_content_type=content_type,
                cors=cors,
                **common,
            )
        cls._create_endpoint(
            route="/endpoint_test/h12/csrf/public",
            auth_type="public",
            exec_as_user_id=cls.env.ref("base.user_demo").id,
            request_method="POST",
            request_content_type="application/x-www-form-urlencoded",
            code_snippet=CSRF_SNIPPET,
        )
        cls._create_endpoint(
            route="/endpoint_test/h12/csrf/token",
            code_snippet="result = {'payload': request.csrf_token()}",
        )

    def _forged(self, route):
        return self.env["res.partner"].search_count(
            [("name", "=", f"H12 forged /endpoint_test/h12/csrf/{route}")]
        )


@tagged("post_install", "-at_install")
class TestEndpointCrossSite(CrossSiteCaseMixin, EndpointHttpCase):
    """A logged-in user's browser, driven by another site's page."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._csrf_endpoints()

    def setUp(self):
        super().setUp()
        self.authenticate("admin", "admin")

    def _post(self, route, headers=None, data="name=x", content_type=None):
        content_type = content_type or {
            "form": "application/x-www-form-urlencoded",
            "json": "application/json",
            "public": "application/x-www-form-urlencoded",
        }.get(route, "text/plain")
        return self.url_open(
            f"/endpoint_test/h12/csrf/{route}",
            method="POST",
            data=data,
            headers={"Content-Type": content_type, **(headers or {})},
            allow_redirects=False,
        )

    def assertRefused(self, response, route, what):
        self.assertEqual(response.status_code, 403, f"{what}: {response.text}")
        self.assertIn("Cross-site request refused", response.json()["detail"], what)
        self.assertEqual(self._forged(route), 0, what)

    def assertServed(self, response, route, what):
        self.assertEqual(response.status_code, 200, f"{what}: {response.text}")
        self.assertEqual(response.json(), {"login": "admin"}, what)
        self.assertEqual(self._forged(route), 1, what)
        self.env["res.partner"].search([("name", "=like", "H12 forged %")]).unlink()

    def test_cross_site_form_bodies_are_refused(self):
        cross_site = {
            "modern browser": {"Origin": EVIL, "Sec-Fetch-Site": "cross-site"},
            "sibling subdomain": {
                "Origin": "https://evil.odoo.example.com",
                "Sec-Fetch-Site": "same-site",
            },
            "older browser, Origin only": {"Origin": EVIL},
            "sandboxed frame": {"Origin": "null"},
        }
        with mute_logger("odoo.addons.endpoint.models.ir_http"):
            for what, headers in cross_site.items():
                for route, data in (("form", "a=1"), ("text", "hello"), ("text", "")):
                    response = self._post(route, headers, data=data)
                    self.assertRefused(response, route, f"{what}, {route}")

    def test_json_endpoint_cannot_be_reached_that_way_either(self):
        headers = {"Origin": EVIL, "Sec-Fetch-Site": "cross-site"}
        with mute_logger("odoo.addons.endpoint.models.ir_http"):
            for content_type, data in (
                ("text/plain", '{"a": 1}'),
                ("application/x-www-form-urlencoded", "a=1"),
                ("multipart/form-data; boundary=x", "--x--"),
                ("application/json", '{"a": 1}'),
            ):
                response = self._post("json", headers, data, content_type)
                self.assertIn(response.status_code, (403, 415), content_type)
                self.assertEqual(self._forged("json"), 0, content_type)

    def test_same_origin_and_non_browser_calls_are_served(self):
        own = self.base_url()
        for what, headers in {
            "same origin": {"Origin": own, "Sec-Fetch-Site": "same-origin"},
            "typed in the address bar": {"Sec-Fetch-Site": "none"},
            "older browser, same origin": {"Origin": own},
            "curl": {},
        }.items():
            self.assertServed(self._post("text", headers), "text", what)

    def test_odoo_csrf_token_lets_it_through(self):
        token = self.url_open("/endpoint_test/h12/csrf/token").json()
        headers = {"Origin": EVIL, "Sec-Fetch-Site": "cross-site"}
        response = self._post("form", headers, data=f"csrf_token={token}")
        self.assertServed(response, "form", "token in the form")
        response = self._post("text", {**headers, "X-CSRF-Token": token})
        self.assertServed(response, "text", "token in a header")
        with mute_logger("odoo.addons.endpoint.models.ir_http"):
            response = self._post("form", headers, data="csrf_token=0123456789o1")
            self.assertRefused(response, "form", "bad token")

    def test_origins_named_by_cors_are_served(self):
        headers = {"Origin": PARTNER_SITE, "Sec-Fetch-Site": "cross-site"}
        self.assertServed(self._post("partner", headers), "partner", "named origin")
        with mute_logger("odoo.addons.endpoint.models.ir_http"):
            headers["Origin"] = EVIL
            self.assertRefused(self._post("partner", headers), "partner", "other")
            # "*" covers calls without credentials only, as in CORS.
            self.assertRefused(self._post("text", headers), "text", "wildcard")

    def test_public_endpoint_is_open_to_other_sites(self):
        # It runs as its "Exec as user", whoever calls and from where.
        headers = {"Origin": EVIL, "Sec-Fetch-Site": "cross-site"}
        response = self._post("public", headers)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json(), {"login": "demo"})

    def test_without_session_it_is_still_401(self):
        self.authenticate(None, None)
        headers = {"Origin": EVIL, "Sec-Fetch-Site": "cross-site"}
        self.assertEqual(self._post("text", headers).status_code, 401)


@tagged("post_install", "-at_install")
class TestEndpointExecAsBoundary(EndpointHttpCase):
    """A snippet has its "Exec as user"'s rights, through every name it gets."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.demo = cls.env.ref("base.user_demo")

    def _answer(self, code, route="/endpoint_test/h12/exec_as"):
        self._create_endpoint(
            route=route,
            auth_type="public",
            exec_as_user_id=self.demo.id,
            code_snippet=code,
        )
        return self.url_open(route, allow_redirects=False)

    def test_endpoint_env_is_the_snippets_env(self):
        secret = self.env["ir.config_parameter"].get_param("database.secret")
        with self.assertLogs("endpoint.endpoint", "WARNING") as logs:
            response = self._answer(
                "result = {'payload': endpoint.env['ir.config_parameter']"
                ".sudo(False).get_param('database.secret')}"
            )
        self.assertEqual(response.status_code, 403, response.text)
        self.assertEqual(
            response.json(), {"detail": "You are not allowed to access this."}
        )
        self.assertNotIn(secret, response.text)
        self.assertIn("ir.config_parameter", "\n".join(logs.output))

    def test_endpoint_exposes_its_id_name_route_and_env_only(self):
        response = self._answer(
            "result = {'payload': [endpoint.id, endpoint.name, endpoint.route,"
            " endpoint.env.uid, endpoint.env.su, str(endpoint)]}"
        )
        endpoint = self.env["endpoint.endpoint"].search(
            [("route", "=", "/endpoint_test/h12/exec_as")]
        )
        self.assertEqual(
            response.json(),
            [
                endpoint.id,
                endpoint.name,
                "/endpoint_test/h12/exec_as",
                self.demo.id,
                False,
                f"<endpoint {endpoint.id}>",
            ],
        )

    def test_logger_and_record_methods_are_out_of_reach(self):
        for index, code in enumerate(
            (
                "endpoint._logger.critical('H12 forged critical line')",
                "endpoint._logger.handlers.clear()",
                "endpoint.sudo()",
                "endpoint.with_user(1)",
                "endpoint._handle_request(request)",
                "endpoint.write({'code_snippet': 'x = 1'})",
            )
        ):
            with self.assertLogs("endpoint.endpoint", "ERROR") as logs:
                response = self._answer(
                    f"{code}\nresult = {{}}", route=f"/endpoint_test/h12/reach/{index}"
                )
            self.assertEqual(response.status_code, 500, code)
            self.assertIn("AttributeError", "\n".join(logs.output), code)
            self.assertNotIn("CRITICAL", "\n".join(logs.output), code)
        # Its private state cannot even be named.
        with self.assertRaises(UserError):
            self._answer(
                "result = {'payload': endpoint._SnippetEndpoint__read('name')}"
            )

    def test_superuser_and_archived_users_are_refused_at_save(self):
        archived = new_test_user(self.env, login="h12_archived")
        archived.active = False
        for user in (self.env.ref("base.user_root"), archived):
            with self.assertRaises(UserError) as caught:
                self._create_endpoint(
                    sync=False,
                    route="/endpoint_test/h12/as_root",
                    auth_type="public",
                    exec_as_user_id=user.id,
                )
            self.assertIn("archived user or the superuser", str(caught.exception))
        endpoint = self._create_endpoint(sync=False, route="/endpoint_test/h12/as_demo")
        with self.assertRaises(UserError):
            endpoint.exec_as_user_id = self.env.ref("base.user_root")

    def test_access_error_is_a_generic_403(self):
        with self.assertLogs("endpoint.endpoint", "WARNING") as logs:
            response = self._answer(
                "result = {'payload': env['endpoint.endpoint'].search_read([])}"
            )
        self.assertEqual(response.status_code, 403)
        self.assertEqual(
            response.json(), {"detail": "You are not allowed to access this."}
        )
        for leak in (self.demo.login, self.demo.name, str(self.demo.id), "Settings"):
            self.assertNotIn(leak, response.text)
        self.assertNotIn("Administrator", response.text)
        self.assertIn("endpoint.endpoint", "\n".join(logs.output))

    def test_missing_record_is_a_generic_404(self):
        with self.assertLogs("endpoint.endpoint", "WARNING"):
            response = self._answer(
                "result = {'payload': env['res.partner'].browse(987654321).name}"
            )
        self.assertEqual(response.status_code, 404)
        self.assertEqual(response.json(), {"detail": "The record does not exist."})
        self.assertNotIn("987654321", response.text)

    def test_snippets_own_user_error_keeps_its_message(self):
        response = self._answer("raise exceptions.UserError('Add ?name=...')")
        self.assertEqual(response.status_code, 400)
        self.assertIn("Add ?name=...", response.text)


# Another site to the browser, which the test browser asks fetch_proxy() for.
# An IP address: Chromium would upgrade a host name to https, and a form
# posted from https to http sends "Origin: null".
ATTACKER_SITE = "http://127.0.0.2:8080"


@tagged("post_install", "-at_install")
class TestEndpointCrossSiteBrowser(CrossSiteCaseMixin, EndpointHttpCase):
    """Chromium, logged in to Odoo, opens another site's page whose form
    posts itself to an endpoint."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._csrf_endpoints()
        partner = cls.env["endpoint.endpoint"].search(
            [("route", "=", "/endpoint_test/h12/csrf/partner")]
        )
        partner.cors = ATTACKER_SITE
        cls._sync(partner)

    def fetch_proxy(self, url):
        # The test browser asks this method for every page outside Odoo:
        # here it plays the other site.
        if not url.startswith(ATTACKER_SITE):
            return super().fetch_proxy(url)
        route, _sep, enctype = url[len(ATTACKER_SITE) :].strip("/").partition("/")
        page = f"""<!DOCTYPE html><html><body>
<form id="attack" method="post" enctype="{enctype.replace("-", "/", 1)}"
      action="{self.base_url()}/endpoint_test/h12/csrf/{route}">
<input name="amount" value="1000"></form>
<script>document.getElementById("attack").submit();</script>
</body></html>"""
        response = self.make_fetch_proxy_response(page)
        response["responseHeaders"].append(
            {"name": "content-type", "value": "text/html"}
        )
        return response

    def _attack(self, route, enctype):
        """Open the other site's page, wait for the answer to its form."""
        self.browser_js(
            f"{ATTACKER_SITE}/{route}/{enctype.replace('/', '-', 1)}",
            "console.log('test successful')",
            ready=f"location.href.startsWith('{self.base_url()}') "
            "&& document.readyState === 'complete'",
            login="admin",
        )

    def test_form_posted_from_another_site_is_refused(self):
        with self.assertLogs("odoo.addons.endpoint.models.ir_http", "WARNING") as logs:
            self._attack("form", "application/x-www-form-urlencoded")
        self.assertEqual(self._forged("form"), 0)
        self.assertIn(
            "Cross-site POST /endpoint_test/h12/csrf/form refused", logs.output[0]
        )
        self.assertIn(f"Origin: {ATTACKER_SITE}", logs.output[0])

    def test_same_form_from_an_origin_named_by_cors_runs_as_the_user(self):
        # Proves the browser sent the session cookie: the snippet ran, as
        # admin (without the cookie, a user endpoint answers 401).
        self._attack("partner", "text/plain")
        self.assertEqual(self._forged("partner"), 1)
