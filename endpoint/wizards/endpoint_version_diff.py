# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Compare two published versions of an endpoint, or one with its draft."""

from odoo import api, fields, models

from ..tools import version_diff


class EndpointVersionDiff(models.TransientModel):
    _name = "endpoint.version.diff"
    _description = "Compare endpoint versions"

    res_model = fields.Char(required=True)
    res_id = fields.Many2oneReference(model_field="res_model", required=True)
    left_version_id = fields.Many2one(
        "endpoint.version",
        string="From",
        help="Empty: the draft.",
        domain="[('res_model', '=', res_model), ('res_id', '=', res_id)]",
    )
    right_version_id = fields.Many2one(
        "endpoint.version",
        string="To",
        help="Empty: the draft.",
        domain="[('res_model', '=', res_model), ('res_id', '=', res_id)]",
    )
    diff = fields.Html(compute="_compute_diff", sanitize=False)

    @api.depends("left_version_id", "right_version_id", "res_model", "res_id")
    def _compute_diff(self):
        for wizard in self:
            endpoint = self.env[wizard.res_model].browse(wizard.res_id).exists()
            if not endpoint:
                wizard.diff = False
                continue
            draft = endpoint._runtime_values()
            left = wizard.left_version_id.values if wizard.left_version_id else draft
            right = wizard.right_version_id.values if wizard.right_version_id else draft
            wizard.diff = version_diff.diff_html(
                left or {}, right or {}, endpoint._version_labels()
            )
