# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Who may call an endpoint, how often, how many at once, for how long.

Published by Sync registry like the code. An endpoint with none of these
settings has no ``limits`` in its runtime: the controller checks that one
attribute and serves it as before. The time limit applies to every snippet
(a default for all, from a system parameter) and costs no query: the
watchdog of ``tools.limits`` stops a snippet in its thread and cancels its
running SQL statement.

The counts of calls and the concurrency slots are kept by PostgreSQL, so
that they hold across the workers and servers of one database: a call of a
rate-limited endpoint runs one ``INSERT ... ON CONFLICT ... RETURNING`` on a
short autocommit connection (a rolled-back request still counts, and no row
stays locked while the request runs); a call of an endpoint with a cap on
concurrent calls holds a session advisory lock on a connection of its own
for its duration.
"""

import contextlib

import werkzeug.exceptions

from odoo import api, exceptions, fields, models, sql_db

from ..exceptions import LimitError
from ..tools import limits as limits_tools
from ..tools import openapi, snippet

TIME_LIMIT_PARAM = "endpoint.time_limit"
# Seconds a snippet may run when neither the endpoint nor the system
# parameter says otherwise: well below Odoo's own limits (60 s of CPU, 120 s
# of real time in a prefork worker; none in a threaded server), so that the
# client gets a 504 and the worker its freedom back first.
DEFAULT_TIME_LIMIT = 30.0
LIMIT_FIELDS = (
    "allowed_group_ids",
    "allowed_addresses",
    "rate_limit_count",
    "rate_limit_period",
    "rate_limit_scope",
    "time_limit",
    "max_concurrent",
)


# One concern per file: the record, publishing, serving, limits, OpenAPI.
class EndpointMixinLimits(models.AbstractModel):
    _inherit = "endpoint.mixin"  # pylint: disable=consider-merging-classes-inherited

    allowed_group_ids = fields.Many2many(
        comodel_name="res.groups",
        string="Allowed groups",
        help="Only users of these groups may call the endpoint; others get "
        "403. Empty: anyone the auth type lets in. Not used by public "
        "endpoints.",
    )
    allowed_addresses = fields.Text(
        string="Allowed client addresses",
        help="IP addresses and CIDR ranges (192.0.2.0/24, 2001:db8::/32), "
        "separated by commas, spaces or lines; other clients get 403. "
        "Behind a proxy, the address it forwards (with proxy_mode on). "
        "Empty: any address.",
    )
    rate_limit_count = fields.Integer(
        string="Rate limit",
        help="At most this many calls per period; the next ones get 429 "
        "with Retry-After until the period ends. 0: no limit.",
    )
    rate_limit_period = fields.Integer(
        string="Per (seconds)",
        default=60,
        help="The period of the rate limit, in seconds.",
    )
    rate_limit_scope = fields.Selection(
        selection=[
            ("client", "Each client"),
            ("endpoint", "All clients together"),
        ],
        string="Counted for",
        default="client",
        required=True,
        help="Each client: the user for authenticated calls, the client "
        "address for anonymous calls of a public endpoint.",
    )
    time_limit = fields.Float(
        string="Time limit (seconds)",
        help="A snippet running longer is stopped, its changes undone and "
        "the client answered 504. 0: the system parameter "
        "endpoint.time_limit (30 seconds when it is not set).",
    )
    max_concurrent = fields.Integer(
        string="Max concurrent calls",
        help="At most this many calls of the endpoint at a time, over all "
        "workers and servers; the next get 503 with Retry-After. 0: no cap.",
    )

    @api.constrains(*LIMIT_FIELDS)
    def _check_limits(self):
        for rec in self:
            try:
                limits_tools.parse_networks(rec.allowed_addresses)
            except ValueError as exc:
                raise exceptions.ValidationError(
                    self.env._(
                        "%(entry)s is neither an IP address nor a CIDR range "
                        "(192.0.2.0/24).",
                        entry=exc.args[0],
                    )
                ) from None
            if rec.rate_limit_count < 0 or rec.rate_limit_period < 1:
                raise exceptions.ValidationError(
                    self.env._(
                        "A rate limit is a number of calls (0 for none) per a "
                        "period of at least one second."
                    )
                )
            if rec.time_limit < 0:
                raise exceptions.ValidationError(
                    self.env._("The time limit cannot be negative.")
                )
            if not 0 <= rec.max_concurrent <= limits_tools.MAX_CONCURRENT:
                raise exceptions.ValidationError(
                    self.env._(
                        "Max concurrent calls must be between 0 (no cap) and %(max)s.",
                        max=limits_tools.MAX_CONCURRENT,
                    )
                )

    def _routing_impacting_fields(self):
        return (*super()._routing_impacting_fields(), *LIMIT_FIELDS)

    def _runtime_values(self):
        values = super()._runtime_values()
        values.update(
            allowed_group_ids=self.allowed_group_ids.ids,
            auth_type=self.auth_type,
            allowed_addresses=self.allowed_addresses or False,
            rate_limit_count=self.rate_limit_count,
            rate_limit_period=self.rate_limit_period,
            rate_limit_scope=self.rate_limit_scope,
            time_limit=self.time_limit,
            max_concurrent=self.max_concurrent,
        )
        return values

    def _openapi_operation(self, operation):
        operation = super()._openapi_operation(operation)
        values = {name: self[name] for name in LIMIT_FIELDS}
        values["allowed_group_ids"] = values["allowed_group_ids"].ids
        values["auth_type"] = self.auth_type
        time_limit = self.exec_mode == "code" and (
            self.time_limit or self._default_time_limit()
        )
        return openapi.add_limits(
            operation, limits_tools.build_limits(values), time_limit or None
        )

    def init(self):
        res = super().init()
        self.env.cr.execute(limits_tools.RATE_TABLE_SQL)
        return res

    # ------------------------------------------------------------------
    # Serving within the limits
    # ------------------------------------------------------------------

    @contextlib.contextmanager
    def _limited_call(self, request, limits):
        """Refuse the call when a limit says so (403, 429, 503); otherwise
        yield the headers its answer carries, holding its concurrency slot
        until the answer is built."""
        self._check_caller(request, limits)
        headers = []
        if limits.rate_count:
            headers = self._count_call(request, limits)
        if not limits.max_concurrent:
            yield headers
            return
        slot_cr, key = self._take_slot(request, limits, headers)
        try:
            yield headers
        finally:
            self._release_slot(slot_cr, key)

    def _check_caller(self, request, limits):
        """403 unless the caller is in an allowed group and at an allowed
        address."""
        if limits.networks and not limits_tools.address_allowed(
            request.httprequest.remote_addr, limits.networks
        ):
            self._refuse(
                request,
                LimitError(403, self.env._("Calls from your address are not allowed.")),
            )
        if limits.group_ids and not (
            limits.group_ids & set(request.env.user.sudo().all_group_ids.ids)
        ):
            self._refuse(
                request,
                LimitError(
                    403, self.env._("Your user is not allowed to call this endpoint.")
                ),
            )

    def _rate_client_key(self, request, limits):
        """Whose calls a call counts with: the user's for an authenticated
        call, the client address's for an anonymous one, everyone's."""
        if limits.rate_scope == "endpoint":
            return "*"
        user = request.env.user
        if user and not user._is_public():
            return f"user:{user.id}"
        return f"addr:{request.httprequest.remote_addr}"

    def _count_call(self, request, limits):
        """Count the call; return its ``RateLimit-*`` headers, or refuse it
        with 429 past the limit."""
        bucket = f"{self._name}:{self.id}:{self._rate_client_key(request, limits)}"
        key = (bucket, limits.rate_count, limits.rate_period)
        reset = limits_tools.EXHAUSTED.seconds_left(key)
        if reset is not None:
            # Refused already in this window by this process: refused again
            # without a query, so that a flood costs the database nothing.
            hits = limits.rate_count + 1
        else:
            with self._autocommit_cursor() as cr:
                cr.execute(
                    limits_tools.RATE_HIT_SQL,
                    {"bucket": bucket, "period": limits.rate_period},
                )
                hits, reset = cr.fetchone()
                if hits == 1:
                    cr.execute(limits_tools.RATE_CLEANUP_SQL)
            reset = float(reset)
        headers = limits_tools.rate_headers(
            limits.rate_count, hits, reset, limits.rate_period
        )
        if hits > limits.rate_count:
            limits_tools.EXHAUSTED.remember(key, reset)
            retry = headers[2][1]  # RateLimit-Reset: the seconds left
            self._refuse(
                request,
                LimitError(
                    429,
                    self.env._(
                        "Too many calls: at most %(count)s every %(period)s "
                        "seconds. Retry in %(retry)s seconds.",
                        count=limits.rate_count,
                        period=limits.rate_period,
                        retry=retry,
                    ),
                    headers=[*headers, ("Retry-After", retry)],
                ),
            )
        return headers

    def _take_slot(self, request, limits, headers):
        """Take one of the endpoint's concurrency slots, an advisory lock
        held by a connection of its own; refuse the call with 503 when all
        are taken."""
        base = limits_tools.slot_base(self._name, self.id)
        cr = self._open_autocommit_cursor()
        try:
            cr.execute(
                limits_tools.SLOT_ACQUIRE_SQL,
                {"slots": limits.max_concurrent, "base": base},
            )
            row = cr.fetchone()
        except Exception:
            self._close_autocommit_cursor(cr)
            raise
        if row is None:
            self._close_autocommit_cursor(cr)
            self._refuse(
                request,
                LimitError(
                    503,
                    self.env._(
                        "The endpoint is serving %(count)s calls already: "
                        "retry in a moment.",
                        count=limits.max_concurrent,
                    ),
                    headers=[*headers, ("Retry-After", "1")],
                ),
            )
        return cr, base + row[0]

    def _release_slot(self, cr, key):
        try:
            cr.execute(limits_tools.SLOT_RELEASE_SQL, (key,))
        except Exception:
            # The lock goes with the connection: never give it back.
            self._logger.exception("Endpoint %s: slot %s not released", self.id, key)
            cr._cnx.close()
        finally:
            self._close_autocommit_cursor(cr)

    def _open_autocommit_cursor(self):
        # A connection of the pool, outside the request's transaction (and
        # outside a test's, which shares one connection for everything).
        cr = sql_db.db_connect(self.env.cr.dbname).cursor()
        cr._cnx.autocommit = True
        return cr

    def _close_autocommit_cursor(self, cr):
        if not cr._cnx.closed:
            cr._cnx.autocommit = False
        cr.close()

    @contextlib.contextmanager
    def _autocommit_cursor(self):
        cr = self._open_autocommit_cursor()
        try:
            yield cr
        finally:
            self._close_autocommit_cursor(cr)

    def _refuse(self, request, exc):
        """Answer ``exc`` (a ``LimitError``) at once, logged like any
        answer when the endpoint logs its calls."""
        response = self._error_response(exc)
        self._log_call(request, response, exc)
        werkzeug.exceptions.abort(response)

    # ------------------------------------------------------------------
    # Time limit
    # ------------------------------------------------------------------

    def _time_limit(self):
        """The seconds the snippet may run: the endpoint's own limit, else
        the system parameter's, else ``DEFAULT_TIME_LIMIT``; 0: none."""
        return self._get_runtime().time_limit or self._default_time_limit()

    def _default_time_limit(self):
        """The time limit of endpoints without their own (seconds, 0: none)."""
        value = self.env["ir.config_parameter"].sudo().get_param(TIME_LIMIT_PARAM)
        try:
            return float(value) if value else DEFAULT_TIME_LIMIT
        except ValueError:
            self._logger.warning(
                "Ignoring %s=%r: not a number of seconds", TIME_LIMIT_PARAM, value
            )
            return DEFAULT_TIME_LIMIT

    def _run_snippet_timed(self, code, context):
        """Run the snippet within its time limit; past it, stop it (and its
        running SQL statement) and raise a 504 ``LimitError``."""
        seconds = self._time_limit()
        if not seconds:
            return snippet.run_snippet(code, context)
        watchdog = limits_tools.WATCHDOG
        guard = watchdog.start(seconds, _connection(self.env.cr).cancel)
        stopped = False
        try:
            try:
                namespace = snippet.run_snippet(code, context)
            finally:
                stopped = watchdog.stop(guard)
        except BaseException as exc:
            # Once stopped, whatever the snippet raised comes of the stop (a
            # cancelled statement, or an error a library made of it).
            if stopped or isinstance(exc, limits_tools.SnippetInterrupted):
                raise self._time_limit_error(context, seconds, exc) from None
            raise
        if stopped:
            raise self._time_limit_error(context, seconds, None)
        return namespace

    def _time_limit_error(self, context, seconds, exc):
        """The 504 of a stopped snippet, logged with where it stopped. Reads
        nothing from the database: its transaction may be aborted."""
        line = exc and limits_tools.stopped_line(exc, snippet.FILENAME)
        self._logger.warning(
            "Endpoint %s (%s, id %s) stopped after its time limit of %s s, "
            "at line %s of its snippet",
            self._log_route(context.get("request")),
            self._name,
            self.id,
            seconds,
            line or "?",
        )
        return LimitError(
            504,
            self.env._(
                "The endpoint did not answer within its time limit of "
                "%(seconds)s seconds.",
                seconds=f"{seconds:g}",
            ),
        )


def _connection(cr):
    """The psycopg2 connection under ``cr`` (a test cursor wraps a cursor)."""
    while not hasattr(cr, "_cnx"):
        cr = cr._cursor
    return cr._cnx
