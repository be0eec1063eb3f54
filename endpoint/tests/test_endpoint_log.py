# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The call log: entries written over HTTP, masking, rollback, retention, rights."""

import json
import xmlrpc.client
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged
from odoo.tools import SQL, config, mute_logger

from ..models.endpoint_mixin_log import LOG_ID_HEADER
from ..tools.call_log import MASK
from .common import EndpointHttpCase, EndpointTransactionCase

MODEL_LOGGER = "endpoint.endpoint"


def insert_entry(env, **values):
    """An entry written in the test's transaction (the request path writes
    its own in a transaction of its own)."""
    columns = ", ".join(values)
    env.cr.execute(
        f"INSERT INTO endpoint_log (create_date, {columns}) "
        f"VALUES (NOW() AT TIME ZONE 'UTC', {', '.join(['%s'] * len(values))}) "
        "RETURNING id",
        list(values.values()),
    )
    return env["endpoint.log"].browse(env.cr.fetchone()[0])


class LogCaseMixin:
    def _entry(self, response):
        """The entry named by ``response``'s log id header."""
        self.assertIn(LOG_ID_HEADER, response.headers, response.text)
        self.env.invalidate_all()
        entry = self.env["endpoint.log"].browse(int(response.headers[LOG_ID_HEADER]))
        self.assertTrue(entry.exists())
        return entry

    def _entries(self, route):
        self.env.invalidate_all()
        return self.env["endpoint.log"].search([("route", "=", route)])

    def _row_text(self, entry):
        """Every column of the entry, as the database stores it."""
        self.env.cr.execute(
            "SELECT row_to_json(l)::text FROM endpoint_log l WHERE id = %s",
            [entry.id],
        )
        return self.env.cr.fetchone()[0]


@tagged("post_install", "-at_install")
class TestEndpointLogServe(LogCaseMixin, EndpointHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.api_user = new_test_user(cls.env, login="log_api_user")

    def _logged(self, route, code, sync=True, **vals):
        vals.setdefault("auth_type", "public")
        vals.setdefault("exec_as_user_id", self.api_user.id)
        return self._create_endpoint(
            sync=sync, route=route, code_snippet=code, log_calls=True, **vals
        )

    def test_logging_is_off_by_default(self):
        endpoint = self._create_endpoint(
            route="/log/off", auth_type="public", exec_as_user_id=self.api_user.id
        )
        self.assertFalse(endpoint.log_calls)
        response = self._call("/log/off")
        self.assertEqual(response.status_code, 200)
        self.assertNotIn(LOG_ID_HEADER, response.headers)
        self.assertFalse(self._entries("/log/off"))

    def test_a_call_is_logged_with_its_id_in_a_header(self):
        endpoint = self._logged(
            "/log/hello",
            "result = {'payload': {'hello': user.login}, 'status_code': 201}",
        )
        response = self._call("/log/hello?lang=fr&page=2")
        self.assertEqual(response.status_code, 201)
        self.assertEqual(response.json(), {"hello": "log_api_user"})
        entry = self._entry(response)
        self.assertRecordValues(
            entry,
            [
                {
                    "endpoint_id": endpoint.id,
                    "route": "/log/hello",
                    "method": "GET",
                    "path": "/log/hello",
                    "query_string": "lang=fr&page=2",
                    "status": 201,
                    "status_class": "2xx",
                    "user_id": self.env.ref("base.public_user").id,
                    "exec_as_user_id": self.api_user.id,
                    "client_address": "127.0.0.1",
                    "request_body_kind": "empty",
                    "response_body_kind": "text",
                    "response_body": '{"hello": "log_api_user"}',
                    "response_content_type": "application/json",
                    "error_type": False,
                }
            ],
        )
        self.assertGreater(entry.duration_ms, 0)
        self.assertLess(entry.duration_ms, 60_000)
        self.assertTrue(entry.in_last_24h)
        # What the Calls button and the form's figures count.
        self.assertEqual(endpoint.call_count_24h, 1)
        self.assertEqual(endpoint.call_error_rate_24h, 0)
        self.assertAlmostEqual(endpoint.call_p50_ms_24h, entry.duration_ms, delta=0.051)

    def test_the_switch_is_published_by_sync_registry(self):
        endpoint = self._create_endpoint(
            route="/log/later", auth_type="public", exec_as_user_id=self.api_user.id
        )
        endpoint.log_calls = True
        self.assertFalse(endpoint.registry_sync)
        response = self._call("/log/later")
        self.assertNotIn(LOG_ID_HEADER, response.headers)
        self._sync(endpoint)
        response = self._call("/log/later")
        self.assertEqual(self._entry(response).status, 200)
        # And off again only once synced.
        endpoint.log_calls = False
        self._call("/log/later")
        self.assertEqual(len(self._entries("/log/later")), 2)
        self._sync(endpoint)
        self.assertNotIn(LOG_ID_HEADER, self._call("/log/later").headers)
        self.assertEqual(len(self._entries("/log/later")), 2)

    def test_errors_only_keeps_the_failed_calls(self):
        self._logged(
            "/log/errors",
            "if request.params.get('fail'):\n"
            "    raise exceptions.UserError('No such order')\n"
            "result = {'payload': 'ok'}",
            log_keep="errors",
        )
        ok = self._call("/log/errors")
        self.assertEqual(ok.status_code, 200)
        self.assertNotIn(LOG_ID_HEADER, ok.headers)
        failed = self._call("/log/errors?fail=1")
        self.assertEqual(failed.status_code, 400)
        entry = self._entry(failed)
        self.assertEqual(self._entries("/log/errors"), entry)
        self.assertRecordValues(
            entry,
            [
                {
                    "status": 400,
                    "status_class": "4xx",
                    "error_type": "odoo.exceptions.UserError",
                    "error_message": "No such order",
                    "is_error": True,
                }
            ],
        )

    def test_a_rolled_back_call_is_logged(self):
        """The snippet's writes are undone; the entry of the call stays."""
        self._logged(
            "/log/rollback",
            "env['res.partner'].create({'name': 'Rolled back partner'})\n"
            # A server-side failure (safe_eval offers no exception class).
            "int('stock service down')",
            exec_as_user_id=self.env.ref("base.user_admin").id,
        )
        with mute_logger(MODEL_LOGGER):
            response = self._call("/log/rollback")
        self.assertEqual(response.status_code, 500)
        self.assertNotIn("stock service down", response.text)
        self.assertNotIn("Traceback", response.text)
        self.assertFalse(
            self.env["res.partner"].search([("name", "=", "Rolled back partner")])
        )
        entry = self._entry(response)
        self.assertRecordValues(
            entry,
            [
                {
                    "status": 500,
                    "status_class": "5xx",
                    "error_type": "ValueError",
                    "error_message": "invalid literal for int() with base 10: "
                    "'stock service down'",
                }
            ],
        )
        self.assertIn("ValueError: invalid literal", entry.traceback)
        self.assertIn("Traceback", entry.traceback)

    def test_a_call_refused_by_authentication_is_logged(self):
        self._create_endpoint(
            route="/log/private", code_snippet="result = {}", log_calls=True
        )
        self.opener.cookies.clear()
        response = self._call(
            "/log/private", headers={"Authorization": "Bearer nope1234"}
        )
        self.assertEqual(response.status_code, 401, response.text)
        entry = self._entry(response)
        self.assertRecordValues(
            entry,
            [
                {
                    "status": 401,
                    "status_class": "4xx",
                    "user_id": False,
                    "response_body": response.text,
                }
            ],
        )
        self.assertIn(f"Authorization: {MASK}", entry.request_headers)
        self.assertNotIn("nope1234", self._row_text(entry))

    def test_validation_errors_are_logged_with_the_body(self):
        self._logged(
            "/log/schema",
            "result = {'payload': 'ok'}",
            request_method="POST",
            request_content_type="application/json",
            request_content_schema='{"type": "object", "required": ["ref"]}',
        )
        response = self._post("/log/schema", b'{"other": 1}', "application/json")
        self.assertEqual(response.status_code, 400)
        entry = self._entry(response)
        self.assertEqual(entry.request_body, '{"other": 1}')
        self.assertEqual(entry.request_size, 12)
        self.assertEqual(json.loads(entry.response_body), response.json())
        self.assertEqual(entry.error_type, "odoo.addons.endpoint.exceptions.BodyError")

    def test_secrets_are_masked_everywhere(self):
        """Real credentials (an API key, a session cookie, a configured header)
        are in no column of the entry: headers, query, bodies, error,
        traceback."""
        self.env["ir.config_parameter"].set_param(
            "endpoint.log_masked_headers", "X-Partner-Token, X-Other"
        )
        admin = self.env.ref("base.user_admin")
        api_key = (
            self.env["res.users.apikeys"]
            .with_user(admin)
            ._generate(None, "log test", None)
        )
        partner_token = "partner-token-5f1c2e9a"
        # The snippet echoes what it got, then fails quoting it: the worst case.
        self._logged(
            "/log/secret",
            "data = request.get_json_data()\n"
            "int('refused %s %s %s' % (\n"
            "    request.httprequest.headers.get('Authorization'),\n"
            "    request.httprequest.headers.get('X-Partner-Token'),\n"
            "    request.httprequest.cookies.get('session_id')))\n",
            request_method="POST",
            request_content_type="application/json",
            auth_type="user_endpoint",
            exec_as_user_id=False,
        )
        self.authenticate("admin", "admin")
        session_id = self.opener.cookies["session_id"]
        body = json.dumps({"api_key": api_key, "token": partner_token}).encode()
        with mute_logger(MODEL_LOGGER):
            response = self.url_open(
                f"/log/secret?api_key={api_key}&x_partner_token=abc12345",
                data=body,
                headers={
                    "Content-Type": "application/json",
                    "Authorization": f"Bearer {api_key}",
                    "X-Partner-Token": partner_token,
                },
            )
        self.assertEqual(response.status_code, 500, response.text)
        entry = self._entry(response)
        stored = self._row_text(entry)
        for secret in (api_key, partner_token, session_id, "abc12345"):
            self.assertNotIn(secret, stored)
        self.assertIn(f"Authorization: {MASK}", entry.request_headers)
        self.assertIn(f"X-Partner-Token: {MASK}", entry.request_headers)
        self.assertIn(f"Cookie: {MASK}", entry.request_headers)
        self.assertIn("Content-Type: application/json", entry.request_headers)
        self.assertIn(f'"api_key": "{MASK}"', entry.request_body)
        self.assertIn(f"refused {MASK} {MASK} {MASK}", entry.error_message)
        self.assertIn(f"refused {MASK}", entry.traceback)
        self.assertEqual(
            entry.query_string,
            f"api_key={MASK.replace('*', '%2A')}"
            f"&x_partner_token={MASK.replace('*', '%2A')}",
        )
        self.assertEqual(entry.user_id, admin)

    def test_binary_and_long_bodies_are_stored_safely(self):
        self.env["ir.config_parameter"].set_param("endpoint.log_body_size", "16")
        self._logged(
            "/log/body",
            "result = {'response': Response(request.httprequest.get_data(), "
            "content_type='application/octet-stream')}",
            request_method="POST",
            request_content_type="text/plain",
        )
        cases = (
            # (body sent, kind, stored, cut)
            ("héllo".encode(), "text", "héllo", False),
            (b"\xff\xfe\x00binary", "binary", "//4AYmluYXJ5", False),
            (b"nul\x00inside", "binary", "bnVsAGluc2lkZQ==", False),
            # The cut falls inside "é": the character is dropped, not mangled.
            (("x" * 15 + "é" * 4).encode(), "text", "x" * 15, True),
            (b"y" * 40, "text", "y" * 16, True),
        )
        for sent, kind, stored, cut in cases:
            with self.subTest(sent=sent):
                response = self._post("/log/body", sent, "text/plain")
                self.assertEqual(response.status_code, 200)
                self.assertEqual(response.content, sent)
                entry = self._entry(response)
                self.assertRecordValues(
                    entry,
                    [
                        {
                            "request_body_kind": kind,
                            "request_body": stored,
                            "request_size": len(sent),
                            "request_body_cut": cut,
                            "response_body_kind": kind,
                            "response_body": stored,
                            "response_size": len(sent),
                        }
                    ],
                )

    def test_the_client_address_follows_proxy_mode(self):
        self._logged("/log/proxy", "result = {'payload': 'ok'}")
        forwarded = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Host": "api.test"}
        response = self._call("/log/proxy", headers=forwarded)
        self.assertEqual(self._entry(response).client_address, "127.0.0.1")
        with patch.dict(config.options, {"proxy_mode": True}):
            response = self._call("/log/proxy", headers=forwarded)
        self.assertEqual(self._entry(response).client_address, "203.0.113.7")

    def test_a_failure_to_log_reaches_the_server_log_only(self):
        self._logged("/log/broken", "result = {'payload': {'ok': True}}")
        with (
            patch.object(
                type(self.env["endpoint.log"]),
                "_write_entry",
                side_effect=RuntimeError("disk full"),
            ),
            self.assertLogs(MODEL_LOGGER) as logs,
        ):
            response = self._call("/log/broken")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), {"ok": True})
        self.assertNotIn(LOG_ID_HEADER, response.headers)
        self.assertIn("its call was not logged", logs.output[0])
        self.assertIn("disk full", logs.output[0])
        self.assertFalse(self._entries("/log/broken"))

    def test_the_error_rate_and_percentiles_of_the_last_24_hours(self):
        endpoint = self._logged(
            "/log/stats",
            "if request.params.get('fail'):\n"
            "    raise exceptions.UserError('no')\n"
            "result = {}",
        )
        for query in ("", "", "", "?fail=1"):
            self._call(f"/log/stats{query}")
        self.env.invalidate_all()
        entries = self._entries("/log/stats")
        self.assertEqual(len(entries), 4)
        # An old entry counts in no figure of the last 24 hours.
        old = entries.sorted("id")[0]
        old_date = fields.Datetime.now() - timedelta(hours=25)
        self.env.cr.execute(
            "UPDATE endpoint_log SET create_date = %s, duration_ms = 9999 "
            "WHERE id = %s",
            (old_date, old.id),
        )
        self.env.invalidate_all()
        durations = sorted((entries - old).mapped("duration_ms"))
        self.assertEqual(endpoint.call_count_24h, 3)
        self.assertAlmostEqual(endpoint.call_error_rate_24h, 1 / 3)
        # The figures are shown to 0.1 ms: compare with half of that.
        # PostgreSQL interpolates the 95th percentile of three values
        # between the second and the third.
        expected_p95 = durations[1] + 0.9 * (durations[2] - durations[1])
        self.assertAlmostEqual(endpoint.call_p50_ms_24h, durations[1], delta=0.051)
        self.assertAlmostEqual(endpoint.call_p95_ms_24h, expected_p95, delta=0.051)
        self.assertEqual(
            self.env["endpoint.log"].search(
                [("endpoint_id", "=", endpoint.id), ("in_last_24h", "=", True)]
            ),
            entries - old,
        )
        action = endpoint.action_view_calls()
        self.assertEqual(action["domain"], [("endpoint_id", "=", endpoint.id)])
        self.assertEqual(action["res_model"], "endpoint.log")


@tagged("post_install", "-at_install")
class TestEndpointLogRetention(EndpointTransactionCase):
    def _make_entries(self, ages_in_days):
        now = fields.Datetime.now()
        ids = [
            insert_entry(self.env, route="/log/gc", status=200, method="GET").id
            for _age in ages_in_days
        ]
        for entry_id, age in zip(ids, ages_in_days, strict=True):
            self.env.cr.execute(
                "UPDATE endpoint_log SET create_date = %s WHERE id = %s",
                (now - timedelta(days=age), entry_id),
            )
        return self.env["endpoint.log"].browse(ids)

    def _gc(self, batch_size):
        commits = []
        with patch.object(
            type(self.env["ir.cron"]),
            "_commit_progress",
            lambda cron, processed=0, **kw: commits.append(processed) or 60.0,
        ):
            deleted = self.env["endpoint.log"]._gc_entries(batch_size=batch_size)
        return deleted, commits

    def test_old_entries_are_removed_in_batches(self):
        entries = self._make_entries([40, 35, 31, 31, 31, 29, 1, 0])
        deleted, commits = self._gc(batch_size=2)
        self.assertEqual(deleted, 5)
        # One transaction per batch: 2 + 2 + 1.
        self.assertEqual(commits, [2, 2, 1])
        self.assertEqual(entries.exists(), entries[5:])

    def test_the_retention_period_is_a_system_parameter(self):
        entries = self._make_entries([40, 10, 3])
        self.env["ir.config_parameter"].set_param("endpoint.log_retention_days", "7")
        self.assertEqual(self._gc(batch_size=100)[0], 2)
        self.assertEqual(entries.exists(), entries[2])
        # 0 keeps every entry, a typo keeps the default of 30 days.
        self.env["ir.config_parameter"].set_param("endpoint.log_retention_days", "0")
        self.assertEqual(self._gc(batch_size=100)[0], 0)
        self.assertEqual(entries.exists(), entries[2])

    def test_entries_of_other_columns_and_sql_values_are_written_as_given(self):
        # The INSERT's text is kept per set of columns: entries of another
        # set (an override's), or the same set in another order, are
        # written as given; an SQL value is composed into the statement.
        log = self.env["endpoint.log"]
        first = log._write_entry({"route": "/a", "status": 200, "method": "GET"})
        second = log._write_entry({"method": "POST", "route": "/b", "status": 201})
        third = log._write_entry({"route": "/c", "status": 404, "method": "PUT"})
        fourth = log._write_entry(
            {"route": SQL("%s || %s", "/d", "/e"), "status": 500, "method": "GET"}
        )
        fifth = log._write_entry({"route": "/f", "status": 200})
        entries = log.browse([first, second, third, fourth, fifth])
        self.assertEqual(
            [(e.route, e.status, e.method) for e in entries],
            [
                ("/a", 200, "GET"),
                ("/b", 201, "POST"),
                ("/c", 404, "PUT"),
                ("/d/e", 500, "GET"),
                ("/f", 200, False),
            ],
        )

    def test_the_scheduled_action_runs_the_retention(self):
        cron = self.env.ref("endpoint.ir_cron_endpoint_log_retention")
        self.assertTrue(cron.active)
        self.assertEqual(cron.code.strip(), "model._gc_entries()")
        self.assertEqual(cron.model_id.model, "endpoint.log")


@tagged("post_install", "-at_install")
class TestEndpointLogAccess(LogCaseMixin, EndpointHttpCase):
    """Settings administrators, or the dedicated group, read entries; RPC never."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.entry = insert_entry(
            cls.env,
            route="/log/acl",
            method="GET",
            path="/log/acl",
            status=500,
            error_type="ValueError",
            traceback="Traceback: the server's insides",
        )
        cls.internal = new_test_user(cls.env, login="log_internal")
        cls.settings_admin = new_test_user(
            cls.env,
            login="log_settings_admin",
            groups="base.group_user,base.group_system",
        )
        cls.reader = new_test_user(
            cls.env,
            login="log_reader",
            groups="base.group_user,endpoint.group_endpoint_log_reader",
        )

    def test_settings_admins_read_everything(self):
        entry = self.entry.with_user(self.settings_admin)
        self.assertEqual(entry.traceback, "Traceback: the server's insides")
        self.assertEqual(entry.search([("id", "=", entry.id)]), entry)

    def test_the_dedicated_group_reads_without_the_traceback(self):
        entry = self.entry.with_user(self.reader)
        self.assertEqual(entry.error_type, "ValueError")
        with self.assertRaises(AccessError):
            entry.read(["traceback"])
        # The endpoints themselves stay out of reach.
        with self.assertRaises(AccessError):
            self.env["endpoint.endpoint"].with_user(self.reader).search([])

    def test_other_users_read_nothing_and_nobody_writes(self):
        with self.assertRaises(AccessError):
            self.entry.with_user(self.internal).read(["status"])
        for user in (self.reader, self.settings_admin):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.entry.with_user(user).write({"status": 200})
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.env["endpoint.log"].with_user(user).create({"status": 200})

    @mute_logger("odoo.addons.rpc.controllers.xmlrpc", "odoo.http")
    def test_xmlrpc_is_refused(self):
        with self.assertRaises(xmlrpc.client.Fault) as caught:
            self.xmlrpc_object.execute_kw(
                self.env.cr.dbname,
                self.env.ref("base.user_admin").id,
                "admin",
                "endpoint.log",
                "search_read",
                [[]],
                {"fields": ["request_headers"]},
            )
        self.assertIn("not allowed", caught.exception.faultString)

    @mute_logger("odoo.addons.rpc.controllers.jsonrpc", "odoo.http")
    def test_jsonrpc_is_refused(self):
        admin = self.env.ref("base.user_admin")
        answer = self.url_open(
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
                        admin.id,
                        "admin",
                        "endpoint.log",
                        "search_read",
                        [[]],
                        {},
                    ],
                },
            },
        ).json()
        self.assertNotIn("result", answer)
        self.assertIn("not allowed", answer["error"]["data"]["message"])

    @mute_logger("odoo.http")
    def test_json2_is_refused(self):
        key = (
            self.env["res.users.apikeys"]
            .with_user(self.env.ref("base.user_admin"))
            ._generate(None, "log test", None)
        )
        response = self.url_open(
            "/json/2/endpoint.log/search_read",
            json={"domain": [], "fields": ["traceback"]},
            headers={
                "Authorization": f"Bearer {key}",
                "X-Odoo-Database": self.env.cr.dbname,
            },
        )
        self.assertEqual(response.status_code, 403, response.text)
        self.assertNotIn("the server's insides", response.text)

    def test_the_web_client_reads_entries(self):
        self.authenticate("admin", "admin")
        records = self.make_jsonrpc_request(
            "/web/dataset/call_kw/endpoint.log/web_search_read",
            {
                "model": "endpoint.log",
                "method": "web_search_read",
                "args": [],
                "kwargs": {
                    "domain": [("id", "=", self.entry.id)],
                    "specification": {"status": {}, "traceback": {}},
                },
            },
        )
        self.assertEqual(records["records"][0]["status"], 500)
