# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What a request reuses: compiled snippet and schema, found by routing version.

Nothing is parsed, compiled or searched per request, yet a sync publishes
the new state at once, and the request path costs no SQL query beyond what
Odoo spends on any route.
"""

import json

from odoo.tests import tagged

from .common import EndpointHttpCase

NAME_SCHEMA = "type: object\nrequired: [name]\nproperties: {name: {type: string}}"
TITLE_SCHEMA = "type: object\nrequired: [title]\nproperties: {title: {type: string}}"

# A plain Odoo route with the routing of a public GET endpoint (auth public,
# read-only cursor, http) whose handler runs no query: the baseline.
PLAIN_ROUTE = "/web/service-worker.js"


@tagged("post_install", "-at_install")
class TestEndpointCache(EndpointHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.run_as = cls.env.ref("base.user_admin")

    def _public(self, route, **vals):
        return self._create_endpoint(
            route=route, auth_type="public", exec_as_user_id=self.run_as.id, **vals
        )

    def _post(self, route, payload):
        return self.url_open(
            route,
            data=json.dumps(payload),
            headers={"Content-Type": "application/json"},
            method="POST",
        )

    def _queries(self, route):
        """SQL queries run while serving ``route`` (the request shares the
        test cursor, which counts every query)."""
        before = self.cr.sql_log_count
        response = self.url_open(route)
        self.assertEqual(response.status_code, 200, response.text)
        return self.cr.sql_log_count - before

    def test_changed_snippet_used_at_once_after_sync(self):
        endpoint = self._public(
            "/endpoint_test/cache/snippet",
            code_snippet="result = {'payload': 'first'}",
        )
        self.assertEqual(self.url_open(endpoint.route).json(), "first")
        endpoint.code_snippet = "result = {'payload': 'second', 'status_code': 202}"
        self._sync(endpoint)
        response = self.url_open(endpoint.route)
        self.assertEqual(response.status_code, 202)
        self.assertEqual(response.json(), "second")

    def test_changed_schema_used_at_once_after_sync(self):
        endpoint = self._public(
            "/endpoint_test/cache/schema",
            request_method="POST",
            request_content_type="application/json",
            request_content_schema=NAME_SCHEMA,
            code_snippet="result = {'payload': request.get_json_data()}",
        )
        self.assertEqual(self._post(endpoint.route, {"name": "a"}).status_code, 200)
        refused = self._post(endpoint.route, {"title": "a"})
        self.assertEqual(refused.status_code, 400)
        self.assertEqual(refused.json()["detail"][0]["type"], "required")

        endpoint.request_content_schema = TITLE_SCHEMA
        self._sync(endpoint)
        accepted = self._post(endpoint.route, {"title": "a"})
        self.assertEqual(accepted.status_code, 200, accepted.text)
        self.assertEqual(accepted.json(), {"title": "a"})
        refused = self._post(endpoint.route, {"name": "a"})
        self.assertEqual(refused.status_code, 400)
        self.assertEqual(refused.json()["detail"][0]["loc"], ["body"])

    def test_archived_then_restored_after_sync(self):
        endpoint = self._public("/endpoint_test/cache/archive")
        self.assertEqual(self.url_open(endpoint.route).status_code, 200)
        endpoint.active = False
        self._sync(endpoint)
        self.assertEqual(self.url_open(endpoint.route).status_code, 404)
        endpoint.active = True
        self._sync(endpoint)
        self.assertEqual(self.url_open(endpoint.route).status_code, 200)

    def test_no_query_per_request_beyond_a_plain_route(self):
        endpoint = self._public(
            "/endpoint_test/cache/queries",
            readonly=True,
            cors=False,
            code_snippet=(
                "result = {'response': Response('ok', content_type='text/plain')}"
            ),
        )
        # The first calls build the routing map and the endpoint's runtime.
        for route in (endpoint.route, PLAIN_ROUTE):
            self._queries(route)
        plain = self._queries(PLAIN_ROUTE)
        for _attempt in range(3):
            self.assertEqual(self._queries(endpoint.route), plain)
        # Unchanged after a sync of another endpoint: caches are keyed by
        # the routing version, so the next request rebuilds once, then
        # costs nothing again.
        self._sync(self._public("/endpoint_test/cache/other"))
        self._queries(endpoint.route)
        self._queries(PLAIN_ROUTE)
        self.assertEqual(self._queries(endpoint.route), self._queries(PLAIN_ROUTE))
