# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The test console: draft dry runs, live runs, replay of logged calls."""

import json

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .common import EndpointTransactionCase

CREATE_PARTNER = """
partner = env['res.partner'].create({'name': 'Console dry run partner'})
log('created %s' % partner.name)
result = {'payload': {'id': partner.id, 'name': partner.name}}
"""


# post_install: log()'s own transaction then shares the test's, rolled back.
@tagged("post_install", "-at_install")
class TestEndpointConsole(EndpointTransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.runner = new_test_user(
            cls.env, login="console_runner", groups="base.group_partner_manager"
        )

    def _partners(self):
        return self.env["res.partner"].search(
            [("name", "=", "Console dry run partner")]
        )

    def _log_lines(self, message):
        # log() commits on a cursor of its own: count what any cursor sees.
        with self.registry.cursor() as cr:
            cr.execute("SELECT count(*) FROM ir_logging WHERE message = %s", (message,))
            return cr.fetchone()[0]

    def test_a_dry_run_of_the_draft_leaves_nothing(self):
        endpoint = self._create_endpoint(
            route="/test/console/dry",
            auth_type="public",
            exec_as_user_id=self.runner.id,
            code_snippet=CREATE_PARTNER,
        )
        logged = self._log_lines("created Console dry run partner")
        answer = endpoint._console_call("GET", "/test/console/dry")
        self.assertEqual(answer["status"], 200, answer["body"])
        payload = json.loads(answer["body"])
        self.assertEqual(payload["name"], "Console dry run partner")
        self.assertEqual(answer["log"], ["INFO: created Console dry run partner"])
        self.assertGreaterEqual(answer["duration_ms"], 0)
        # Rolled back: no partner, and log() wrote nothing either.
        self.assertFalse(self._partners())
        self.assertFalse(self.env["res.partner"].browse(payload["id"]).exists())
        self.assertEqual(self._log_lines("created Console dry run partner"), logged)

    def test_a_dry_run_cannot_commit(self):
        endpoint = self._create_endpoint(
            route="/test/console/commit",
            code_snippet=(
                "env['res.partner'].create({'name': 'Console dry run partner'})\n"
                "env.cr.commit()\n"
                "result = {'payload': 'committed'}"
            ),
        )
        answer = endpoint._console_call("GET", "/test/console/commit")
        self.assertEqual(answer["status"], 400, answer["body"])
        self.assertEqual(
            json.loads(answer["body"]), {"detail": "A dry run cannot commit."}
        )
        self.assertFalse(self._partners())

    def test_draft_runs_the_edit_live_runs_the_published_version(self):
        endpoint = self._create_endpoint(
            route="/test/console/versions",
            code_snippet="result = {'payload': 'published'}",
        )
        endpoint.code_snippet = "result = {'payload': 'draft'}"
        draft = endpoint._console_call("GET", endpoint.route)
        live = endpoint._console_call("GET", endpoint.route, dry_run=False)
        self.assertEqual(json.loads(draft["body"]), "draft")
        self.assertEqual(json.loads(live["body"]), "published")

    def test_a_live_run_keeps_its_writes_and_log_lines(self):
        endpoint = self._create_endpoint(
            route="/test/console/live",
            auth_type="public",
            exec_as_user_id=self.runner.id,
            code_snippet=CREATE_PARTNER,
        )
        logged = self._log_lines("created Console dry run partner")
        answer = endpoint._console_call("GET", endpoint.route, dry_run=False)
        self.assertEqual(answer["status"], 200, answer["body"])
        self.assertEqual(len(self._partners()), 1)
        self.assertEqual(self._partners().create_uid, self.runner)
        self.assertEqual(answer["log"], ["INFO: created Console dry run partner"])
        self.assertEqual(self._log_lines("created Console dry run partner"), logged + 1)

    def test_runs_as_the_endpoint_would(self):
        snippet = "result = {'payload': {'user': user.login, 'env': env.user.login}}"
        public = self._create_endpoint(
            route="/test/console/public",
            auth_type="public",
            exec_as_user_id=self.runner.id,
            code_snippet=snippet,
        )
        answer = public._console_call("GET", public.route, user=self.env.user)
        self.assertEqual(
            json.loads(answer["body"]),
            {"user": "console_runner", "env": "console_runner"},
        )
        for_users = self._create_endpoint(
            route="/test/console/user", code_snippet=snippet
        )
        answer = for_users._console_call("GET", for_users.route, user=self.runner)
        self.assertEqual(json.loads(answer["body"])["user"], "console_runner")
        answer = for_users._console_call("GET", for_users.route)
        self.assertEqual(json.loads(answer["body"])["user"], self.env.user.login)

    def test_refuses_like_a_real_call(self):
        endpoint = self._create_endpoint(
            route="/test/console/post",
            request_method="POST",
            request_content_type="application/json",
            request_content_schema='{"type": "object", "required": ["name"]}',
            request_max_body_size=64,
            code_snippet="result = {'payload': request.get_json_data()}",
        )
        json_type = [("Content-Type", "application/json")]
        too_large = endpoint._console_call(
            "POST",
            endpoint.route,
            headers=json_type,
            body=b'{"name": "' + b"x" * 80 + b'"}',
        )
        self.assertEqual(too_large["status"], 413)
        self.assertIn("detail", json.loads(too_large["body"]))
        invalid = endpoint._console_call(
            "POST", endpoint.route, headers=json_type, body=b"{}"
        )
        self.assertEqual(invalid["status"], 400)
        wrong_method = endpoint._console_call("GET", endpoint.route)
        self.assertEqual(wrong_method["status"], 405)
        ok = endpoint._console_call(
            "POST", endpoint.route, headers=json_type, body=b'{"name": "a"}'
        )
        self.assertEqual(json.loads(ok["body"]), {"name": "a"})

    def test_the_wizard_prefills_and_shows_the_answer(self):
        endpoint = self._create_endpoint(
            route="/test/console/wizard",
            request_method="POST",
            request_content_type="application/json",
            request_content_schema=(
                "type: object\nproperties:\n  name: {type: string, example: Ada}\n"
                "  qty: {type: integer}\n  tags: {type: array, items: {type: string}}\n"
            ),
            code_snippet="log('got it')\nresult = {'payload': request.get_json_data()}",
        )
        action = endpoint.action_open_console()
        wizard = self.env[action["res_model"]].browse(action["res_id"])
        self.assertRecordValues(
            wizard,
            [
                {
                    "target": "draft",
                    "method": "POST",
                    "path": "/test/console/wizard",
                    "request_headers": "Content-Type: application/json",
                }
            ],
        )
        self.assertEqual(
            json.loads(wizard.request_body),
            {"name": "Ada", "qty": 0, "tags": ["string"]},
        )
        wizard.action_send()
        self.assertEqual(wizard.status, 200)
        self.assertEqual(
            json.loads(wizard.response_body),
            {"name": "Ada", "qty": 0, "tags": ["string"]},
        )
        # Laid out for reading.
        self.assertIn('\n  "name": "Ada"', wizard.response_body)
        self.assertIn("Content-Type: application/json", wizard.response_headers)
        self.assertEqual(wizard.log_lines, "INFO: got it")
        self.assertEqual(wizard.answered_target, "draft")
        wizard.request_headers = "no colon here"
        with self.assertRaises(UserError):
            wizard.action_send()

    def test_path_parameters_and_methods_of_the_endpoint(self):
        endpoint = self._create_endpoint(
            route="/test/console/items/<int:item_id>",
            extra_routes="/test/console/v2/items/<int:item_id>",
            extra_methods="DELETE",
            code_snippet=(
                "result = {'payload': {'id': params['item_id'],"
                " 'method': request.httprequest.method}}"
            ),
        )
        action = endpoint.action_open_console()
        wizard = self.env[action["res_model"]].browse(action["res_id"])
        self.assertEqual(wizard.answered_methods, "GET, DELETE")
        for path, method in (
            ("/test/console/items/42", "GET"),
            ("/test/console/v2/items/42", "DELETE"),
        ):
            wizard.write({"path": path, "method": method})
            wizard.action_send()
            self.assertEqual(wizard.status, 200, wizard.response_body)
            self.assertEqual(
                json.loads(wizard.response_body), {"id": 42, "method": method}
            )
        # A value the converter refuses, or another path: a 404, as a client gets.
        for path in ("/test/console/items/abc", "/test/console/other"):
            wizard.write({"path": path, "method": "GET"})
            wizard.action_send()
            self.assertEqual(wizard.status, 404, path)
            self.assertIn("detail", json.loads(wizard.response_body))
        # Only the endpoint's own methods are sent.
        wizard.write({"path": "/test/console/items/42", "method": "PUT"})
        with self.assertRaisesRegex(UserError, "answers GET, DELETE"):
            wizard.action_send()

    def test_replay_a_logged_call_with_masked_headers_empty(self):
        endpoint = self._create_endpoint(route="/test/console/replay")
        entry = self.env["endpoint.log"].create(
            {
                "endpoint_id": endpoint.id,
                "method": "GET",
                "path": "/test/console/replay",
                "query_string": "a=1",
                "request_headers": "Authorization: ********\nX-Trace: abc",
                "request_body_kind": "empty",
                "status": 200,
            }
        )
        action = entry.action_replay()
        wizard = self.env[action["res_model"]].browse(action["res_id"])
        self.assertRecordValues(
            wizard,
            [
                {
                    "target": "live",
                    "method": "GET",
                    "path": "/test/console/replay",
                    "query_string": "a=1",
                    "request_headers": "Authorization: \nX-Trace: abc",
                }
            ],
        )

    def test_for_settings_admins_only(self):
        endpoint = self._create_endpoint(route="/test/console/acl")
        erp_manager = new_test_user(
            self.env, login="console_erp", groups="base.group_erp_manager"
        )
        with self.assertRaises(AccessError):
            endpoint.with_user(erp_manager)._console_call("GET", endpoint.route)
        with self.assertRaises(AccessError):
            self.env["endpoint.console"].with_user(erp_manager).create(
                {"res_model": endpoint._name, "res_id": endpoint.id}
            )
