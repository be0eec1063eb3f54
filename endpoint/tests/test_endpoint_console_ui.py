# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The test console in a real browser: static/tests/tours/endpoint_console_tour.js."""

from odoo.tests import tagged

from .common import EndpointHttpCase
from .test_endpoint_ui import ACTION_URL

DRAFT = """
env['res.partner'].create({'name': 'Console tour partner'})
log('draft ran')
result = {'payload': {'version': 'draft'}}
"""


@tagged("post_install", "-at_install")
class TestEndpointConsoleUi(EndpointHttpCase):
    def test_draft_and_live_runs(self):
        endpoint = self._create_endpoint(
            name="Tour console",
            route="/tour/console",
            code_snippet="result = {'payload': {'version': 'published'}}",
        )
        endpoint.code_snippet = DRAFT
        self.start_tour(
            f"{ACTION_URL}/{endpoint.id}", "endpoint_console_tour", login="admin"
        )
        # The draft's partner was rolled back.
        self.assertFalse(
            self.env["res.partner"].search([("name", "=", "Console tour partner")])
        )

    def test_replay_a_logged_call(self):
        endpoint = self._create_endpoint(
            name="Tour replay",
            route="/tour/replay",
            code_snippet=(
                "result = {'payload': {'auth': "
                "request.httprequest.headers.get('Authorization')}}"
            ),
        )
        entry = self.env["endpoint.log"].create(
            {
                "endpoint_id": endpoint.id,
                "method": "GET",
                "path": "/tour/replay",
                "query_string": "from=replay",
                "request_headers": "Authorization: ********\nX-Trace: abc",
                "request_body_kind": "empty",
                "status": 200,
            }
        )
        self.start_tour(
            f"/odoo/action-endpoint.endpoint_log_act_window/{entry.id}",
            "endpoint_replay_tour",
            login="admin",
        )
