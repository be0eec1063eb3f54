# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Plain-controller twins of the benchmark endpoints.

Each route does the work of one endpoint record of data/bench_endpoints.xml
the way a careful hand-written controller would: schemas are parsed and
compiled once at import, the body is parsed once per request, the user to run
as is looked up through Odoo's cached xmlid lookup.
"""

import threading
import time
from pathlib import Path

import jsonschema
import yaml
from lxml import etree

from odoo import http, sql_db
from odoo.http import Response, request

from odoo.addons.endpoint.tools import call_log

try:
    from odoo.addons.endpoint.tools import limits as limits_tools
except ImportError:  # an endpoint addon older than its limits (scale --compare)
    limits_tools = None

DATA = Path(__file__).resolve().parent.parent / "data"
ITEMS_VALIDATOR = jsonschema.Draft202012Validator(
    yaml.safe_load((DATA / "items.yaml").read_text(encoding="utf-8"))
)
XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
ORDER_SCHEMA = etree.XMLSchema(etree.parse(str(DATA / "order.xsd"), XML_PARSER))

# The routing options of the endpoint records (endpoint_route_handler's
# defaults, and endpoints leave any session cookie alone).
ROUTE = {
    "type": "http",
    "auth": "public",
    "csrf": False,
    "cors": "*",
    "save_session": False,
}


def log_call(response, endpoint_xmlid):
    """Write the row the endpoint's call log writes for this call, in the
    request's own transaction (a hand-written controller's way), and name it
    in the answer."""
    env = request.env
    params = env["ir.config_parameter"].sudo()
    names = call_log.masked_names(params.get_param("endpoint.log_masked_headers"))
    limit = int(params.get_param("endpoint.log_body_size") or 4096)
    httprequest = request.httprequest
    headers = list(httprequest.headers.items())
    secrets = call_log.secrets_of(headers, names)
    req_kind, req_text, req_size, req_cut = call_log.body_entry(
        httprequest.get_data(), limit, secrets
    )
    res_kind, res_text, res_size, res_cut = call_log.body_entry(
        response.get_data(), limit, secrets
    )
    status = response.status_code
    values = {
        "endpoint_id": env["ir.model.data"]._xmlid_to_res_id(endpoint_xmlid),
        "route": httprequest.path,
        "method": httprequest.method,
        "path": httprequest.path,
        "query_string": call_log.query_text(
            httprequest.query_string.decode("utf-8", "replace"), names, secrets
        ),
        "status": status,
        "status_class": f"{status // 100}xx",
        "duration_ms": (time.time() - threading.current_thread().perf_t0) * 1000,
        "user_id": env.uid,
        "exec_as_user_id": env["ir.model.data"]._xmlid_to_res_id(
            "endpoint_bench.user_bench"
        ),
        "client_address": httprequest.remote_addr,
        "request_headers": call_log.headers_text(headers, names, secrets),
        "request_content_type": httprequest.headers.get("Content-Type"),
        "response_content_type": response.headers.get("Content-Type"),
        "request_body_kind": req_kind,
        "request_body": req_text or None,
        "request_size": req_size,
        "request_body_cut": req_cut,
        "response_body_kind": res_kind,
        "response_body": res_text or None,
        "response_size": res_size,
        "response_body_cut": res_cut,
    }
    log_id = env["endpoint.log"].sudo()._write_entry(values)
    response.headers["X-Endpoint-Log-Id"] = str(log_id)
    return response


def bad_request(detail):
    return request.make_json_response({"detail": detail}, status=400)


class BenchPlainController(http.Controller):
    @http.route("/bench/plain/hello", methods=["GET"], **ROUTE)
    def hello(self):
        return Response("Hello, world!", content_type="text/plain")

    @http.route("/bench/plain/json", methods=["GET"], **ROUTE)
    def json_as_user(self):
        uid = request.env["ir.model.data"]._xmlid_to_res_id("endpoint_bench.user_bench")
        user = request.env(user=uid, su=False).user
        return request.make_json_response(
            {"login": user.login, "company": user.company_id.name}
        )

    @http.route("/bench/plain/limited", methods=["GET"], **ROUTE)
    def limited(self):
        # Counted as the endpoint counts: one statement on a short
        # autocommit connection, outside the request's transaction.
        cr = sql_db.db_connect(request.env.cr.dbname).cursor()
        try:
            cr._cnx.autocommit = True
            cr.execute(
                limits_tools.RATE_HIT_SQL,
                {"bucket": f"plain:{request.httprequest.remote_addr}", "period": 60},
            )
            hits, reset = cr.fetchone()
        finally:
            cr._cnx.autocommit = False
            cr.close()
        uid = request.env["ir.model.data"]._xmlid_to_res_id("endpoint_bench.user_bench")
        user = request.env(user=uid, su=False).user
        response = request.make_json_response(
            {"login": user.login, "company": user.company_id.name}
        )
        headers = limits_tools.rate_headers(10**9, hits, float(reset), 60)
        response.headers.extend(headers)
        return response

    @http.route("/bench/plain/logged", methods=["GET"], **ROUTE)
    def logged(self):
        uid = request.env["ir.model.data"]._xmlid_to_res_id("endpoint_bench.user_bench")
        user = request.env(user=uid, su=False).user
        response = request.make_json_response(
            {"login": user.login, "company": user.company_id.name}
        )
        return log_call(response, "endpoint_bench.endpoint_bench_logged")

    @http.route("/bench/plain/items", methods=["POST"], **ROUTE)
    def items(self):
        try:
            data = request.get_json_data()
        except ValueError as exc:
            return bad_request([{"loc": ["body"], "msg": str(exc), "type": "json"}])
        errors = [
            {"loc": ["body", *e.absolute_path], "msg": e.message, "type": e.validator}
            for e in ITEMS_VALIDATOR.iter_errors(data)
        ]
        if errors:
            return bad_request(errors)
        return request.make_json_response(
            {"reference": data["reference"], "count": len(data["items"])}
        )

    @http.route("/bench/plain/order", methods=["POST"], **ROUTE)
    def order(self):
        try:
            root = etree.fromstring(request.httprequest.get_data(), XML_PARSER)
        except etree.XMLSyntaxError as exc:
            return bad_request([{"loc": ["body"], "msg": str(exc), "type": "xml"}])
        if not ORDER_SCHEMA.validate(root):
            return bad_request(
                [
                    {"loc": ["body"], "msg": e.message, "type": "xml_schema"}
                    for e in ORDER_SCHEMA.error_log
                ]
            )
        return Response("<ack/>", content_type="application/xml")

    @http.route("/bench/plain/param/<int:item_id>", methods=["GET"], **ROUTE)
    def param(self, item_id):
        return request.make_json_response({"id": item_id})
