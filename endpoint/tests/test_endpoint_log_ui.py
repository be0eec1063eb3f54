# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The call log in a real browser: static/tests/tours/endpoint_log_tour.js."""

from odoo.tests import new_test_user, tagged

from .common import EndpointHttpCase
from .test_endpoint_ui import ACTION_URL


@tagged("post_install", "-at_install")
class TestEndpointLogUi(EndpointHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.runner = new_test_user(cls.env, login="tour_log_runner")

    def test_turn_logging_on_call_and_open_the_calls(self):
        endpoint = self._create_endpoint(
            name="Tour logged",
            route="/tour/logged",
            auth_type="public",
            exec_as_user_id=self.runner.id,
        )
        self.start_tour(
            f"{ACTION_URL}/{endpoint.id}", "endpoint_log_tour", login="admin"
        )
        endpoint.invalidate_recordset()
        self.assertTrue(endpoint.log_calls)
        entries = self.env["endpoint.log"].search([("endpoint_id", "=", endpoint.id)])
        self.assertEqual(len(entries), 1)
        self.assertRecordValues(
            entries,
            [{"path": "/tour/logged", "query_string": "from=tour", "status": 200}],
        )
