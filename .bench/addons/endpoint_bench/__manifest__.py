# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "Endpoint benchmark",
    "summary": "Benchmark-only: endpoint records and their plain-controller twins",
    "version": "19.0.1.0.0",
    "license": "LGPL-3",
    "category": "Hidden",
    "author": "Odoo Community Association (OCA)",
    "website": "https://github.com/OCA/web-api",
    "depends": ["endpoint"],
    "external_dependencies": {"python": ["jsonschema", "PyYAML", "lxml"]},
    "data": [
        "data/bench_user.xml",
        "data/bench_endpoints.xml",
    ],
    "installable": True,
}
