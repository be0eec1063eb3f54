# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Every sync keeps the version it published, restorable as the draft."""

from odoo import Command, fields, models

from ..tools import version_diff


# One concern per file: the record, publishing, serving, OpenAPI, versions.
class EndpointMixinVersion(models.AbstractModel):
    _inherit = "endpoint.mixin"  # pylint: disable=consider-merging-classes-inherited

    version_ids = fields.One2many(
        "endpoint.version", "res_id", string="Versions", groups="base.group_system"
    )

    def _handle_registry_sync(self, record_ids=None):
        res = super()._handle_registry_sync(record_ids=record_ids)
        self.browse(record_ids or self.ids).exists()._record_published_version()
        return res

    def _record_published_version(self):
        """Keep what each record now serves, unless it is what its last
        version holds already (a sync without changes, a module update)."""
        if not self:
            return
        Version = self.env["endpoint.version"].sudo()
        # Read for all records at once: a sync of thousands of endpoints
        # costs time proportional to their number.
        published = self._published_runtime_values_by_id()
        last_versions = {
            version.res_id: version
            for version in Version.search(
                [("res_model", "=", self._name), ("res_id", "in", self.ids)],
                order="res_id, number desc, id desc",
            )[::-1]
        }
        to_create = []
        for rec in self:
            # The other routes serve requests too: right after a sync, the
            # record's are the published ones.
            synced = published.get(rec.id)
            values = dict(
                synced if synced is not None else rec._runtime_values(),
                extra_routes=rec.extra_routes or False,
            )
            last = last_versions.get(rec.id, Version)
            if last and not version_diff.changed_fields(last.values or {}, values):
                continue
            to_create.append(
                {
                    "res_model": rec._name,
                    "res_id": rec.id,
                    "number": (last.number or 0) + 1,
                    "values": values,
                    "route": rec.route,
                }
            )
        if to_create:
            Version.create(to_create)
            # The version that was live is live no more.
            Version.invalidate_model(["is_live"])

    def _version_values_to_write(self, values):
        """The record's field values that restore published ``values``."""
        vals = {}
        for key, value in values.items():
            field = self._fields.get(key)
            if field is None:
                continue
            if field.type == "many2one":
                value = self.env[field.comodel_name].browse(value or ()).exists().id
            elif field.type == "many2many":
                records = self.env[field.comodel_name].browse(value or ())
                value = [Command.set(records.exists().ids)]
            elif isinstance(value, list | tuple):
                # Published as a list, edited as words (the other methods).
                value = " ".join(value)
            vals[key] = value if value is not None else False
        return vals

    def _version_labels(self):
        return {name: field.string for name, field in self._fields.items()}

    def _live_version(self):
        self.ensure_one()
        return self.env["endpoint.version"].search(
            [("res_model", "=", self._name), ("res_id", "=", self.id)], limit=1
        )

    def _open_version_diff(self, left=False, right=False):
        """Open the comparison of two versions (an empty side: the draft)."""
        self.ensure_one()
        wizard = self.env["endpoint.version.diff"].create(
            {
                "res_model": self._name,
                "res_id": self.id,
                "left_version_id": left and left.id,
                "right_version_id": right and right.id,
            }
        )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Compare versions"),
            "res_model": wizard._name,
            "res_id": wizard.id,
            "view_mode": "form",
            "target": "new",
        }

    def action_diff_live(self):
        """The difference between the live version and the draft."""
        self.ensure_one()
        return self._open_version_diff(left=self._live_version(), right=False)
