# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "Endpoint",
    "summary": "Serve HTTP endpoints defined as records: route, auth, schema, code",
    "version": "19.0.1.0.0",
    "license": "LGPL-3",
    "category": "Tools",
    "author": "Odoo Community Association (OCA)",
    "website": "https://github.com/OCA/web-api",
    "development_status": "Beta",
    "depends": ["web", "endpoint_route_handler", "rpc_helper"],
    "external_dependencies": {"python": ["jsonschema", "PyYAML", "lxml"]},
    "data": [
        "security/ir.model.access.csv",
        "security/ir_rule.xml",
        "data/server_action.xml",
        "views/endpoint_view.xml",
        "views/endpoint_routes_view.xml",
        "views/endpoint_openapi_view.xml",
        "security/endpoint_log_security.xml",
        "data/endpoint_log_cron.xml",
        "views/endpoint_log_view.xml",
        "views/endpoint_version_view.xml",
        "views/endpoint_console_view.xml",
    ],
    "demo": [
        "demo/endpoint_demo.xml",
        "demo/endpoint_routes_demo.xml",
    ],
    # Sample request body of the demo /demo/order endpoint, for curl.
    "oca_data_manual": ["demo/order.xml"],
    "uninstall_hook": "uninstall_hook",
    "assets": {
        "web.assets_tests": [
            "endpoint/static/tests/tours/openapi_tour.js",
            "endpoint/static/tests/tours/endpoint_tours.js",
            "endpoint/static/tests/tours/endpoint_log_tour.js",
            "endpoint/static/tests/tours/endpoint_routes_tour.js",
            "endpoint/static/tests/tours/endpoint_version_tour.js",
            "endpoint/static/tests/tours/endpoint_console_tour.js",
        ],
    },
}
