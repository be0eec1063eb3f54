# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The call log: one entry per logged call of an endpoint, and its figures."""

import functools
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

from odoo.addons.rpc_helper.decorator import disable_rpc

RETENTION_PARAM = "endpoint.log_retention_days"
DEFAULT_RETENTION_DAYS = 30
# Rows deleted per transaction by the retention job: short locks, small WAL.
RETENTION_BATCH = 5000
# A call slower than this is "slow" for the search filter.
SLOW_MS = 1000
# The entry's own transaction waits this long at most for a row lock that the
# request's transaction (still open, on another connection) might hold.
WRITE_LOCK_TIMEOUT = "2s"

BODY_KINDS = [
    ("empty", "Empty"),
    ("text", "Text"),
    ("binary", "Binary (base64)"),
    ("too_large", "Too large, not read"),
    ("streamed", "Streamed, not kept"),
]


@disable_rpc()  # what clients sent and got back: never readable through RPC
class EndpointLog(models.Model):
    """A call of an endpoint, as the endpoint answered it."""

    _name = "endpoint.log"
    _description = "Endpoint call"
    _order = "id desc"
    _log_access = False  # written by SQL, in its own transaction

    create_date = fields.Datetime(string="Time", readonly=True, index=True)
    endpoint_id = fields.Many2one(
        comodel_name="endpoint.endpoint",
        ondelete="set null",
        readonly=True,
    )
    route = fields.Char(readonly=True)
    method = fields.Char(readonly=True)
    path = fields.Char(readonly=True)
    query_string = fields.Char(readonly=True)
    status = fields.Integer(readonly=True, aggregator=False)
    status_class = fields.Selection(
        selection=[
            ("1xx", "1xx"),
            ("2xx", "2xx Success"),
            ("3xx", "3xx Redirection"),
            ("4xx", "4xx Client error"),
            ("5xx", "5xx Server error"),
        ],
        readonly=True,
    )
    is_error = fields.Boolean(
        compute="_compute_is_error", search="_search_is_error", string="Error"
    )
    duration_ms = fields.Float(
        string="Duration (ms)",
        digits=(16, 1),
        readonly=True,
        aggregator="avg",
        help="From the arrival of the request to its answer, logging excluded.",
    )
    user_id = fields.Many2one("res.users", string="Caller", readonly=True)
    exec_as_user_id = fields.Many2one("res.users", string="Exec as", readonly=True)
    client_address = fields.Char(readonly=True)
    request_headers = fields.Text(readonly=True)
    request_content_type = fields.Char(readonly=True)
    request_body = fields.Text(readonly=True)
    request_body_kind = fields.Selection(BODY_KINDS, readonly=True)
    request_size = fields.Integer(string="Request size (bytes)", readonly=True)
    request_body_cut = fields.Boolean(readonly=True)
    response_content_type = fields.Char(readonly=True)
    response_body = fields.Text(readonly=True)
    response_body_kind = fields.Selection(BODY_KINDS, readonly=True)
    response_size = fields.Integer(string="Response size (bytes)", readonly=True)
    response_body_cut = fields.Boolean(readonly=True)
    error_type = fields.Char(readonly=True)
    error_message = fields.Text(readonly=True)
    traceback = fields.Text(readonly=True, groups="base.group_system")
    # An endpoint's calls of the last hours (its form's figures), and any
    # endpoint's calls by date (the retention job, the graph).
    _endpoint_date_idx = models.Index("(endpoint_id, create_date)")
    in_last_24h = fields.Boolean(
        compute="_compute_in_last_24h",
        search="_search_in_last_24h",
        string="Last 24 hours",
    )

    @api.depends("method", "path")
    def _compute_display_name(self):
        for entry in self:
            entry.display_name = self.env._(
                "Call %(id)s: %(method)s %(path)s",
                id=entry.id,
                method=entry.method or "",
                path=entry.path or "",
            )

    @api.depends("status")
    def _compute_is_error(self):
        for entry in self:
            entry.is_error = entry.status >= 400

    def _search_is_error(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            return NotImplemented
        errors = (operator == "=") == value
        return [("status", ">=" if errors else "<", 400)]

    def _since_24h(self):
        return fields.Datetime.now() - timedelta(hours=24)

    @api.depends("create_date")
    def _compute_in_last_24h(self):
        since = self._since_24h()
        for entry in self:
            entry.in_last_24h = bool(entry.create_date and entry.create_date >= since)

    def _search_in_last_24h(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            return NotImplemented
        recent = (operator == "=") == value
        return [("create_date", ">=" if recent else "<", self._since_24h())]

    # ------------------------------------------------------------------
    # Writing
    # ------------------------------------------------------------------

    @api.model
    def _write_entry(self, values, cr=None):
        """Insert the entry ``values`` with one statement on ``cr`` (the
        environment's cursor by default); return its id.

        The request path calls it with a cursor of its own, while the request's
        transaction may still be open on another connection. Two settings
        travel with the INSERT, for that transaction only:

        - a lock timeout: a request holding a row the entry refers to (a user
          it deleted) delays its answer by the timeout at most, instead of
          waiting on itself for ever;
        - no synchronous commit: the answer does not wait for the entry to
          reach the disk (a read-only request would otherwise wait for a
          flush of its own). A crash of PostgreSQL itself may lose the
          entries of its last fraction of a second, never the request's own
          data, which commits as it always does.
        """
        cr = cr or self.env.cr
        columns = tuple(values)
        params = [values[column] for column in columns]
        if any(isinstance(value, SQL) for value in params):
            # A value that is SQL itself (an override's): composed as is.
            cr.execute(_insert_statement(columns, params))
            return cr.fetchone()[0]
        cr.execute(_insert_text(columns), [WRITE_LOCK_TIMEOUT, *params])
        return cr.fetchone()[0]

    # ------------------------------------------------------------------
    # Retention
    # ------------------------------------------------------------------

    def _retention_days(self):
        value = self.env["ir.config_parameter"].sudo().get_param(RETENTION_PARAM)
        try:
            return int(value) if value else DEFAULT_RETENTION_DAYS
        except ValueError:
            return DEFAULT_RETENTION_DAYS

    @api.model
    def _gc_entries(self, batch_size=RETENTION_BATCH):
        """Delete the entries older than the retention period (system
        parameter ``endpoint.log_retention_days``, 0 keeps them for ever),
        one batch per transaction so that no lock is held for long.
        Return how many were deleted."""
        days = self._retention_days()
        if days <= 0:
            return 0
        cutoff = fields.Datetime.now() - timedelta(days=days)
        cron = self.env["ir.cron"]
        total = 0
        while True:
            # SKIP LOCKED: rows being read for update elsewhere wait for the
            # next run instead of stalling this one.
            self.env.cr.execute(
                """
                DELETE FROM endpoint_log WHERE id IN (
                    SELECT id FROM endpoint_log WHERE create_date < %s
                    ORDER BY create_date LIMIT %s FOR UPDATE SKIP LOCKED
                )
                """,
                (cutoff, batch_size),
            )
            deleted = self.env.cr.rowcount
            total += deleted
            # Commit the batch; stop at the last one, or when the cron's time
            # is up (the next run goes on).
            time_left = cron._commit_progress(deleted)
            if deleted < batch_size or time_left <= 0:
                break
        self.env.invalidate_all()
        return total


class EndpointEndpoint(models.Model):
    _inherit = "endpoint.endpoint"

    call_ids = fields.One2many("endpoint.log", "endpoint_id", string="Calls")
    call_count_24h = fields.Integer(
        string="Calls (24h)", compute="_compute_call_stats_24h"
    )
    call_error_rate_24h = fields.Float(
        string="Error rate (24h)",
        compute="_compute_call_stats_24h",
        help="Share of the logged calls answered with a status of 400 or more.",
    )
    call_p50_ms_24h = fields.Float(
        string="Median duration (ms)",
        digits=(16, 1),
        compute="_compute_call_stats_24h",
    )
    call_p95_ms_24h = fields.Float(
        string="p95 duration (ms)",
        digits=(16, 1),
        compute="_compute_call_stats_24h",
    )

    def _compute_call_stats_24h(self):
        stats = {}
        ids = [rec_id for rec_id in self.ids if rec_id]
        if ids:
            self.env["endpoint.log"].flush_model()
            self.env.cr.execute(
                """
                SELECT endpoint_id, count(*),
                       count(*) FILTER (WHERE status >= 400),
                       percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_ms),
                       percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms)
                  FROM endpoint_log
                 WHERE endpoint_id = ANY(%s) AND create_date >= %s
                 GROUP BY endpoint_id
                """,
                (ids, self.env["endpoint.log"]._since_24h()),
            )
            stats = {row[0]: row[1:] for row in self.env.cr.fetchall()}
        for rec in self:
            count, errors, p50, p95 = stats.get(rec.id, (0, 0, 0.0, 0.0))
            rec.call_count_24h = count
            rec.call_error_rate_24h = errors / count if count else 0.0
            rec.call_p50_ms_24h = p50 or 0.0
            rec.call_p95_ms_24h = p95 or 0.0

    def action_view_calls(self):
        """The calls of this endpoint, those of the last 24 hours first."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "endpoint.endpoint_log_act_window"
        )
        action["domain"] = [("endpoint_id", "=", self.id)]
        action["context"] = {
            "default_endpoint_id": self.id,
            "search_default_last_24h": 1,
        }
        return action


# A few sets of columns: one per set of values ``_log_call_values`` and its
# overrides give.
@functools.lru_cache(maxsize=64)
def _insert_text(columns):
    """The INSERT's text for ``columns`` (a tuple), its values parameters:
    composed once per set of columns, not for every call logged."""
    return _insert_statement(columns, [None] * len(columns)).code


def _insert_statement(columns, params):
    """The INSERT of an entry of ``columns`` with the values ``params``."""
    return SQL(
        "SET LOCAL lock_timeout = %s; SET LOCAL synchronous_commit = off; "
        "INSERT INTO endpoint_log (create_date, %s) "
        "VALUES (NOW() AT TIME ZONE 'UTC', %s) RETURNING id",
        WRITE_LOCK_TIMEOUT,
        SQL(", ").join(SQL.identifier(column) for column in columns),
        SQL(", ").join(SQL("%s", value) for value in params),
    )
