# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The endpoints' OpenAPI document, as JSON and as a page.

- ``GET /endpoint/openapi.json``: every published endpoint;
- ``GET /endpoint/openapi/<route_group>.json`` (or ``?route_group=``): one
  route group;
- ``GET /endpoint/openapi`` (``?route_group=`` too): the document rendered by
  Swagger UI, shipped in ``static/lib/swagger-ui``.

Settings administrators read every document; anyone reads the documents of
the route groups listed in the system parameter
``endpoint.openapi_public_route_groups``.
"""

from urllib.parse import urlencode

import werkzeug.exceptions

from odoo import http
from odoo.http import request

MODEL = "endpoint.endpoint"


class EndpointOpenApiController(http.Controller):
    def _openapi_model(self, route_group):
        """The model to read the endpoints with; raise when not allowed."""
        model = request.env[MODEL]
        if not model._openapi_can_read(route_group):
            raise werkzeug.exceptions.Forbidden()
        if not model.has_access("read"):
            # A published route group is readable by users without access
            # to the endpoint records.
            model = model.sudo()
        return model

    @http.route(
        ["/endpoint/openapi.json", "/endpoint/openapi/<string:route_group>.json"],
        type="http",
        auth="public",
        methods=["GET"],
        readonly=True,
    )
    def openapi_json(self, route_group=None, **params):
        model = self._openapi_model(route_group)
        endpoints = model._openapi_endpoints(route_group)
        if route_group and not endpoints:
            raise werkzeug.exceptions.NotFound()
        title = request.env._("Endpoints")
        if route_group:
            title = f"{title}: {route_group}"
        document = endpoints._openapi_document(
            server_url=request.httprequest.host_url.rstrip("/"), title=title
        )
        return request.make_json_response(
            document, headers=[("Cache-Control", "no-store")]
        )

    @http.route(
        "/endpoint/openapi",
        type="http",
        auth="public",
        methods=["GET"],
        readonly=True,
    )
    def openapi_page(self, route_group=None, **params):
        if not request.env[MODEL]._openapi_can_read(route_group):
            if request.env.user._is_public():
                query = urlencode({"redirect": request.httprequest.full_path})
                return request.redirect(f"/web/login?{query}")
            raise werkzeug.exceptions.Forbidden()
        spec_url = "/endpoint/openapi.json"
        if route_group:
            spec_url += "?" + urlencode({"route_group": route_group})
        return request.render(
            "endpoint.openapi_page",
            {
                "spec_url": spec_url,
                "route_group": route_group,
                "backend_link": request.env[MODEL].has_access("read"),
            },
        )
