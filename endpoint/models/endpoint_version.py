# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The versions a sync published: who, when, and the values that served."""

from odoo import api, fields, models

from ..tools import version_diff


class EndpointVersion(models.Model):
    _name = "endpoint.version"
    _description = "Published version of an endpoint"
    _order = "id desc"

    res_model = fields.Char(string="Endpoint model", required=True, readonly=True)
    res_id = fields.Many2oneReference(
        string="Endpoint", model_field="res_model", required=True, readonly=True
    )
    number = fields.Integer(readonly=True, aggregator=False)
    # The runtime values as the sync published them, restorable as they are.
    values = fields.Json(readonly=True)
    route = fields.Char(readonly=True)
    create_uid = fields.Many2one("res.users", string="Published by", readonly=True)
    create_date = fields.Datetime(string="Published on", readonly=True)
    is_live = fields.Boolean(compute="_compute_is_live")

    # An endpoint's versions, newest first: read at each of its syncs.
    _res_number_idx = models.Index("(res_model, res_id, number DESC)")

    @api.depends("number")
    def _compute_display_name(self):
        for version in self:
            version.display_name = self.env._(
                "Version %(number)s (%(date)s)",
                number=version.number,
                date=fields.Datetime.to_string(version.create_date),
            )

    def _compute_is_live(self):
        latest = {}
        for version in self:
            key = (version.res_model, version.res_id)
            if key not in latest:
                latest[key] = self.search(
                    [("res_model", "=", key[0]), ("res_id", "=", key[1])], limit=1
                )
            version.is_live = latest[key] == version

    def _endpoint(self):
        self.ensure_one()
        return self.env[self.res_model].browse(self.res_id).exists()

    def action_restore(self):
        """Write this version's values back to the endpoint as its draft; the
        next sync publishes them."""
        self.ensure_one()
        endpoint = self._endpoint()
        endpoint.write(endpoint._version_values_to_write(self.values or {}))
        return {
            "type": "ir.actions.act_window",
            "res_model": self.res_model,
            "res_id": self.res_id,
            "view_mode": "form",
            "target": "current",
        }

    def action_diff_draft(self):
        """Compare this version with the endpoint's draft."""
        self.ensure_one()
        return self._endpoint()._open_version_diff(left=self, right=False)

    def diff_html(self, other=None):
        """This version against ``other`` (a version) or the draft."""
        self.ensure_one()
        right = other.values if other else self._endpoint()._runtime_values()
        return version_diff.diff_html(self.values or {}, right or {})
