# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import models

from odoo.addons.rpc_helper.decorator import disable_rpc


@disable_rpc()  # snippets are code: never readable nor writable through RPC
class EndpointEndpoint(models.Model):
    """An HTTP endpoint defined by an administrator."""

    _name = "endpoint.endpoint"
    _inherit = "endpoint.mixin"
    _description = "Endpoint"
    _order = "route_group, route"
