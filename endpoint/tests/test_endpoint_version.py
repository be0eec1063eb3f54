# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Every sync keeps the version it published; versions compare and restore."""

from html import unescape

from odoo.exceptions import AccessError
from odoo.tests import new_test_user

from .common import EndpointTransactionCase


class TestEndpointVersion(EndpointTransactionCase):
    def _versions(self, endpoint):
        return self.env["endpoint.version"].search(
            [("res_model", "=", endpoint._name), ("res_id", "=", endpoint.id)]
        )

    def test_each_sync_keeps_the_published_version(self):
        endpoint = self._create_endpoint(route="/test/version")
        first = self._versions(endpoint)
        self.assertEqual(len(first), 1)
        self.assertRecordValues(
            first, [{"number": 1, "route": "/test/version", "is_live": True}]
        )
        self.assertEqual(first.create_uid, self.env.user)
        self.assertEqual(
            first.values["code_snippet"], "result = {'payload': {'ok': True}}"
        )
        endpoint.code_snippet = "result = {'payload': {'ok': 2}}"
        # An edit is a draft: no version until it is published.
        self.assertEqual(len(self._versions(endpoint)), 1)
        self._sync(endpoint)
        versions = self._versions(endpoint)
        self.assertEqual(versions.mapped("number"), [2, 1])
        self.assertEqual(versions[0].values["code_snippet"], endpoint.code_snippet)
        self.assertEqual(versions.mapped("is_live"), [True, False])
        self.assertEqual(endpoint.version_ids, versions)

    def test_a_sync_without_changes_adds_no_version(self):
        endpoint = self._create_endpoint(route="/test/version/same")
        endpoint.name = "Renamed"  # not a published value
        self._sync(endpoint)
        self.assertEqual(len(self._versions(endpoint)), 1)

    def test_diff_between_draft_and_live_per_field(self):
        endpoint = self._create_endpoint(route="/test/version/diff")
        endpoint.write(
            {
                "code_snippet": "x = 1\nresult = {'payload': {'ok': x}}",
                "request_method": "POST",
                "request_content_type": "application/json",
            }
        )
        action = endpoint.action_diff_live()
        wizard = self.env[action["res_model"]].browse(action["res_id"])
        html = unescape(str(wizard.diff))
        self.assertIn("Code Snippet", html)
        self.assertIn("+x = 1", html)
        self.assertIn("-result = {'payload': {'ok': True}}", html)
        self.assertIn("GET", html)
        self.assertIn("POST", html)
        # Unchanged fields are not listed.
        self.assertNotIn("Exec Mode", html)

    def test_diff_between_two_versions_and_none(self):
        endpoint = self._create_endpoint(route="/test/version/two")
        endpoint.request_content_schema = '{"type": "object"}'
        self._sync(endpoint)
        new, old = self._versions(endpoint)
        wizard = self.env["endpoint.version.diff"].create(
            {
                "res_model": endpoint._name,
                "res_id": endpoint.id,
                "left_version_id": old.id,
                "right_version_id": new.id,
            }
        )
        self.assertIn('+{"type": "object"}', unescape(str(wizard.diff)))
        wizard.left_version_id = new
        self.assertIn("No difference.", str(wizard.diff))
        # The draft is the live version: nothing to show.
        action = new.action_diff_draft()
        wizard = self.env[action["res_model"]].browse(action["res_id"])
        self.assertIn("No difference.", str(wizard.diff))

    def test_restore_an_old_version_as_the_draft(self):
        runner = new_test_user(self.env, login="version_runner")
        endpoint = self._create_endpoint(
            route="/test/version/restore", exec_as_user_id=runner.id
        )
        endpoint.write(
            {"code_snippet": "result = {'payload': 'broken'}", "exec_as_user_id": False}
        )
        self._sync(endpoint)
        old = self._versions(endpoint)[-1]
        old.action_restore()
        self.assertEqual(endpoint.code_snippet, "result = {'payload': {'ok': True}}")
        self.assertEqual(endpoint.exec_as_user_id, runner)
        # Restored as a draft: the live route waits for the next sync.
        self.assertFalse(endpoint.registry_sync)
        self.assertEqual(
            endpoint._synced_runtime_values()["code_snippet"],
            "result = {'payload': 'broken'}",
        )
        self._sync(endpoint)
        self.assertEqual(len(self._versions(endpoint)), 3)

    def test_restore_brings_back_the_other_methods_routes_and_parameters(self):
        schema = "properties: {query: {properties: {n: {type: integer}}}}"
        endpoint = self._create_endpoint(
            route="/test/version/methods",
            extra_routes="/test/version/v1/methods",
            extra_methods="PUT DELETE",
            request_content_type="application/json",
            request_params_schema=schema,
        )
        endpoint.write(
            {
                "extra_methods": "PUT",
                "extra_routes": False,
                "request_params_schema": False,
            }
        )
        self._sync(endpoint)
        new, old = self._versions(endpoint)
        self.assertEqual(old.values["extra_routes"], "/test/version/v1/methods")
        self.assertFalse(new.values["extra_routes"])
        old.action_restore()
        self.assertEqual(endpoint.extra_methods, "PUT DELETE")
        self.assertEqual(endpoint.extra_routes, "/test/version/v1/methods")
        self.assertEqual(endpoint.request_params_schema, schema)

    def test_restore_skips_a_user_deleted_since(self):
        runner = new_test_user(self.env, login="version_gone")
        endpoint = self._create_endpoint(
            route="/test/version/gone", exec_as_user_id=runner.id
        )
        version = self._versions(endpoint)
        endpoint.exec_as_user_id = False
        runner.unlink()
        version.action_restore()
        self.assertFalse(endpoint.exec_as_user_id)

    def test_versions_are_for_settings_admins_only(self):
        endpoint = self._create_endpoint(route="/test/version/acl")
        erp_manager = new_test_user(
            self.env, login="version_erp", groups="base.group_erp_manager"
        )
        with self.assertRaises(AccessError):
            self.env["endpoint.version"].with_user(erp_manager).search([]).read(
                ["values"]
            )
        with self.assertRaises(AccessError):
            self._versions(endpoint).with_user(erp_manager).action_restore()
