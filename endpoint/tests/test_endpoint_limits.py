# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Who may call an endpoint, how often, how many at once, for how long:
over HTTP, as a client sees it."""

import threading
import time
from unittest.mock import patch

import requests

from odoo import sql_db
from odoo.exceptions import ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tools import config, mute_logger

from ..tools import limits as limits_tools
from .common import EndpointHttpCase, EndpointTransactionCase
from .test_endpoint_openapi import OpenApiHttpMixin

# A period no test run crosses the end of: its window began years ago.
LONG_PERIOD = 10**9
RATE_HEADERS = ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset")
LOGGERS = ("endpoint.endpoint", "odoo.sql_db")


@tagged("post_install", "-at_install")
class TestEndpointLimitsRecord(EndpointTransactionCase):
    def test_addresses_must_parse(self):
        with self.assertRaisesRegex(ValidationError, "not-an-ip"):
            self._create_endpoint(sync=False, allowed_addresses="10.0.0.0/8, not-an-ip")

    def test_numbers_must_make_sense(self):
        for vals in (
            {"rate_limit_count": -1},
            {"rate_limit_count": 5, "rate_limit_period": 0},
            {"time_limit": -1},
            {"max_concurrent": -2},
        ):
            with self.subTest(vals=vals), self.assertRaises(ValidationError):
                self._create_endpoint(sync=False, **vals)

    def test_limits_wait_for_sync(self):
        endpoint = self._create_endpoint()
        self.assertIsNone(endpoint._get_runtime().limits)
        endpoint.rate_limit_count = 3
        self.assertFalse(endpoint.registry_sync)

    def test_no_limits_no_runtime_limits(self):
        # What keeps endpoints without limits free of any extra work.
        self.assertIsNone(limits_tools.build_limits({"rate_limit_period": 60}))
        limits = limits_tools.build_limits(
            {"rate_limit_count": 2, "allowed_addresses": "::1 127.0.0.1"}
        )
        self.assertEqual(limits.rate_count, 2)
        self.assertEqual(len(limits.networks), 2)

    def test_address_matching(self):
        nets = limits_tools.parse_networks("10.0.0.0/8\n2001:db8::/32")
        self.assertTrue(limits_tools.address_allowed("10.1.2.3", nets))
        self.assertTrue(limits_tools.address_allowed("::ffff:10.1.2.3", nets))
        self.assertTrue(limits_tools.address_allowed("2001:db8::5", nets))
        self.assertFalse(limits_tools.address_allowed("11.0.0.1", nets))
        self.assertFalse(limits_tools.address_allowed("garbage", nets))
        self.assertFalse(limits_tools.address_allowed(None, nets))


@tagged("post_install", "-at_install")
class TestEndpointAccessRules(EndpointHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.group = cls.env["res.groups"].create({"name": "H18 API callers"})
        cls.caller = new_test_user(
            cls.env, login="h18_caller", groups="base.group_user", name="H18 Caller"
        )

    def test_allowed_groups(self):
        self._create_endpoint(
            route="/endpoint_test/h18/groups", allowed_group_ids=[self.group.id]
        )
        self.authenticate("h18_caller", "h18_caller")
        response = self._call("/endpoint_test/h18/groups")
        self.assertEqual(response.status_code, 403, response.text)
        self.assertEqual(response.headers["Content-Type"], "application/json")
        self.assertEqual(
            response.json(),
            {"detail": "Your user is not allowed to call this endpoint."},
        )
        self.caller.group_ids = [(4, self.group.id)]
        response = self._call("/endpoint_test/h18/groups")
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json(), {"ok": True})

    def test_groups_do_not_apply_to_public_endpoints(self):
        self._create_endpoint(
            route="/endpoint_test/h18/public_groups",
            auth_type="public",
            exec_as_user_id=self.env.ref("base.user_demo").id,
            allowed_group_ids=[self.group.id],
        )
        self.assertEqual(
            self._call("/endpoint_test/h18/public_groups").status_code, 200
        )

    def test_allowed_addresses(self):
        endpoint = self._create_endpoint(
            route="/endpoint_test/h18/addresses",
            auth_type="public",
            exec_as_user_id=self.env.ref("base.user_demo").id,
            allowed_addresses="10.0.0.0/8",
        )
        response = self._call("/endpoint_test/h18/addresses")
        self.assertEqual(response.status_code, 403)
        self.assertEqual(
            response.json(), {"detail": "Calls from your address are not allowed."}
        )
        endpoint.allowed_addresses = "10.0.0.0/8\n127.0.0.0/8 ::1"
        self._sync(endpoint)
        self.assertEqual(self._call("/endpoint_test/h18/addresses").status_code, 200)

    def test_allowed_addresses_behind_a_proxy(self):
        self._create_endpoint(
            route="/endpoint_test/h18/proxied",
            auth_type="public",
            exec_as_user_id=self.env.ref("base.user_demo").id,
            allowed_addresses="203.0.113.0/24",
        )
        forwarded = {
            "X-Forwarded-For": "203.0.113.7",
            "X-Forwarded-Host": "api.example.com",
        }
        # Without proxy_mode, a forwarded address is any header a client
        # may send: not trusted.
        with patch.dict(config.options, {"proxy_mode": False}):
            response = self._call("/endpoint_test/h18/proxied", headers=forwarded)
        self.assertEqual(response.status_code, 403)
        with patch.dict(config.options, {"proxy_mode": True}):
            response = self._call("/endpoint_test/h18/proxied", headers=forwarded)
        self.assertEqual(response.status_code, 200, response.text)


@tagged("post_install", "-at_install")
class TestEndpointRateLimit(EndpointHttpCase):
    def _limited(self, route, count=3, **vals):
        vals.setdefault("auth_type", "public")
        vals.setdefault("exec_as_user_id", self.env.ref("base.user_demo").id)
        return self._create_endpoint(
            route=route,
            rate_limit_count=count,
            rate_limit_period=LONG_PERIOD,
            **vals,
        )

    def test_past_the_limit_429_with_headers(self):
        self._limited("/endpoint_test/h18/rate")
        for remaining in (2, 1, 0):
            response = self._call("/endpoint_test/h18/rate")
            self.assertEqual(response.status_code, 200, response.text)
            self.assertEqual(response.headers["RateLimit-Limit"], "3")
            self.assertEqual(response.headers["RateLimit-Remaining"], str(remaining))
            reset = int(response.headers["RateLimit-Reset"])
            self.assertTrue(0 < reset <= LONG_PERIOD, reset)
            self.assertEqual(response.headers["RateLimit-Policy"], f"3;w={LONG_PERIOD}")
        response = self._call("/endpoint_test/h18/rate")
        self.assertEqual(response.status_code, 429)
        self.assertEqual(response.headers["Content-Type"], "application/json")
        self.assertIn("Too many calls", response.json()["detail"])
        self.assertEqual(response.headers["RateLimit-Remaining"], "0")
        self.assertEqual(
            response.headers["Retry-After"], response.headers["RateLimit-Reset"]
        )

    def test_counted_per_user_or_for_all(self):
        new_test_user(self.env, login="h18_other", groups="base.group_user")
        self._limited("/endpoint_test/h18/per_user", count=1, auth_type="user_endpoint")
        self._limited(
            "/endpoint_test/h18/for_all",
            count=1,
            auth_type="user_endpoint",
            rate_limit_scope="endpoint",
        )
        self.authenticate("demo", "demo")
        self.assertEqual(self._call("/endpoint_test/h18/per_user").status_code, 200)
        self.assertEqual(self._call("/endpoint_test/h18/per_user").status_code, 429)
        self.assertEqual(self._call("/endpoint_test/h18/for_all").status_code, 200)
        self.authenticate("h18_other", "h18_other")
        # Another user has calls of their own, not on the shared counter.
        self.assertEqual(self._call("/endpoint_test/h18/per_user").status_code, 200)
        self.assertEqual(self._call("/endpoint_test/h18/for_all").status_code, 429)

    def test_failed_calls_count_and_carry_the_headers(self):
        # The count survives the failed request's rollback.
        self._limited(
            "/endpoint_test/h18/failing",
            count=2,
            code_snippet="raise exceptions.UserError('no')",
        )
        for status in (400, 400, 429):
            response = self._call("/endpoint_test/h18/failing")
            self.assertEqual(response.status_code, status, response.text)
            self.assertIn("RateLimit-Remaining", response.headers)

    def test_unlimited_endpoint_has_no_headers(self):
        self._create_endpoint(
            route="/endpoint_test/h18/free",
            auth_type="public",
            exec_as_user_id=self.env.ref("base.user_demo").id,
        )
        response = self._call("/endpoint_test/h18/free")
        self.assertEqual(response.status_code, 200)
        for name in (*RATE_HEADERS, "Retry-After"):
            self.assertNotIn(name, response.headers)

    def test_flood_from_threads_gets_exactly_the_limit(self):
        self._limited("/endpoint_test/h18/flood", count=7)
        url = self.base_url() + "/endpoint_test/h18/flood"
        statuses = []

        def flood():
            with requests.Session() as session:
                # The test's cookie: the server serves tests' requests only.
                session.cookies.update(cookies)
                for _i in range(5):
                    statuses.append(session.get(url, timeout=30).status_code)

        threads = [threading.Thread(target=flood) for _i in range(4)]
        with self.allow_requests():
            cookies = self.opener.cookies
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        self.assertEqual(statuses.count(200), 7, statuses)
        self.assertEqual(statuses.count(429), 13, statuses)

    def test_refusals_are_logged(self):
        endpoint = self._limited("/endpoint_test/h18/logged", count=1, log_calls=True)
        self._call("/endpoint_test/h18/logged")
        self._call("/endpoint_test/h18/logged")
        entries = self.env["endpoint.log"].search(
            [("endpoint_id", "=", endpoint.id)], order="id"
        )
        self.assertEqual(entries.mapped("status"), [200, 429])

    def test_demo_endpoint(self):
        demo = self.env.ref("endpoint.endpoint_demo_limited", raise_if_not_found=False)
        if not demo:
            self.skipTest("Demo data is not installed.")
        self._sync(demo.filtered(lambda r: not r.registry_sync))
        statuses = []
        # Five calls a minute: the sixth is refused, or a later one if a
        # minute began meanwhile.
        while 429 not in statuses and len(statuses) < 12:
            response = self._call("/demo/limited")
            statuses.append(response.status_code)
            self.assertEqual(response.headers["RateLimit-Limit"], "5")
        self.assertEqual(statuses[-1], 429, statuses)
        self.assertLessEqual(int(response.headers["Retry-After"]), 60)


@tagged("post_install", "-at_install")
class TestEndpointConcurrency(EndpointHttpCase):
    def test_busy_slots_503(self):
        endpoint = self._create_endpoint(
            route="/endpoint_test/h18/one_at_a_time",
            auth_type="public",
            exec_as_user_id=self.env.ref("base.user_demo").id,
            max_concurrent=1,
        )
        key = limits_tools.slot_base(endpoint._name, endpoint.id)
        # Another call holds the only slot: a lock of another connection,
        # as a call in another worker or server would.
        with sql_db.db_connect(self.env.cr.dbname).cursor() as cr:
            cr.execute("SELECT pg_advisory_lock(%s)", (key,))
            try:
                response = self._call("/endpoint_test/h18/one_at_a_time")
            finally:
                cr.execute("SELECT pg_advisory_unlock(%s)", (key,))
        self.assertEqual(response.status_code, 503)
        self.assertEqual(response.headers["Retry-After"], "1")
        self.assertIn("retry in a moment", response.json()["detail"])
        # Freed: served, and the slot is given back after the call.
        for _i in range(2):
            response = self._call("/endpoint_test/h18/one_at_a_time")
            self.assertEqual(response.status_code, 200, response.text)


@tagged("post_install", "-at_install")
class TestEndpointTimeLimit(EndpointHttpCase):
    def _endless(self, route, snippet, **vals):
        return self._create_endpoint(
            route=route,
            auth_type="public",
            exec_as_user_id=self.env.ref("base.user_demo").id,
            code_snippet=snippet,
            **vals,
        )

    def assertStopped(self, route, limit):
        start = time.monotonic()
        with self.assertLogs(LOGGERS[0], "WARNING") as logs, mute_logger(LOGGERS[1]):
            response = self._call(route, timeout=limit + 30)
        elapsed = time.monotonic() - start
        self.assertEqual(response.status_code, 504, response.text)
        self.assertEqual(response.headers["Content-Type"], "application/json")
        self.assertIn("time limit", response.json()["detail"])
        # Limit plus one second, and room for a slow, shared machine.
        self.assertLess(elapsed, limit + 5)
        return "\n".join(logs.output)

    def test_endless_loop_504_and_rolled_back(self):
        partner = self.env["res.partner"].create({"name": "Before"})
        self._endless(
            "/endpoint_test/h18/loop",
            f"env['res.partner'].browse({partner.id}).write({{'name': 'After'}})\n"
            "env.cr.flush()\n"
            "while True:\n"
            "    try:\n"
            "        pass\n"
            "    except Exception:\n"
            "        pass\n",
            time_limit=1,
        )
        log = self.assertStopped("/endpoint_test/h18/loop", 1)
        self.assertIn("/endpoint_test/h18/loop", log)
        self.assertRegex(log, r"at line [3-7] of its snippet")
        partner.invalidate_recordset()
        self.assertEqual(partner.name, "Before")
        # The server goes on serving.
        self._create_endpoint(
            route="/endpoint_test/h18/after",
            auth_type="public",
            exec_as_user_id=self.env.ref("base.user_demo").id,
        )
        self.assertEqual(self._call("/endpoint_test/h18/after").status_code, 200)

    def test_sql_obeys_the_limit(self):
        self._endless(
            "/endpoint_test/h18/sql",
            "env.cr.execute('SELECT pg_sleep(60)')\nresult = {}",
            time_limit=1,
        )
        log = self.assertStopped("/endpoint_test/h18/sql", 1)
        self.assertIn("at line 1", log)

    def test_default_from_system_parameter(self):
        self.env["ir.config_parameter"].set_param("endpoint.time_limit", "1")
        self._endless("/endpoint_test/h18/default", "while True:\n    pass\n")
        self.assertStopped("/endpoint_test/h18/default", 1)

    def test_fast_snippet_unaffected(self):
        self._endless(
            "/endpoint_test/h18/fast", "result = {'payload': 1}", time_limit=1
        )
        for _i in range(3):
            self.assertEqual(self._call("/endpoint_test/h18/fast").status_code, 200)
        # Nothing fires after the call is over.
        time.sleep(1.5)
        self.assertEqual(self._call("/endpoint_test/h18/fast").status_code, 200)


@tagged("post_install", "-at_install")
class TestEndpointLimitsOpenApi(OpenApiHttpMixin, EndpointHttpCase):
    def test_limits_are_documented(self):
        group = self.env["res.groups"].create({"name": "H18 doc callers"})
        self._create_endpoint(
            route="/endpoint_test/h18/doc_limited",
            allowed_group_ids=[group.id],
            rate_limit_count=10,
            rate_limit_period=60,
            max_concurrent=2,
            time_limit=5,
        )
        self._create_endpoint(route="/endpoint_test/h18/doc_free")
        self.authenticate("admin", "admin")
        paths = self._document()["paths"]
        limited = paths["/endpoint_test/h18/doc_limited"]["get"]["responses"]
        self.assertLessEqual({"403", "429", "503", "504"}, set(limited))
        self.assertIn("5 s", limited["504"]["description"])
        self.assertIn("Retry-After", limited["429"]["headers"])
        self.assertIn("Retry-After", limited["503"]["headers"])
        for status, response in limited.items():
            self.assertLessEqual(set(RATE_HEADERS), set(response["headers"]), status)
        free = paths["/endpoint_test/h18/doc_free"]["get"]["responses"]
        # The default time limit applies to every snippet; nothing else.
        self.assertIn("30 s", free["504"]["description"])
        self.assertFalse({"403", "429", "503"} & set(free))
        self.assertFalse(
            any("headers" in r for r in free.values() if r != free.get("405"))
        )
