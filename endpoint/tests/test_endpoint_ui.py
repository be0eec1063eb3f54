# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The admin's day in a real browser: tours in static/tests/tours/.

The tours click through Settings > Technical > Endpoints; these tests set the
stage and check over HTTP that what the admin did reached the live routes.
Without Chromium (or the websocket-client package) Odoo skips them and says
why ("Chrome executable not found").
"""

from odoo.tests import new_test_user, tagged

from .common import EndpointHttpCase

ACTION_URL = "/odoo/action-endpoint.endpoint_endpoint_act_window"


@tagged("post_install", "-at_install")
class TestEndpointUi(EndpointHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.api_user = new_test_user(
            cls.env, login="tour_api_user", name="Tour API user"
        )

    def _get(self, route):
        # A fresh session each time: what an API client without cookies sees.
        self.opener.cookies.clear()
        return self.url_open(route)

    def test_create_and_sync_from_the_list(self):
        """Create, find in To sync, sync, then the route answers the snippet."""
        self._create_endpoint(name="Tour already live", route="/tour/live")
        self.assertEqual(self._get("/tour/hello").status_code, 404)

        self.start_tour(ACTION_URL, "endpoint_tour_create_and_sync", login="admin")

        endpoint = self.env["endpoint.endpoint"].search([("route", "=", "/tour/hello")])
        self.assertRecordValues(
            endpoint,
            [
                {
                    "name": "Tour hello",
                    "request_method": "GET",
                    "auth_type": "public",
                    "exec_as_user_id": self.api_user.id,
                    "registry_sync": True,
                }
            ],
        )
        response = self._get("/tour/hello")
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json(), {"hello": "tour", "as": "tour_api_user"})

    def test_request_schema_tab(self):
        """The schema tab follows method and content type; bad schemas stay."""
        self.start_tour(ACTION_URL, "endpoint_tour_request_schema", login="admin")

        endpoint = self.env["endpoint.endpoint"].search([("route", "=", "/tour/json")])
        self.assertRecordValues(
            endpoint,
            [
                {
                    "request_method": "PUT",
                    "request_content_type": "application/xml",
                    "request_content_schema": False,
                    "registry_sync": False,
                }
            ],
        )

    def test_archive_and_unarchive_from_the_form(self):
        """Archived: 404 at once; unarchived: served again at once."""
        endpoint = self._create_endpoint(
            name="Tour archive",
            route="/tour/archive",
            auth_type="public",
            exec_as_user_id=self.api_user.id,
        )
        self.assertEqual(self._get("/tour/archive").status_code, 200)
        record_url = f"{ACTION_URL}/{endpoint.id}"

        self.start_tour(record_url, "endpoint_tour_archive", login="admin")
        endpoint.invalidate_recordset()
        self.assertFalse(endpoint.active)
        self.assertEqual(self._get("/tour/archive").status_code, 404)

        self.start_tour(record_url, "endpoint_tour_unarchive", login="admin")
        endpoint.invalidate_recordset()
        self.assertTrue(endpoint.active)
        response = self._get("/tour/archive")
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json(), {"ok": True})

    def test_rate_limit_from_the_limits_tab(self):
        """The admin sets a rate limit, syncs: the third call gets 429."""
        endpoint = self._create_endpoint(
            name="Tour limited",
            route="/tour/limited",
            auth_type="public",
            exec_as_user_id=self.api_user.id,
        )
        self.start_tour(
            f"{ACTION_URL}/{endpoint.id}", "endpoint_tour_limits", login="admin"
        )
        endpoint.invalidate_recordset()
        self.assertEqual(endpoint.rate_limit_count, 2)
        self.assertTrue(endpoint.registry_sync)
