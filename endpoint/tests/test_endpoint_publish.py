# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Publishing: what Sync registry puts on the live routes, and what a request
reuses (compiled snippet and schema, kept until the next sync).

Nothing is parsed, compiled or searched per request, yet a sync publishes
the new state at once, and the request path costs no SQL query beyond what
Odoo spends on any route. Edits and syncs racing requests get the old or
the new answer, never an error.
"""

import io
import json
from contextlib import contextmanager
from unittest.mock import patch

from odoo.exceptions import UserError
from odoo.modules import module as odoo_module
from odoo.tests import tagged
from odoo.tools import SQL, mute_logger
from odoo.tools.convert import convert_xml_import

from odoo.addons.endpoint_route_handler.registry import EndpointRegistry

from .. import uninstall_hook
from .common import EndpointHttpCase, EndpointRecordCase

MODEL_LOGGER = "endpoint.endpoint"
XSD = """\
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">
  <xs:element name="ping" type="xs:string"/>
</xs:schema>
"""

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

    def test_archiving_takes_the_route_off_at_once_and_back_as_published(self):
        endpoint = self._public(
            "/endpoint_test/cache/switch",
            code_snippet="result = {'payload': 'published'}",
        )
        self.assertEqual(self.url_open(endpoint.route).json(), "published")
        # An edit waits for a sync; archiving does not.
        endpoint.code_snippet = "result = {'payload': 'pending'}"
        endpoint.action_archive()
        self.assertEqual(self.url_open(endpoint.route).status_code, 404)
        self.assertNotIn(
            endpoint,
            self.env["endpoint.endpoint"].search([("registry_sync", "=", False)]),
        )
        endpoint.action_unarchive()
        response = self.url_open(endpoint.route)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), "published")
        self.assertFalse(endpoint.registry_sync)
        self._sync(endpoint)
        self.assertEqual(self.url_open(endpoint.route).json(), "pending")

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
        # Unchanged after a sync of another endpoint: the sync drops the
        # routes, the next request rebuilds them once, then costs nothing
        # again.
        self._sync(self._public("/endpoint_test/cache/other"))
        self._queries(endpoint.route)
        self._queries(PLAIN_ROUTE)
        self.assertEqual(self._queries(endpoint.route), self._queries(PLAIN_ROUTE))


@tagged("post_install", "-at_install")
class TestEndpointNoTax(EndpointHttpCase):
    """Installing the addon costs the rest of Odoo nothing per request, yet a
    change of the route table committed by any process reaches the routes."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.endpoint = cls._create_endpoint(
            route="/endpoint_test/tax/probe",
            auth_type="public",
            exec_as_user_id=cls.env.ref("base.user_admin").id,
            code_snippet="result = {'payload': 'probe'}",
        )

    @contextmanager
    def _statements(self):
        """The SQL statements run meanwhile (requests share the test cursor)."""
        statements = []
        yield from self._patchExecute(statements, flush=False)

    def _signal(self, cache):
        table = SQL.identifier(f"orm_signaling_{cache}")
        self.env.cr.execute(SQL("SELECT count(*) FROM %s", table))
        return self.env.cr.fetchone()[0]

    def _commit_time(self):
        """What a commit runs first: the triggers deferred to it."""
        self.env.cr.execute("SET CONSTRAINTS ALL IMMEDIATE")
        self.env.cr.execute("SET CONSTRAINTS ALL DEFERRED")

    def _check_signaling(self):
        """What every request of a server does first (tests switch it off):
        compare Odoo's signals with those this process last saw."""
        registry = self.env.registry
        type(registry).check_signaling(registry, self.env.cr)

    def test_plain_route_runs_no_query_of_the_addon(self):
        self.url_open(PLAIN_ROUTE)  # builds the routing map
        with self._statements() as statements:
            response = self.url_open(PLAIN_ROUTE)
        self.assertEqual(response.status_code, 200)
        for statement in statements:
            self.assertNotIn("endpoint", str(statement).lower())
        # A request that another route serves does not even look at the
        # endpoint routes: nothing more after they change.
        self._sync(self._create_endpoint(route="/endpoint_test/tax/other"))
        self.url_open(PLAIN_ROUTE)
        with self._statements() as again:
            self.url_open(PLAIN_ROUTE)
        self.assertEqual(len(again), len(statements))

    def test_route_table_changes_signal_at_commit_once(self):
        default, routing = self._signal("default"), self._signal("routing")
        key = self.endpoint._endpoint_registry_unique_key()
        for statement in (
            "UPDATE endpoint_route SET route = route WHERE key = %(key)s",
            "UPDATE endpoint_route SET route = route WHERE key = %(key)s",
        ):
            self.env.cr.execute(statement, {"key": key})
        self.assertEqual(self._signal("default"), default, "signaled at commit")
        self._commit_time()
        # Once per transaction, and only the cache of the endpoints' routes:
        # Odoo's routing map stays.
        self.assertEqual(self._signal("default"), default + 1)
        self.assertEqual(self._signal("routing"), routing)
        # A row of another model built on the route handler is in Odoo's
        # routing map: that one is signaled.
        self.env.cr.execute(
            """
            INSERT INTO endpoint_route (key, route, opts, routing, endpoint_hash)
            VALUES ('other.model:1', '/endpoint_test/tax/other_model', '{}',
                    '{"routes": []}', 'other-model-1')
            """
        )
        self._commit_time()
        self.assertEqual(self._signal("routing"), routing + 1)

    def test_uninstalling_takes_the_signal_triggers_off(self):
        def triggers():
            self.env.cr.execute(
                "SELECT tgname FROM pg_trigger"
                " WHERE tgrelid = 'endpoint_route'::regclass AND tgname LIKE %s",
                ["endpoint_route_signal%"],
            )
            return sorted(name for (name,) in self.env.cr.fetchall())

        self.assertEqual(
            triggers(), ["endpoint_route_signal", "endpoint_route_signal_truncate"]
        )
        uninstall_hook(self.env)
        self.assertEqual(triggers(), [])

    def test_removal_committed_elsewhere_reaches_the_routes(self):
        route = self.endpoint.route
        self.assertEqual(self.url_open(route).json(), "probe")
        # A script (or any other process) takes the route off with SQL:
        # nothing of this process is told, the route stays served here...
        self.env.cr.execute(
            "DELETE FROM endpoint_route WHERE key = %s",
            [self.endpoint._endpoint_registry_unique_key()],
        )
        self.assertEqual(self.url_open(route).status_code, 200)
        # ...until it commits and the next request checks Odoo's signals, as
        # every request of a server does.
        self._commit_time()
        self._check_signaling()
        self.assertEqual(self.url_open(route).status_code, 404)

    def test_route_of_another_model_of_the_route_handler_reaches_the_routes(self):
        # Published by the route handler's own API, as another model built on
        # it does: this process's caches are not cleared, the signal is.
        draft = self._create_endpoint(
            sync=False,
            route="/endpoint_test/tax/elsewhere",
            auth_type="public",
            exec_as_user_id=self.env.ref("base.user_admin").id,
            code_snippet="result = {'payload': 'elsewhere'}",
        )
        self.assertEqual(self.url_open(draft.route).status_code, 404)
        registry = EndpointRegistry.registry_for(self.env.cr)
        registry.update_rules(draft._prepare_endpoint_rules())
        self.assertEqual(self.url_open(draft.route).status_code, 404)
        self._commit_time()
        self._check_signaling()
        self.assertEqual(self.url_open(draft.route).json(), "elsewhere")

    def test_live_routes_keep_no_snippet(self):
        # Each worker keeps per endpoint what routing needs; the snippet and
        # schemas are read when the endpoint is first called.
        table = self.env["ir.http"]._endpoint_route_table()
        key = self.endpoint._endpoint_registry_unique_key()
        routing, _handler = table.entries[key]
        self.assertEqual(routing["endpoint_runtime"], {})
        self.assertNotIn("payload", json.dumps(routing))
        self.assertNotIn(key, table.runtimes)
        self.assertEqual(self.url_open(self.endpoint.route).json(), "probe")
        self.assertIn(key, self.env["ir.http"]._endpoint_route_table().runtimes)


@tagged("post_install", "-at_install")
class TestEndpointReadonly(EndpointHttpCase):
    """A read-only endpoint is served with Odoo's read-only cursor (the read
    replica's, when there is one), as published by its last sync."""

    def _cursor_mode_endpoint(self, **vals):
        return self._create_endpoint(
            **{
                "route": "/endpoint_test/readonly",
                "auth_type": "public",
                "exec_as_user_id": self.env.ref("base.user_admin").id,
                "code_snippet": "result = {'payload': {'readonly': env.cr.readonly}}",
                **vals,
            }
        )

    def _routing(self, endpoint):
        table = self.env["ir.http"]._endpoint_route_table()
        return table.entries[endpoint._endpoint_registry_unique_key()][0]

    def test_readonly_published_by_sync(self):
        endpoint = self._cursor_mode_endpoint()
        self.assertFalse(self._routing(endpoint)["readonly"])
        self.assertEqual(self.url_open(endpoint.route).json(), {"readonly": False})
        endpoint.readonly = True
        self.assertFalse(endpoint.registry_sync, "a routing change waits for a sync")
        self.assertFalse(self._routing(endpoint)["readonly"])
        self._sync(endpoint)
        self.assertTrue(self._routing(endpoint)["readonly"])
        self.assertEqual(self.url_open(endpoint.route).json(), {"readonly": True})

    def test_readonly_endpoint_that_writes_still_answers(self):
        # Odoo runs it again with a read/write cursor.
        endpoint = self._cursor_mode_endpoint(
            readonly=True,
            code_snippet=(
                "partner = env['res.partner'].create({'name': 'Written'})\n"
                "result = {'payload': {'readonly': env.cr.readonly}}"
            ),
        )
        with mute_logger("odoo.http", "odoo.sql_db"):
            response = self.url_open(endpoint.route)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json(), {"readonly": False})
        self.assertTrue(
            self.env["res.partner"].search([("name", "=", "Written")], limit=1)
        )


@tagged("post_install", "-at_install")
class TestEndpointRegistrySync(EndpointRecordCase):
    """Edits reach the live route only through Sync registry."""

    @contextmanager
    def _after_commit(self):
        """Sync as outside a test: once the transaction commits, through
        the route handler's post-commit hook (which a test never runs)."""
        with patch.object(
            type(self.env["endpoint.endpoint"]),
            "_publishes_in_transaction",
            lambda model: False,
        ):
            yield

    def _sync_hooks(self, endpoint):
        """Post-commit sync callbacks pending for ``endpoint``."""
        return [
            func
            for func in self.env.cr.postcommit._funcs
            if getattr(func, "func", None)
            and func.func.__name__ == "_handle_registry_sync_post_commit"
            and endpoint.id in func.args[0]
        ]

    def test_new_record_is_out_of_sync_and_not_routed(self):
        endpoint = self._create_endpoint(sync=False)
        self.assertFalse(endpoint.registry_sync)
        self.assertIsNone(self._route_row(endpoint))
        self.assertIn(
            endpoint,
            self.env["endpoint.endpoint"].search([("registry_sync", "=", False)]),
        )

    def test_sync_publishes_the_route(self):
        endpoint = self._create_endpoint(sync=False, route="/test/live")
        self._sync(endpoint)
        self.assertTrue(endpoint.registry_sync)
        self.assertEqual(self._route_row(endpoint), "/test/live")

    def test_editing_a_routing_or_behaviour_field_marks_out_of_sync(self):
        admin = self.env.ref("base.user_admin")
        endpoint = self._create_endpoint(route="/test/edit")
        changes = {
            "route": "/test/edited",
            "auth_type": "public",
            "request_method": "PUT",
            "request_content_type": "application/xml",
            "request_content_schema": XSD,
            "code_snippet": "result = {'payload': 2}",
            "exec_mode": "code",
            "exec_as_user_id": False,
            "cors": "https://example.com",
            "csrf": True,
            "readonly": True,
            "route_group": "other",
        }
        endpoint.write(
            {
                "exec_as_user_id": admin.id,
                "request_method": "POST",
                "request_content_type": "application/json",
            }
        )
        for fname, value in changes.items():
            with self.subTest(field=fname):
                self._sync(endpoint)
                self.assertTrue(endpoint.registry_sync)
                vals = {fname: value}
                if fname == "auth_type":
                    vals["exec_as_user_id"] = admin.id
                if fname == "exec_as_user_id":
                    vals["auth_type"] = "user_endpoint"
                endpoint.write(vals)
                self.assertFalse(endpoint.registry_sync)

    def test_editing_the_name_keeps_the_record_in_sync(self):
        endpoint = self._create_endpoint()
        endpoint.name = "Renamed"
        self.assertTrue(endpoint.registry_sync)

    def test_edit_reaches_the_live_route_only_after_sync(self):
        endpoint = self._create_endpoint(route="/test/before")
        endpoint.route = "/test/after"
        self.assertEqual(self._route_row(endpoint), "/test/before")
        with self._after_commit():
            endpoint.action_sync_registry()
        self.assertTrue(endpoint.registry_sync)
        self.assertTrue(self._sync_hooks(endpoint))
        endpoint._handle_registry_sync()
        self.assertEqual(self._route_row(endpoint), "/test/after")

    def test_sync_action_confirms_what_it_published(self):
        endpoints = self._create_endpoint(
            sync=False, route="/test/confirm-a"
        ) | self._create_endpoint(sync=False, route="/test/confirm-b")
        action = endpoints.action_sync_registry()
        self.assertEqual(action["tag"], "display_notification")
        self.assertEqual(action["params"]["type"], "success")
        self.assertIn("/test/confirm-a, /test/confirm-b", action["params"]["message"])
        # The view reloads, so that the out-of-sync warning goes.
        self.assertEqual(action["params"]["next"]["tag"], "soft_reload")
        self.assertTrue(all(endpoints.mapped("registry_sync")))

    def test_action_sync_registry_on_many_records(self):
        first = self._create_endpoint(sync=False, route="/test/one")
        second = self._create_endpoint(sync=False, route="/test/two")
        with self._after_commit():
            (first | second).action_sync_registry()
        self.assertTrue(all((first | second).mapped("registry_sync")))
        hooks = self._sync_hooks(first)
        self.assertEqual(hooks, self._sync_hooks(second))
        for hook in hooks:
            hook.func.__self__._handle_registry_sync(*hook.args)
        self.assertEqual(self._route_row(first), "/test/one")
        self.assertEqual(self._route_row(second), "/test/two")

    def test_server_action_syncs_the_selected_records(self):
        endpoint = self._create_endpoint(sync=False)
        action = self.env.ref("endpoint.server_action_registry_sync")
        self.assertEqual(action.binding_model_id.model, "endpoint.endpoint")
        with self._after_commit():
            action.with_context(
                active_model="endpoint.endpoint",
                active_id=endpoint.id,
                active_ids=endpoint.ids,
            ).run()
        self.assertTrue(endpoint.registry_sync)
        self.assertTrue(self._sync_hooks(endpoint))

    def test_create_in_sync_registers_a_post_commit_sync(self):
        with self._after_commit():
            endpoint = self.env["endpoint.endpoint"].create(
                self._endpoint_vals(route="/test/from-data", registry_sync=True)
            )
        self.assertTrue(endpoint.registry_sync)
        hooks = self._sync_hooks(endpoint)
        self.assertEqual(len(hooks), 1)
        self.assertIsNone(self._route_row(endpoint), "published after commit only")
        # What the hook runs once the transaction commits:
        hooks[0].func.__self__._handle_registry_sync(*hooks[0].args)
        self.assertEqual(self._route_row(endpoint), "/test/from-data")

    def test_edit_that_asks_to_publish_is_published(self):
        # A module upgrade rewrites its XML endpoints with registry_sync=True.
        endpoint = self._create_endpoint(route="/test/upgraded")
        before = len(self._sync_hooks(endpoint))
        with self._after_commit():
            endpoint.write(
                {"code_snippet": "result = {'payload': 2}", "registry_sync": True}
            )
        self.assertTrue(endpoint.registry_sync)
        hooks = self._sync_hooks(endpoint)
        self.assertEqual(len(hooks), before + 1)
        hooks[-1].func.__self__._handle_registry_sync(*hooks[-1].args)
        self.assertEqual(
            endpoint._synced_runtime_values()["code_snippet"],
            "result = {'payload': 2}",
        )

    def test_edit_without_publishing_stays_out_of_sync(self):
        endpoint = self._create_endpoint(route="/test/edited")
        before = len(self._sync_hooks(endpoint))
        with self._after_commit():
            endpoint.write({"code_snippet": "result = {'payload': 2}"})
        self.assertFalse(endpoint.registry_sync)
        self.assertEqual(len(self._sync_hooks(endpoint)), before)

    def test_create_out_of_sync_registers_no_sync(self):
        with self._after_commit():
            endpoint = self._create_endpoint(sync=False)
        self.assertFalse(self._sync_hooks(endpoint))

    def test_deleting_removes_the_route(self):
        endpoint = self._create_endpoint(route="/test/deleted")
        self.assertEqual(self._route_row(endpoint), "/test/deleted")
        key_record = endpoint.browse(endpoint.id)
        endpoint.unlink()
        self.assertIsNone(self._route_row(key_record))

    def test_deleting_an_unsynced_record_works(self):
        endpoint = self._create_endpoint(sync=False)
        endpoint.unlink()
        self.assertFalse(endpoint.exists())

    def test_archiving_is_a_switch_not_an_edit(self):
        endpoint = self._create_endpoint(route="/test/archived")
        endpoint.active = False
        # Off the air at once, and nothing left to sync.
        self.assertTrue(endpoint.registry_sync)
        self.assertIsNone(self._route_row(endpoint))
        self._sync(endpoint)
        self.assertIsNone(self._route_row(endpoint))
        endpoint.active = True
        self.assertTrue(endpoint.registry_sync)
        self.assertEqual(self._route_row(endpoint), "/test/archived")

    def test_archiving_keeps_pending_edits_pending(self):
        endpoint = self._create_endpoint(route="/test/archived-edited")
        endpoint.code_snippet = "result = {'payload': 'edited'}"
        endpoint.active = False
        self.assertFalse(endpoint.registry_sync)
        endpoint.active = True
        # Back as last published; the edit still waits for a sync.
        self.assertFalse(endpoint.registry_sync)
        self.assertEqual(self._route_row(endpoint), "/test/archived-edited")
        self.assertEqual(
            endpoint._synced_runtime_values()["code_snippet"],
            "result = {'payload': {'ok': True}}",
        )

    def test_archiving_a_never_published_record_waits_for_a_sync(self):
        endpoint = self._create_endpoint(sync=False, route="/test/never")
        endpoint.active = False
        endpoint.active = True
        self.assertFalse(endpoint.registry_sync)
        self.assertIsNone(self._route_row(endpoint))
        self._sync(endpoint)
        self.assertEqual(self._route_row(endpoint), "/test/never")

    def test_runtime_follows_the_synced_version(self):
        endpoint = self._create_endpoint(code_snippet="result = {'payload': 1}")
        before = endpoint._get_runtime()
        self.assertIs(endpoint._get_runtime(), before, "compiled once per version")
        endpoint.code_snippet = "result = {'payload': 2}"
        self._sync(endpoint)
        after = endpoint._get_runtime()
        self.assertIsNot(after, before)
        self.assertNotEqual(after.code, before.code)

    def test_editing_a_live_endpoint_leaves_the_caches_alone(self):
        # Every worker would drop its whole ORM cache: edits of a published
        # endpoint change nothing live until the sync, which announces itself.
        endpoint = self._create_endpoint(code_snippet="result = {'payload': 1}")
        before = endpoint._get_runtime()
        registry = self.env.registry
        registry.cache_invalidated.clear()
        endpoint.write({"code_snippet": "result = {'payload': 2}", "name": "New"})
        self.assertFalse(endpoint.registry_sync)
        self.assertNotIn("default", registry.cache_invalidated)
        self.assertIs(endpoint._get_runtime(), before, "the live runtime stays")
        # A record no sync published runs its own current values, compiled
        # for each direct call: editing it clears no cache of any process.
        draft = self._create_endpoint(
            sync=False, route="/test/draft", code_snippet="result = {}"
        )
        draft_runtime = draft._get_runtime()
        draft.code_snippet = "result = {'payload': 3}"
        self.assertFalse(registry.cache_invalidated)
        self.assertNotEqual(draft._get_runtime().code, draft_runtime.code)
        # And a direct lookup by route finds records created since.
        self.assertEqual(
            self.env["endpoint.endpoint"]._find_endpoint(draft.route), draft
        )
        self.assertFalse(
            self.env["endpoint.endpoint"]._find_endpoint("/test/created/later")
        )
        later = self._create_endpoint(sync=False, route="/test/created/later")
        self.assertEqual(
            self.env["endpoint.endpoint"]._find_endpoint("/test/created/later"), later
        )


@tagged("post_install", "-at_install")
class TestEndpointHostileRoutes(EndpointHttpCase):
    def test_trailing_slash_same_route(self):
        endpoint = self._create_endpoint(
            route="/endpoint_test/h2b/slash/",
            auth_type="public",
            exec_as_user_id=self.env.ref("base.user_demo").id,
        )
        self.assertEqual(endpoint.route, "/endpoint_test/h2b/slash")
        for path in ("/endpoint_test/h2b/slash", "/endpoint_test/h2b/slash/"):
            response = self._call(path)
            self.assertEqual(response.status_code, 200, path)
            self.assertEqual(response.json(), {"ok": True}, path)
        endpoint.route = "/endpoint_test/h2b/other///"
        self.assertEqual(endpoint.route, "/endpoint_test/h2b/other")

    def test_trailing_slash_duplicate_refused(self):
        self._create_endpoint(sync=False, route="/endpoint_test/h2b/dup")
        with (
            self.assertRaises(Exception) as caught,
            mute_logger("odoo.sql_db"),
            self.env.cr.savepoint(),
        ):
            self._create_endpoint(sync=False, route="/endpoint_test/h2b/dup/")
        self.assertIn("route", str(caught.exception).lower())

    def test_routes_served_by_odoo_refused(self):
        for route in (
            "/web/login",
            "/web/login/",
            "/odoo",
            "/odoo/action-base.action_res_users",
            "/web/session/authenticate",
            "/json/2/res.partner/search_read",
            "/jsonrpc",
            "/xmlrpc/2/object",
            "/web",
            "/",
        ):
            with self.assertRaises(UserError, msg=route) as caught:
                self._create_endpoint(sync=False, route=route)
            self.assertIn("route", str(caught.exception).lower(), route)

    def test_route_change_to_an_odoo_route_refused(self):
        endpoint = self._create_endpoint(sync=False, route="/endpoint_test/h2b/mine")
        with self.assertRaises(UserError):
            endpoint.route = "/web/login"
        self.assertEqual(endpoint.route, "/endpoint_test/h2b/mine")

    def test_routes_near_odoo_ones_allowed(self):
        for route in (
            "/api/web/login",
            "/web-login",
            "/webhooks/h2b",
            "/jsonapi/h2b",
            "/odoo_h2b/status",
        ):
            endpoint = self._create_endpoint(sync=False, route=route)
            self.assertEqual(endpoint.route, route)

    def test_every_other_method_405_with_allow(self):
        self._create_endpoint(
            route="/endpoint_test/h2b/methods",
            auth_type="public",
            exec_as_user_id=self.env.ref("base.user_demo").id,
            request_method="DELETE",
            cors=False,
        )
        for method in ("GET", "HEAD", "POST", "PUT", "PATCH", "OPTIONS", "PROPFIND"):
            response = self._call("/endpoint_test/h2b/methods", method)
            self.assertEqual(response.status_code, 405, method)
            self.assertEqual(response.headers["Allow"], "DELETE", method)
        response = self._call("/endpoint_test/h2b/methods", "DELETE")
        self.assertEqual(response.status_code, 200)


@tagged("post_install", "-at_install")
class TestEndpointHostileResync(EndpointHttpCase):
    """Edits and syncs between requests: old or new answer, never an error."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.endpoint = cls._create_endpoint(
            route="/endpoint_test/h2b/version",
            auth_type="public",
            exec_as_user_id=cls.env.ref("base.user_demo").id,
            code_snippet="result = {'payload': 0}",
        )

    def _version(self):
        response = self._call("/endpoint_test/h2b/version")
        self.assertEqual(response.status_code, 200, response.text)
        return response.json()

    def test_edit_served_after_sync_only(self):
        self.assertEqual(self._version(), 0)
        for version in range(1, 6):
            self.endpoint.code_snippet = f"result = {{'payload': {version}}}"
            self.assertFalse(self.endpoint.registry_sync)
            # Not synced yet: the route keeps its previous behaviour.
            self.assertEqual(self._version(), version - 1)
            self._sync(self.endpoint)
            self.assertEqual(self._version(), version)

    def test_broken_edit_never_served(self):
        # A change to the route fields that is not synced changes nothing.
        self.endpoint.write(
            {"request_method": "POST", "request_content_type": "application/json"}
        )
        self.assertEqual(self._version(), 0)
        self._sync(self.endpoint)
        response = self._call("/endpoint_test/h2b/version")
        self.assertEqual(response.status_code, 405)

    def test_route_renamed_old_404_new_200(self):
        self.endpoint.route = "/endpoint_test/h2b/renamed"
        self.assertEqual(self._version(), 0)
        self._sync(self.endpoint)
        self.assertEqual(self._call("/endpoint_test/h2b/version").status_code, 404)
        self.assertEqual(self._call("/endpoint_test/h2b/renamed").status_code, 200)

    def test_registry_rows_follow_records(self):
        Endpoint = self.env["endpoint.endpoint"]
        endpoints = self.endpoint
        for index in range(4):
            endpoints |= self._create_endpoint(
                sync=False,
                route=f"/endpoint_test/h2b/many/{index}",
                auth_type="public",
                exec_as_user_id=self.env.ref("base.user_demo").id,
            )
        admin_env = self.env(user=self.env.ref("base.user_admin"))
        # Two sessions (superuser and admin) edit and sync the same records,
        # one after the other, in overlapping batches.
        self._sync(endpoints[:3])
        endpoints[1:].with_env(admin_env).write({"route_group": "h2b"})
        self._sync(endpoints[2:].with_env(admin_env))
        endpoints[1].active = False
        self._sync(endpoints[:2])
        endpoints[3].route = "/endpoint_test/h2b/many/moved"
        self._sync(endpoints)
        endpoints[4].unlink()
        self._sync(endpoints.exists())
        self.env.flush_all()

        keys = {f"endpoint.endpoint:{id_}" for id_ in endpoints.ids}
        rows = {
            rule.key: rule.route
            for rule in EndpointRegistry.registry_for(self.env.cr).get_rules()
            if rule.key in keys and not rule.routing.get("endpoint_archived")
        }
        records = Endpoint.with_context(active_test=False).browse(endpoints.ids)
        expected = {
            f"endpoint.endpoint:{rec.id}": rec.route
            for rec in records.exists()
            if rec.active
        }
        self.assertTrue(all(records.exists().mapped("registry_sync")))
        self.assertEqual(rows, expected)
        for rec in endpoints.exists():
            response = self._call(rec.route)
            self.assertEqual(
                response.status_code, 200 if rec.active else 404, rec.route
            )
        self.assertEqual(self._call("/endpoint_test/h2b/many/3").status_code, 404)
        self.assertEqual(json.loads(self._call(endpoints[0].route).text), 0)


@tagged("post_install", "-at_install")
class TestEndpointPublishInTests(EndpointHttpCase):
    """Inside a test, a sync publishes at once: no commit ever comes."""

    def _public_vals(self, route, answer):
        return self._endpoint_vals(
            route=route,
            auth_type="public",
            exec_as_user_id=self.env.ref("base.user_admin").id,
            code_snippet=f"result = {{'payload': {answer!r}}}",
        )

    def _get(self, route):
        self.opener.cookies.clear()
        return self.url_open(route)

    def test_a_record_created_in_sync_is_served(self):
        self.env["endpoint.endpoint"].create(
            {**self._public_vals("/test/in-test/new", "new"), "registry_sync": True}
        )
        response = self._get("/test/in-test/new")
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json(), "new")

    def test_an_edit_asking_to_publish_is_served(self):
        endpoint = self.publish_endpoints(
            self.env["endpoint.endpoint"].create(
                self._public_vals("/test/in-test/edit", "old")
            )
        )
        self.assertEqual(self._get("/test/in-test/edit").json(), "old")
        endpoint.write(
            {"code_snippet": "result = {'payload': 'new'}", "registry_sync": True}
        )
        self.assertEqual(self._get("/test/in-test/edit").json(), "new")
        # An edit that does not ask to publish waits for a sync, as outside.
        endpoint.write({"code_snippet": "result = {'payload': 'later'}"})
        self.assertEqual(self._get("/test/in-test/edit").json(), "new")

    def test_xml_data_loaded_in_a_test_is_served(self):
        xml = """<odoo>
            <record id="in_test_from_xml" model="endpoint.endpoint">
                <field name="name">From XML</field>
                <field name="route">/test/in-test/xml</field>
                <field name="request_method">GET</field>
                <field name="auth_type">public</field>
                <field name="exec_as_user_id" ref="base.user_admin" />
                <field name="code_snippet">result = {"payload": "xml"}</field>
                <field name="registry_sync" eval="True" />
            </record>
        </odoo>"""
        data = io.BytesIO(xml.encode())
        data.name = "in_test_endpoints.xml"
        convert_xml_import(self.env, "endpoint", data)
        response = self._get("/test/in-test/xml")
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json(), "xml")

    def test_renamed_route_is_served_at_once_and_the_old_one_is_gone(self):
        endpoint = self.publish_endpoints(
            self.env["endpoint.endpoint"].create(
                self._public_vals("/test/in-test/before", "same")
            )
        )
        self.assertEqual(self._get("/test/in-test/before").status_code, 200)
        endpoint.write({"route": "/test/in-test/after", "registry_sync": True})
        self.assertEqual(self._get("/test/in-test/after").json(), "same")
        self.assertEqual(self._get("/test/in-test/before").status_code, 404)


@tagged("post_install", "-at_install")
class TestEndpointPublishWhen(EndpointRecordCase):
    """When a sync publishes: in the transaction while modules load (an
    install or an upgrade commits the records and their routes at once),
    once it commits otherwise."""

    def _create_in_sync(self, route):
        return self.env["endpoint.endpoint"].create(
            self._endpoint_vals(route=route, registry_sync=True)
        )

    def _pending_syncs(self):
        return [
            func
            for func in self.env.cr.postcommit._funcs
            if getattr(getattr(func, "func", None), "__name__", "")
            == "_handle_registry_sync_post_commit"
        ]

    def test_while_modules_load_it_publishes_in_the_transaction(self):
        with (
            patch.object(odoo_module, "current_test", None),
            patch.object(self.env.registry, "ready", False),
        ):
            endpoint = self._create_in_sync("/test/when/loading")
            self.assertEqual(self._route_row(endpoint), "/test/when/loading")
            self.assertFalse(self._pending_syncs())

    def test_an_upgrade_renaming_a_route_signals_workers_in_its_transaction(self):
        # What -u does to a module's XML endpoint: the new route and the
        # signal that makes workers drop their routing map commit together,
        # so no worker serves neither route, nor the old one past the commit.
        endpoint = self._create_endpoint(route="/test/when/old")
        signals = self._routing_signals()
        with (
            patch.object(odoo_module, "current_test", None),
            patch.object(self.env.registry, "ready", False),
        ):
            endpoint.write({"route": "/test/when/new", "registry_sync": True})
            self.assertEqual(self._route_row(endpoint), "/test/when/new")
            self.assertFalse(self._pending_syncs())
        self.assertEqual(self._routing_signals(), signals, "signaled at commit")
        # What a commit runs first: the triggers deferred to it.
        self.env.cr.execute("SET CONSTRAINTS ALL IMMEDIATE")
        self.env.cr.execute("SET CONSTRAINTS ALL DEFERRED")
        self.assertEqual(self._routing_signals(), signals + 1)

    def _routing_signals(self):
        """The signals of the cache that holds the endpoints' route table."""
        self.env.cr.execute("SELECT count(*) FROM orm_signaling_default")
        return self.env.cr.fetchone()[0]

    def test_otherwise_it_publishes_once_the_transaction_commits(self):
        with patch.object(odoo_module, "current_test", None):
            endpoint = self._create_in_sync("/test/when/commit")
            self.assertIsNone(self._route_row(endpoint))
            self.assertEqual(len(self._pending_syncs()), 1)
