# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Export endpoints as data of a module: the dialog, and the zip it downloads."""

import base64

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools import module_export


class EndpointExport(models.TransientModel):
    _name = "endpoint.export"
    _description = "Export endpoints as module data"

    res_model = fields.Char(required=True, default="endpoint.endpoint")
    # Comma-separated ids: endpoints of any model built on endpoint.mixin.
    res_ids = fields.Char(required=True)
    module_name = fields.Char(
        string="Module",
        required=True,
        default="my_endpoints",
        help="Technical name of the module that ships the endpoints: the "
        "paths of the schema files start with it.",
    )
    endpoint_count = fields.Integer(compute="_compute_preview")
    data_xml = fields.Text(string="Data file", compute="_compute_preview")
    manifest_lines = fields.Text(compute="_compute_preview")
    file_data = fields.Binary(string="Zip", readonly=True, attachment=False)
    file_name = fields.Char(readonly=True)

    def _endpoints(self):
        self.ensure_one()
        ids = [int(i) for i in (self.res_ids or "").split(",") if i.strip()]
        return self.env[self.res_model].browse(ids).exists()

    @api.depends("res_model", "res_ids", "module_name")
    def _compute_preview(self):
        for wizard in self:
            endpoints = wizard._endpoints()
            wizard.endpoint_count = len(endpoints)
            files = {}
            if endpoints and wizard._valid_module_name():
                files = endpoints._export_module_files(wizard.module_name)
            wizard.data_xml = files.get(module_export.DATA_FILE, False)
            wizard.manifest_lines = files.get(module_export.MANIFEST_LINES, False)

    def _valid_module_name(self):
        return bool(module_export.MODULE_NAME.match(self.module_name or ""))

    def action_download(self):
        """Build the zip and download it."""
        self.ensure_one()
        if not self._valid_module_name():
            raise UserError(
                self.env._(
                    "The module name must be a technical name: lowercase letters, "
                    "digits and underscores, starting with a letter (got %(name)r).",
                    name=self.module_name,
                )
            )
        endpoints = self._endpoints()
        if not endpoints:
            raise UserError(self.env._("Select the endpoints to export first."))
        self.write(
            {
                "file_data": base64.b64encode(
                    endpoints._export_module_zip(self.module_name)
                ),
                "file_name": f"{self.module_name}_endpoints.zip",
            }
        )
        return {
            "type": "ir.actions.act_url",
            "url": (
                f"/web/content/{self._name}/{self.id}/file_data/"
                f"{self.file_name}?download=true"
            ),
            "target": "download",
        }
