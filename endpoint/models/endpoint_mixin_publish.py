# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Publishing endpoints to the live routes, and the runtimes built from them.

A record's edits reach HTTP clients only through a sync ("Sync registry"),
which writes the route handler's rule with the record's values as of then;
requests run from those published values, compiled once per sync.
"""

from odoo import api, http, models
from odoo.modules import module as odoo_module

from odoo.addons.endpoint_route_handler.models.endpoint_route_sync_mixin import (
    EndpointRouteSyncMixin,
)
from odoo.addons.endpoint_route_handler.registry import EndpointRegistry

from ..tools import runtime as runtime_tools
from ..tools import snippet
from .ir_http import ROUTE_TABLE_CACHE

CONTROLLER_PATH = "odoo.addons.endpoint.controllers.main.EndpointController"
# Fields whose change reaches the live route only through "Sync registry".
RUNTIME_FIELDS = (
    "exec_mode",
    "code_snippet",
    "exec_as_user_id",
    "request_content_type",
    "request_content_schema",
    "request_max_body_size",
    "cors",
    "csrf",
    "readonly",
    "route_group",
    "extra_routes",
    "extra_methods",
    "request_params_schema",
)

# Any change of the route table, whatever makes it, tells every Odoo process
# to drop what it built from it, through Odoo's own signaling, which every
# request checks anyway: reading the routes' version costs no query. An
# endpoint's row signals the default ORM cache, which holds the endpoints'
# route table; any other row (another model built on the route handler)
# signals the routing caches, which hold Odoo's routing map. Each fires once
# per transaction, at its commit: a signal written earlier could get a lower
# number than one committed meanwhile, and be missed.
ROUTE_SIGNAL_SQL = """
DROP TRIGGER IF EXISTS endpoint_route_signal_routing ON endpoint_route;
CREATE OR REPLACE FUNCTION endpoint_route_signal_cache(cache text) RETURNS void AS $$
BEGIN
    IF current_setting('endpoint.route_signal_' || cache, true)
            IS DISTINCT FROM txid_current()::text
       -- Created with the registry; a database being set up may have none.
       AND to_regclass('orm_signaling_' || cache) IS NOT NULL THEN
        EXECUTE format('INSERT INTO %I DEFAULT VALUES', 'orm_signaling_' || cache);
        PERFORM set_config(
            'endpoint.route_signal_' || cache, txid_current()::text, true);
    END IF;
END;
$$ LANGUAGE plpgsql;
CREATE OR REPLACE FUNCTION endpoint_route_signal() RETURNS trigger AS $$
DECLARE
    routing text;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        PERFORM endpoint_route_signal_cache('default');
        PERFORM endpoint_route_signal_cache('routing');
        RETURN NULL;
    END IF;
    routing := CASE WHEN TG_OP = 'DELETE' THEN OLD.routing ELSE NEW.routing END;
    IF routing LIKE '%"endpoint_runtime"%' THEN
        PERFORM endpoint_route_signal_cache('default');
    ELSE
        PERFORM endpoint_route_signal_cache('routing');
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS endpoint_route_signal ON endpoint_route;
CREATE CONSTRAINT TRIGGER endpoint_route_signal
    AFTER INSERT OR UPDATE OR DELETE ON endpoint_route
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION endpoint_route_signal();
DROP TRIGGER IF EXISTS endpoint_route_signal_truncate ON endpoint_route;
CREATE TRIGGER endpoint_route_signal_truncate
    AFTER TRUNCATE ON endpoint_route
    FOR EACH STATEMENT EXECUTE FUNCTION endpoint_route_signal();
"""


ROUTE_SIGNAL_DROP_SQL = """
DROP TRIGGER IF EXISTS endpoint_route_signal ON endpoint_route;
DROP TRIGGER IF EXISTS endpoint_route_signal_truncate ON endpoint_route;
DROP FUNCTION IF EXISTS endpoint_route_signal();
DROP FUNCTION IF EXISTS endpoint_route_signal_cache(text);
"""


# One concern per file: the record, publishing, serving, OpenAPI.
class EndpointMixinPublish(models.AbstractModel):
    _inherit = "endpoint.mixin"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------------
    # Routing (endpoint_route_handler hooks)
    # ------------------------------------------------------------------

    def init(self):
        res = super().init()
        EndpointRegistry._setup_db(self.env.cr)
        self.env.cr.execute(ROUTE_SIGNAL_SQL)
        return res

    def _routing_impacting_fields(self):
        return tuple(super()._routing_impacting_fields()) + RUNTIME_FIELDS

    def _clean_route(self):
        route = super()._clean_route()
        # Odoo's routing map ignores a trailing slash: "/x/" is "/x".
        if len(route) > 1:
            route = route.rstrip("/") or "/"
        return route

    def _make_controller_rule(self, options=None, key=None):
        rule = super()._make_controller_rule(options=options, key=key)
        # An empty route group is False: in the route handler's bulk UPDATE a
        # first row holding False types the column as boolean and a later
        # row's text fails the whole sync. NULL types nothing.
        rule.route_group = rule.route_group or None
        # What requests run, as of this sync (later edits wait for the next),
        # goes with the handler's options: every worker keeps the routing of
        # every endpoint, and reads these values only when one is called.
        rule.opts = {**rule.opts, runtime_tools.ROUTING_RUNTIME: self._runtime_values()}
        return rule

    def _default_endpoint_options_handler(self):
        return {
            "klass_dotted_path": CONTROLLER_PATH,
            "method_name": "auto_endpoint",
            "default_pargs": (self._name, self.route),
        }

    # Endpoint routes are not in Odoo's routing map: their changes leave it
    # alone (the route handler would have every worker rebuild it).

    def _register_controllers(self, init=False, options=None, clear_cache=True):
        res = super()._register_controllers(
            init=init, options=options, clear_cache=False
        )
        self._announce_route_change()
        return res

    def _unregister_controllers(self, clear_cache=True):
        res = super()._unregister_controllers(clear_cache=False)
        self._announce_route_change()
        return res

    def _announce_route_change(self):
        """Make this process drop its live routes at once, and the others once
        the sync is committed.

        Other processes and servers learn of it from the route table itself:
        a trigger signals the cache holding the endpoints' route table as the
        transaction that changes it commits, whoever commits it (a shell, a
        script, a module install). Signaling once more after the commit
        narrows the window in which another thread of a threaded server, its
        routes read before the commit, keeps them past the signal.
        """
        if not self:
            return
        registry = self.env.registry
        registry.clear_cache(ROUTE_TABLE_CACHE)
        cr = self.env.cr
        if cr.postcommit.data.get("endpoint.route_signal"):
            return
        cr.postcommit.data["endpoint.route_signal"] = True

        def announce():
            if registry.ready:  # while modules load, the trigger signals at commit
                registry.clear_cache(ROUTE_TABLE_CACHE)
                registry.signal_changes()

        cr.postcommit.add(announce)

    def _get_routing_info(self):
        route, routing, endpoint_hash = super()._get_routing_info()
        # Marks an endpoint's route; its runtime values are in the options.
        routing[runtime_tools.ROUTING_RUNTIME] = {}
        # Which record the route serves, read back when a request matches it.
        routing[runtime_tools.ROUTING_MODEL] = self._name
        routing[runtime_tools.ROUTING_RECORD] = self.id
        routing[runtime_tools.ROUTING_ARCHIVED] = not self.active
        # The method is checked by the endpoint itself, after authentication,
        # so that a wrong method answers 405 with an Allow header.
        routing["methods"] = None
        routing[runtime_tools.ROUTING_METHODS] = runtime_tools.allowed_methods(
            self._endpoint_methods()
        )
        routing["routes"] = self._endpoint_routes()
        # An API answer needs no session cookie; callers keep theirs.
        routing["save_session"] = False
        return route, routing, endpoint_hash

    # ------------------------------------------------------------------
    # Syncs
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        # New ids have no cached runtime: no cache to clear.
        records = super().create(vals_list)
        # Records created "in sync" (e.g. from XML data) are published once
        # the transaction commits, like a write of registry_sync would.
        to_sync = records.filtered("registry_sync")
        if to_sync:
            to_sync._add_after_commit_hook(to_sync.ids)
        return records

    def write(self, vals):
        # The route handler marks any routing edit out of sync, even one that
        # asks to be published (XML data updated by a module upgrade).
        publish = vals.get("registry_sync") and any(
            field in vals for field in (*self._routing_impacting_fields(), "active")
        )
        # `active` is a switch, not an edit: the route handler would mark
        # the records out of sync; those in sync with a published rule stay
        # so (a record with none has nothing to switch: it waits for a sync).
        switch = "active" in vals
        stay_in_sync = self.browse()
        if switch and not any(f in vals for f in self._routing_impacting_fields()):
            published = self._published_keys()
            stay_in_sync = self.filtered(
                lambda r: (
                    r.registry_sync and r._endpoint_registry_unique_key() in published
                )
            )
        res = super().write(vals)
        if publish:
            super().write({"registry_sync": True})
        elif stay_in_sync:
            # Below the route handler's write, which would sync them again.
            super(EndpointRouteSyncMixin, stay_in_sync).write({"registry_sync": True})
        if switch:
            self._switch_routes()
        return res

    def _switch_routes(self):
        """Take the published routes of archived records off the air, and put
        those of active records back, as they were last published."""
        by_key = {rec._endpoint_registry_unique_key(): rec for rec in self}
        flag = runtime_tools.ROUTING_ARCHIVED
        switched = []
        for rule in self._endpoint_registry.get_rules(keys=list(by_key)):
            archived = not by_key[rule.key].active
            if bool(rule.routing.get(flag)) != archived:
                rule.routing = {**rule.routing, flag: archived}
                switched.append(rule)
        if switched:
            self._endpoint_registry.update_rules(switched)
            self._announce_route_change()

    @api.model
    def _add_after_commit_hook(self, record_ids):
        # The route handler publishes once the transaction commits, so that
        # an admin's edits go live together. Two transactions must publish
        # in their own course instead: a module's install or upgrade, which
        # then commits each record and its route at once (an upgrade
        # renaming a route leaves no moment where neither answers), and a
        # test, which never commits.
        if self._publishes_in_transaction():
            self.browse(record_ids)._handle_registry_sync(record_ids)
            return
        super()._add_after_commit_hook(record_ids)

    @api.model
    def _publishes_in_transaction(self):
        """Tell whether a sync asked now publishes at once, in the current
        transaction, rather than once it commits."""
        return not self.env.registry.ready or bool(odoo_module.current_test)

    def _handle_registry_sync(self, record_ids=None):
        # The route handler drops the rules of archived records; here they
        # are published too, off the air, so that unarchiving puts back what
        # the last sync published.
        records = self.browse(record_ids or self.ids).exists()
        records._register_controllers(clear_cache=False)

    def _published_keys(self):
        """The registry keys of these records that a sync published."""
        if not self:
            return set()
        keys = [rec._endpoint_registry_unique_key() for rec in self]
        return {rule.key for rule in self._endpoint_registry.get_rules(keys=keys)}

    def action_sync_registry(self):
        """Publish the records' current state to the live routes, and say so."""
        self.write({"registry_sync": True})
        routes = ", ".join(self.mapped("route"))
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "title": self.env._("Registry synced"),
                "message": self.env._("Published: %(routes)s", routes=routes),
                # Reload the view, so that the out-of-sync warning goes.
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    # ------------------------------------------------------------------
    # Runtime: what a request uses, compiled once per sync
    # ------------------------------------------------------------------

    @api.model
    def _find_endpoint(self, endpoint_route):
        """Return the endpoint record serving ``endpoint_route`` (or empty)."""
        state = runtime_tools.request_state(http.request)
        record_id = state and state.record_for_route(self._name, endpoint_route)
        if record_id is None:
            # Outside HTTP (or a route published before its rule named its
            # record): the synced rule serving the route.
            record_id = self._endpoint_id_for_route(endpoint_route)
        if record_id is None:
            # Not published: only direct calls get here (HTTP requests reach
            # synced routes).
            return (
                self.sudo()
                .with_context(active_test=False)
                .search([("route", "=", endpoint_route)], limit=1)
            ).with_env(self.env)
        return self.browse(record_id)

    @api.model
    def _endpoint_id_for_route(self, endpoint_route):
        # The synced rule serving the route, even when the record's route was
        # edited since. Not cached: HTTP requests know their record already.
        self.env.cr.execute(
            "SELECT key FROM endpoint_route WHERE route = %s", (endpoint_route,)
        )
        prefix = f"{self._name}:"
        for (key,) in self.env.cr.fetchall():
            if key.startswith(prefix):
                return int(key[len(prefix) :])
        return None

    def _get_runtime(self):
        """The compiled runtime this record serves requests with."""
        # Read by every step of a request: the request's own endpoint's is
        # kept on the request once found.
        state = runtime_tools.request_state(http.request)
        if state is not None and state.serves(self._name, self.id):
            runtime = state.runtime
            if runtime is None:
                runtime = state.runtime = self._published_runtime()
            return runtime
        self.ensure_one()
        return self._published_runtime()

    def _published_runtime(self):
        """The runtime of the last sync, compiled once and kept with the live
        route table (a sync drops both); a record no sync published runs its
        own current values, compiled anew."""
        runtimes = self.env["ir.http"]._endpoint_route_table().runtimes
        key = self._endpoint_registry_unique_key()
        runtime = runtimes.get(key)
        if runtime is None:
            rec = self.sudo()
            values = rec._published_runtime_values()
            if values is None:
                return rec._build_runtime(rec._runtime_values())
            runtime = runtimes[key] = rec._build_runtime(values)
        return runtime

    def _runtime_values(self):
        """The record's values a request uses, published by a sync.

        An exec mode reading more fields adds them here, and reads them back
        with ``_synced_runtime_values()``.
        """
        self.ensure_one()
        return {
            "exec_mode": self.exec_mode,
            "request_method": self.request_method,
            "request_content_type": self.request_content_type or False,
            "request_content_schema": self.request_content_schema or False,
            "code_snippet": self.code_snippet or False,
            "exec_as_user_id": self.exec_as_user_id.id or None,
            "request_max_body_size": self.request_max_body_size or 0,
            "extra_methods": self._endpoint_methods()[1:],
            "request_params_schema": self.request_params_schema or False,
        }

    def _synced_runtime_values(self):
        """The runtime values of the last sync; the record's own if never synced."""
        self.ensure_one()
        values = self._published_runtime_values()
        return values if values is not None else self._runtime_values()

    def _published_runtime_values(self):
        """The runtime values the last sync published, or None."""
        self.ensure_one()
        return self._published_runtime_values_by_id().get(self.id)

    def _published_runtime_values_by_id(self):
        """{record id: the runtime values the last sync published} of these
        records (those with none are left out), in one query."""
        if not self:
            return {}
        keys = {rec._endpoint_registry_unique_key(): rec.id for rec in self}
        # Published with the options; in the routing by older versions.
        self.env.cr.execute(
            """
            SELECT key, coalesce(opts::jsonb -> %(runtime)s,
                                 routing::jsonb -> %(runtime)s)
              FROM endpoint_route
             WHERE key IN %(keys)s
            """,
            {"runtime": runtime_tools.ROUTING_RUNTIME, "keys": tuple(keys)},
        )
        return {keys[key]: values for key, values in self.env.cr.fetchall() if values}

    def _build_runtime(self, values):
        self.ensure_one()
        return runtime_tools.build_runtime(self.id, values, snippet.compile_snippet)
