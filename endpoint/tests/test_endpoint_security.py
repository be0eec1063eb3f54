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
