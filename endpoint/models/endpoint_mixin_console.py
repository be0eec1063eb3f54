# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Run an endpoint from its form: the draft as a dry run, or the live version.

The request goes through the same hooks as an HTTP call (``_validate_request``,
``_handle_request``, the controller's ``_handle_result``, ``_error_response``),
in this process, with the user the endpoint's auth type would give.
"""

import time
from urllib.parse import urlsplit

from werkzeug.routing import Map, RequestRedirect, Rule
from werkzeug.test import EnvironBuilder

from odoo import exceptions, http, models

from ..controllers.main import EndpointControllerMixin
from ..tools import console as console_tools
from ..tools import runtime as runtime_tools


class DryRunCommit(exceptions.UserError):
    """A dry run tried to commit."""


# One concern per file: the record, publishing, serving, OpenAPI, console.
class EndpointMixinConsole(models.AbstractModel):
    _inherit = "endpoint.mixin"  # pylint: disable=consider-merging-classes-inherited

    def _console_user(self, user=None):
        """The user a console call authenticates as: the public user for a
        public endpoint, else ``user`` (default: the admin at the console).
        Auth types checking credentials (API keys) are not checked here."""
        self.ensure_one()
        if self.auth_type == "public":
            return self.env.ref("base.public_user")
        return user or self.env.user

    def _console_call(
        self,
        method,
        path,
        query_string="",
        headers=(),
        body=b"",
        dry_run=True,
        user=None,
    ):
        """Call this endpoint as a client would, from the console.

        ``dry_run`` runs the record's current values and rolls back every
        database write at the end; otherwise the published version runs and
        its writes stay, as a real call's would. Returns a dict: ``status``,
        ``headers`` (pairs), ``body`` (bytes), ``content_type``,
        ``duration_ms`` and ``log`` (the ``log()`` lines).
        """
        self.ensure_one()
        if not self.env.user._is_system():
            raise exceptions.AccessError(
                self.env._("The test console is for Settings administrators.")
            )
        values = self._runtime_values() if dry_run else self._synced_runtime_values()
        user = self._console_user(user)
        env = self.env(user=user.id, su=False)
        endpoint = env[self._name].sudo().browse(self.id)
        environ = EnvironBuilder(
            path=path or self.route,
            method=method,
            query_string=query_string or None,
            headers=list(headers),
            data=body or None,
        ).get_environ()
        req = http.Request(http.HTTPRequest(environ))
        req.env, req.registry, req.db = env, env.registry, env.cr.dbname
        req.params = dict(req.httprequest.args)
        state = runtime_tools.request_state(req, create=True)
        state.routing = {
            runtime_tools.ROUTING_MODEL: self._name,
            runtime_tools.ROUTING_RECORD: self.id,
            runtime_tools.ROUTING_RUNTIME: values,
            "routes": self._console_routes(dry_run),
        }
        capture = console_tools.Capture(dry_run=dry_run)
        token = console_tools.CAPTURE.set(capture)
        cr = self.env.cr
        savepoint = cr.savepoint()
        # The cursor's own commit, when something (a test) replaced it.
        own_commit = cr.__dict__.get("commit")
        if dry_run:
            # Whatever the snippet does, a dry run never commits.
            cr.commit = self._console_refuse_commit
        http._request_stack.push(req)
        start = time.perf_counter()
        try:
            try:
                # As Odoo's routing would: the path must match one of the
                # routes, and its placeholders give the path parameters.
                state.path_args = self._console_match(
                    state.routing["routes"], req.httprequest.path
                )
                # Built here, not cached: a draft is no published version.
                state.runtime = endpoint._build_runtime(values)
                endpoint._validate_request(req)
                result = endpoint._handle_request(req)
                response = EndpointControllerMixin()._handle_result(result)
                failed = False
            except Exception as exc:  # noqa: BLE001 # every error gets an answer
                savepoint.rollback()
                response = endpoint._error_response(exc)
                failed = True
            duration = (time.perf_counter() - start) * 1000
            savepoint.close(rollback=dry_run or failed)
        finally:
            http._request_stack.pop()
            console_tools.CAPTURE.reset(token)
            if dry_run and own_commit is not None:
                cr.commit = own_commit
            elif dry_run:
                del cr.commit
        if dry_run:
            self.env.invalidate_all()
        return {
            "status": response.status_code,
            "headers": list(response.headers.items()),
            "body": response.get_data(),
            "content_type": response.headers.get("Content-Type", ""),
            "duration_ms": duration,
            "log": capture.lines,
        }

    def _console_routes(self, dry_run):
        """The routes a console call matches: the record's own for a dry
        run, the published ones for the live version."""
        if dry_run:
            return self._endpoint_routes()
        key = self._endpoint_registry_unique_key()
        rule = next(iter(self._endpoint_registry.get_rules(keys=[key])), None)
        return list(rule.routing["routes"]) if rule else self._endpoint_routes()

    def _console_match(self, routes, path):
        """The converted path parameters of ``path`` on one of ``routes``;
        a 404 when it matches none, as a client would get."""
        converters = self.env["ir.http"]._get_converters()
        rules = Map(
            [Rule(route, endpoint=route) for route in routes],
            converters=converters,
            strict_slashes=False,
        )
        try:
            _route, args = rules.bind("localhost").match(path, method=None)
        except RequestRedirect as exc:  # "/x/" for "/x": follow it
            _route, args = rules.bind("localhost").match(
                urlsplit(exc.new_url).path, method=None
            )
        return args

    def _console_refuse_commit(self):
        raise DryRunCommit(self.env._("A dry run cannot commit."))

    def _code_snippet_log(self, message, level="info"):
        # From the console, the lines are shown; in a dry run they are only
        # shown: log() writes in a transaction of its own, which would keep
        # them when the run is rolled back.
        capture = console_tools.CAPTURE.get()
        if capture is not None:
            capture.lines.append(f"{str(level or 'info').upper()}: {message}")
            if capture.dry_run:
                return None
        return super()._code_snippet_log(message, level=level)

    def action_open_console(self):
        """Open the test console on this endpoint."""
        return self._open_console()

    def _open_console(self, values=None):
        """Open the test console with ``values`` (method, path, ...) filled."""
        self.ensure_one()
        wizard = self.env["endpoint.console"].create(
            {"res_model": self._name, "res_id": self.id, **(values or {})}
        )
        return wizard._reopen()
