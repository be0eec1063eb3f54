# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Shared fixtures of the endpoint tests."""

import json
from contextlib import contextmanager

from odoo.exceptions import UserError
from odoo.tests.common import HttpCase, TransactionCase

# The names a snippet sees, each documented in Code Help.
SNIPPET_NAMES = (
    "env",
    "user",
    "endpoint",
    "request",
    "datetime",
    "dateutil",
    "time",
    "json",
    "Response",
    "werkzeug",
    "exceptions",
    "hashlib",
    "hmac",
    "log",
    "params",
)

# The answer of an endpoint that failed on the server: nothing of the cause.
INTERNAL_ERROR = {"detail": "The endpoint failed; the server log says why."}


class EndpointCaseMixin:
    """Create endpoints the way an admin does, and publish them."""

    @classmethod
    def _endpoint_vals(cls, **vals):
        defaults = {
            "name": "Test endpoint",
            "route": "/test/endpoint",
            "request_method": "GET",
            "auth_type": "user_endpoint",
            "exec_mode": "code",
            "code_snippet": "result = {'payload': {'ok': True}}",
        }
        defaults.update(vals)
        return defaults

    @classmethod
    def _create_endpoint(cls, sync=True, **vals):
        endpoint = cls.env["endpoint.endpoint"].create(cls._endpoint_vals(**vals))
        if sync:
            cls._sync(endpoint)
        return endpoint

    @classmethod
    def _sync(cls, endpoints):
        """Publish now: in tests no commit runs the post-commit sync."""
        endpoints.write({"registry_sync": True})
        endpoints._handle_registry_sync()
        endpoints.flush_recordset()


class EndpointTransactionCase(EndpointCaseMixin, TransactionCase):
    pass


class EndpointHttpCase(EndpointCaseMixin, HttpCase):
    def _call(self, route, method="GET", **kw):
        kw.setdefault("allow_redirects", False)
        return self.url_open(route, method=method, **kw)

    def _post(self, route, data, content_type, **kw):
        return self._call(
            route, "POST", data=data, headers={"Content-Type": content_type}
        )

    def assertInvalid(self, response, type_, what=""):
        self.assertEqual(response.status_code, 400, f"{what}: {response.text}")
        detail = response.json()["detail"]
        self.assertEqual(len(detail), 1, what)
        self.assertEqual(detail[0]["loc"], ["body"], what)
        self.assertEqual(detail[0]["type"], type_, what)

    def tearDown(self):
        # Routes synced by a test are rolled back with it; drop the maps
        # built from them.
        self.env.registry.clear_cache("routing", "default")
        super().tearDown()


class EndpointRecordCase(EndpointTransactionCase):
    """Checks on the records themselves, and on their published routes."""

    @contextmanager
    def assertUserError(self, fragment):
        """Expect a UserError whose message holds ``fragment``; roll it back."""
        with self.assertRaises(UserError) as caught:
            yield caught
        self.assertIn(fragment, str(caught.exception))

    def _route_row(self, endpoint):
        """The live route of ``endpoint`` in the route registry table, or None
        (none published, or published and archived: off the air)."""
        self.env.cr.execute(
            "SELECT route, routing FROM endpoint_route WHERE key = %s",
            [f"{endpoint._name}:{endpoint.id}"],
        )
        row = self.env.cr.fetchone()
        if not row or json.loads(row[1]).get("endpoint_archived"):
            return None
        return row[0]

    def _post_endpoint(self, content_type="application/json", schema=None, **vals):
        return self._create_endpoint(
            sync=False,
            request_method="POST",
            request_content_type=content_type,
            request_content_schema=schema,
            **vals,
        )
