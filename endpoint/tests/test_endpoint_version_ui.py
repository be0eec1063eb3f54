# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Versions in a real browser: static/tests/tours/endpoint_version_tour.js."""

from odoo.tests import tagged

from .common import EndpointHttpCase
from .test_endpoint_ui import ACTION_URL


@tagged("post_install", "-at_install")
class TestEndpointVersionUi(EndpointHttpCase):
    def test_compare_and_restore_a_version(self):
        endpoint = self._create_endpoint(
            name="Tour versions",
            route="/tour/versions",
            code_snippet="result = {'payload': 'version one'}",
        )
        endpoint.code_snippet = "result = {'payload': 'version two'}"
        self._sync(endpoint)
        endpoint.code_snippet = "result = {'payload': 'draft'}"
        self.start_tour(
            f"{ACTION_URL}/{endpoint.id}", "endpoint_version_tour", login="admin"
        )
        endpoint.invalidate_recordset()
        self.assertEqual(endpoint.code_snippet, "result = {'payload': 'version one'}")
        self.assertFalse(endpoint.registry_sync)
        # The live route still serves version two until the next sync.
        self.assertEqual(
            endpoint._synced_runtime_values()["code_snippet"],
            "result = {'payload': 'version two'}",
        )
