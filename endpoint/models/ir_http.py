# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import werkzeug.exceptions

from odoo import models
from odoo.http import request

from odoo.addons.rpc_helper.patch import _rpc_allowed


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    def _endpoint_route_last_version(self):
        version = super()._endpoint_route_last_version()
        # Read on every request to pick the routing map; endpoints reuse it
        # to key their compiled state, which saves them a query.
        if request:
            request._endpoint_route_version = version
        return version

    @classmethod
    def _pre_dispatch(cls, rule, args):
        # rpc_helper guards XML-RPC and /jsonrpc; Odoo 19's /json/2 calls
        # model methods directly, so guard it here as well.
        if rule.endpoint.routing.get("type") == "json2" and "__model__" in args:
            model = request.env.get(args["__model__"])
            if model is not None and not _rpc_allowed(model, args.get("__method__")):
                raise werkzeug.exceptions.Forbidden(
                    f"RPC calls on {args['__model__']} are not allowed."
                )
        return super()._pre_dispatch(rule, args)
