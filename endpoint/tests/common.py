# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Shared fixtures of the endpoint tests."""

from odoo.tests.common import HttpCase, TransactionCase

# The names a snippet sees (SPEC section 4), each documented in Code Help.
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
)


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
    def tearDown(self):
        # Routes synced by a test are rolled back with it; drop the maps
        # built from them.
        self.env.registry.clear_cache("routing")
        super().tearDown()
