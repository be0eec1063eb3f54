# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Replay a logged call in the endpoint's test console."""

from odoo import models

from ..tools import console as console_tools


class EndpointLog(models.Model):
    _inherit = "endpoint.log"

    def action_replay(self):
        """Open the console filled with this call's request. Masked headers
        are left empty for the admin to fill; a binary body is not filled."""
        self.ensure_one()
        body = self.request_body if self.request_body_kind != "binary" else ""
        return self.endpoint_id._open_console(
            {
                "target": "live",
                "method": self.method,
                "path": self.path,
                "query_string": self.query_string or False,
                "request_headers": console_tools.replay_headers(self.request_headers),
                "request_body": body or False,
            }
        )
