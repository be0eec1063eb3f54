# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Hostile input, faults and concurrency: a clear answer, nothing lost."""

import json
from unittest.mock import patch

import odoo
from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.endpoint_route_handler.registry import EndpointRegistry

from .common import EndpointHttpCase

MODEL_LOGGER = "endpoint.endpoint"

XSD = """<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">
  <xs:element name="note">
    <xs:complexType>
      <xs:sequence>
        <xs:element name="to" type="xs:string"/>
      </xs:sequence>
    </xs:complexType>
  </xs:element>
</xs:schema>
"""

# Each body would, with lxml's defaults, expand an entity or read a file.
HOSTILE_XML = {
    "internal entity": b"""<?xml version="1.0"?>
<!DOCTYPE note [<!ENTITY who "expanded-entity-h2b">]>
<note><to>&who;</to></note>""",
    "external entity": b"""<?xml version="1.0"?>
<!DOCTYPE note [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<note><to>&xxe;</to></note>""",
    "parameter entity": b"""<?xml version="1.0"?>
<!DOCTYPE note [<!ENTITY % ext SYSTEM "file:///etc/passwd"> %ext;]>
<note><to>x</to></note>""",
    "external DTD": b"""<?xml version="1.0"?>
<!DOCTYPE note SYSTEM "file:///etc/passwd">
<note><to>x</to></note>""",
    "billion laughs": b"""<?xml version="1.0"?>
<!DOCTYPE note [
 <!ENTITY a "ha-ha-ha-ha-ha-ha-ha-ha-ha-ha">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
 <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
 <!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
 <!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;">
 <!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;">
 <!ENTITY i "&h;&h;&h;&h;&h;&h;&h;&h;&h;&h;">
]>
<note><to>&i;</to></note>""",
    # The DOCTYPE is invisible to a byte search in UTF-16.
    "external entity in UTF-16": (
        '<?xml version="1.0" encoding="UTF-16"?>\n'
        '<!DOCTYPE note [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
        "<note><to>&xxe;</to></note>"
    ).encode("utf-16"),
}


class HostileCaseMixin:
    def _call(self, route, method="GET", **kw):
        kw.setdefault("allow_redirects", False)
        return self.url_open(route, method=method, **kw)

    def _post(self, route, data, content_type, **kw):
        return self._call(
            route, "POST", data=data, headers={"Content-Type": content_type}
        )

    def assertInvalid(self, response, type_, what=""):
        self.assertEqual(response.status_code, 400, f"{what}: {response.text}")
        detail = response.json()["detail"]
        self.assertEqual(len(detail), 1, what)
        self.assertEqual(detail[0]["loc"], ["body"], what)
        self.assertEqual(detail[0]["type"], type_, what)


@tagged("post_install", "-at_install")
class TestEndpointHostileXml(HostileCaseMixin, EndpointHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.endpoint = cls._create_endpoint(
            route="/endpoint_test/h2b/xml",
            request_method="POST",
            request_content_type="application/xml",
            request_content_schema=XSD,
            auth_type="public",
            exec_as_user_id=cls.env.ref("base.user_demo").id,
            code_snippet=(
                "result = {'response': Response("
                "request.httprequest.get_data(), content_type='application/xml')}"
            ),
        )

    def test_entities_and_dtds_refused(self):
        for what, body in HOSTILE_XML.items():
            response = self._post("/endpoint_test/h2b/xml", body, "application/xml")
            self.assertInvalid(response, "xml_invalid", what)
            self.assertNotIn("root:", response.text, what)
            self.assertNotIn("expanded-entity-h2b", response.text, what)
            self.assertNotIn("ha-ha", response.text, what)

    def test_xinclude_not_processed(self):
        body = b"""<note xmlns:xi="http://www.w3.org/2001/XInclude">
<to><xi:include href="file:///etc/passwd" parse="text"/></to></note>"""
        response = self._post("/endpoint_test/h2b/xml", body, "application/xml")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(
            {item["type"] for item in response.json()["detail"]}, {"xml_schema"}
        )
        self.assertNotIn("root:", response.text)

    def test_xml_garbage_refused(self):
        for what, body in {
            "empty": b"",
            "blank": b"  \n ",
            "not xml": b"hello",
            "two roots": b"<note><to>a</to></note><note/>",
            "bad encoding": b'<?xml version="1.0" encoding="UTF-8"?><note><to>\xff</to>'
            b"</note>",
            "unknown encoding": b'<?xml version="1.0" encoding="NOPE-42"?><note/>',
            "processing instruction only": b"<?xml version='1.0'?>",
        }.items():
            response = self._post("/endpoint_test/h2b/xml", body, "application/xml")
            self.assertInvalid(response, "xml_invalid", what)

    def test_well_formed_body_still_served(self):
        body = b"<note><to>&amp; &lt;friends&gt;</to></note>"
        response = self._post("/endpoint_test/h2b/xml", body, "application/xml")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.content, body)

    def test_hostile_xsd_refused_at_save(self):
        hostile_xsds = {
            "DOCTYPE": XSD.replace(
                "<xs:schema",
                '<!DOCTYPE xs:schema [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
                "<xs:schema",
                1,
            ),
            "include of a local file": XSD.replace(
                '<xs:element name="note">',
                '<xs:include schemaLocation="file:///etc/passwd"/>'
                '<xs:element name="note">',
            ),
            "import over the network": XSD.replace(
                '<xs:element name="note">',
                '<xs:import namespace="urn:h2b" '
                'schemaLocation="http://127.0.0.1:9/h2b.xsd"/>'
                '<xs:element name="note">',
            ),
            "redefine": XSD.replace(
                '<xs:element name="note">',
                '<xs:redefine schemaLocation="/etc/hostname"/><xs:element name="note">',
            ),
        }
        for what, xsd in hostile_xsds.items():
            with self.assertRaises(UserError, msg=what) as caught:
                self.endpoint.request_content_schema = xsd
            self.assertIn("XSD", str(caught.exception), what)
            self.assertNotIn("root:", str(caught.exception), what)
        self.assertEqual(self.endpoint.request_content_schema, XSD)


@tagged("post_install", "-at_install")
class TestEndpointHostileSize(HostileCaseMixin, EndpointHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].sudo().set_param("endpoint.max_body_size", 64)
        common = {
            "request_method": "POST",
            "auth_type": "public",
            "exec_as_user_id": cls.env.ref("base.user_demo").id,
        }
        cls.json_endpoint = cls._create_endpoint(
            route="/endpoint_test/h2b/json",
            request_content_type="application/json",
            request_content_schema='{"type": ["object", "array", "number"]}',
            code_snippet="result = {'payload': request.get_json_data()}",
            **common,
        )
        cls.text_endpoint = cls._create_endpoint(
            route="/endpoint_test/h2b/text",
            request_content_type="text/plain",
            code_snippet=("result = {'payload': len(request.httprequest.get_data())}"),
            **common,
        )

    def assertTooLarge(self, response, what=""):
        self.assertEqual(response.status_code, 413, f"{what}: {response.text}")
        self.assertEqual(response.headers["Content-Type"], "application/json")
        self.assertEqual(response.json()["error"], "Payload Too Large")

    def test_body_over_limit_413_before_parsing(self):
        # Malformed as well: the size is refused before any parsing.
        response = self._post("/endpoint_test/h2b/json", b"{" * 65, "application/json")
        self.assertTooLarge(response)
        response = self._post("/endpoint_test/h2b/text", b"x" * 65, "text/plain")
        self.assertTooLarge(response)
        # At the limit, served.
        response = self._post("/endpoint_test/h2b/text", b"x" * 64, "text/plain")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), 64)

    def test_chunked_body_over_limit_413(self):
        def chunks():
            for _i in range(10):
                yield b"x" * 30

        response = self._post("/endpoint_test/h2b/text", chunks(), "text/plain")
        self.assertTooLarge(response, "chunked")

        def small_chunks():
            yield b"abc"
            yield b"def"

        response = self._post("/endpoint_test/h2b/text", small_chunks(), "text/plain")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), 6)

    def test_limit_is_a_system_parameter(self):
        params = self.env["ir.config_parameter"].sudo()
        params.set_param("endpoint.max_body_size", 1000)
        response = self._post("/endpoint_test/h2b/text", b"x" * 500, "text/plain")
        self.assertEqual(response.status_code, 200)
        # A value that is not a number falls back to the default (1 MiB).
        params.set_param("endpoint.max_body_size", "ten megabytes")
        with mute_logger(MODEL_LOGGER):
            response = self._post("/endpoint_test/h2b/text", b"x" * 500, "text/plain")
        self.assertEqual(response.status_code, 200)

    def test_deep_json_400(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "endpoint.max_body_size", 10_000_000
        )
        for depth in (65, 200, 5000, 200_000):
            body = "[" * depth + "]" * depth
            response = self._post("/endpoint_test/h2b/json", body, "application/json")
            self.assertInvalid(response, "json_invalid", f"depth {depth}")
        # Unclosed as well.
        response = self._post(
            "/endpoint_test/h2b/json", "[" * 100_000, "application/json"
        )
        self.assertInvalid(response, "json_invalid", "unclosed")
        # Within the limit, served.
        body = "[" * 60 + "]" * 60
        response = self._post("/endpoint_test/h2b/json", body, "application/json")
        self.assertEqual(response.status_code, 200)

    def test_huge_numbers_400(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "endpoint.max_body_size", 10_000_000
        )
        for what, body in {
            "5000-digit integer": "1" * 5000,
            "100000-digit integer in a list": "[" + "9" * 100_000 + "]",
            "negative huge integer": '{"n": -' + "7" * 5000 + "}",
            "float overflow": "[1e999999]",
            "NaN": "[NaN]",
            "Infinity": '{"n": -Infinity}',
        }.items():
            response = self._post("/endpoint_test/h2b/json", body, "application/json")
            self.assertInvalid(response, "json_invalid", what)
        response = self._post(
            "/endpoint_test/h2b/json", "[12345678901234567890]", "application/json"
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), [12345678901234567890])


@tagged("post_install", "-at_install")
class TestEndpointHostileSnippet(HostileCaseMixin, EndpointHttpCase):
    def _answer(self, snippet, route="/endpoint_test/h2b/snippet"):
        self._create_endpoint(
            route=route,
            auth_type="public",
            exec_as_user_id=self.env.ref("base.user_admin").id,
            code_snippet=snippet,
        )
        return self._call(route)

    def test_snippet_exception_500_logged_and_rolled_back(self):
        with self.assertLogs(MODEL_LOGGER, "ERROR") as logs:
            response = self._answer(
                "partner = env['res.partner'].create({'name': 'H2B doomed'})\n"
                "partner.write({'comment': 'written too'})\n"
                "raise Exception('db password is hunter2-h2b')\n"
            )
        self.assertEqual(response.status_code, 500)
        self.assertEqual(response.json(), {"error": "Internal Server Error"})
        self.assertLess(len(response.content), 100)
        self.assertNotIn("hunter2", response.text)
        self.assertNotIn("Traceback", response.text)
        log = "\n".join(logs.output)
        self.assertIn("Traceback", log)
        self.assertIn("hunter2-h2b", log)
        self.assertIn("/endpoint_test/h2b/snippet", log)
        self.assertFalse(self.env["res.partner"].search([("name", "=", "H2B doomed")]))

    def test_runaway_recursion_500(self):
        with mute_logger(MODEL_LOGGER):
            response = self._answer("def f(n):\n    return f(n + 1)\nf(0)\n")
        self.assertEqual(response.status_code, 500)
        self.assertEqual(response.json(), {"error": "Internal Server Error"})

    def test_error_in_a_write_500_rolled_back(self):
        # A database error inside the snippet (here a NOT NULL violation).
        with mute_logger(MODEL_LOGGER, "odoo.sql_db"):
            response = self._answer(
                "env['res.partner'].create({'name': 'H2B before'})\n"
                "env.cr.execute('INSERT INTO res_partner (id) VALUES (NULL)')\n"
            )
        self.assertEqual(response.status_code, 500)
        self.assertEqual(response.json(), {"error": "Internal Server Error"})
        self.assertNotIn("res_partner", response.text)
        self.assertFalse(self.env["res.partner"].search([("name", "=", "H2B before")]))


@tagged("post_install", "-at_install")
class TestEndpointHostileRoutes(HostileCaseMixin, EndpointHttpCase):
    def test_trailing_slash_same_route(self):
        endpoint = self._create_endpoint(
            route="/endpoint_test/h2b/slash/",
            auth_type="public",
            exec_as_user_id=self.env.ref("base.user_demo").id,
        )
        self.assertEqual(endpoint.route, "/endpoint_test/h2b/slash")
        for path in ("/endpoint_test/h2b/slash", "/endpoint_test/h2b/slash/"):
            response = self._call(path)
            self.assertEqual(response.status_code, 200, path)
            self.assertEqual(response.json(), {"ok": True}, path)
        endpoint.route = "/endpoint_test/h2b/other///"
        self.assertEqual(endpoint.route, "/endpoint_test/h2b/other")

    def test_trailing_slash_duplicate_refused(self):
        self._create_endpoint(sync=False, route="/endpoint_test/h2b/dup")
        with (
            self.assertRaises(Exception) as caught,
            mute_logger("odoo.sql_db"),
            self.env.cr.savepoint(),
        ):
            self._create_endpoint(sync=False, route="/endpoint_test/h2b/dup/")
        self.assertIn("route", str(caught.exception).lower())

    def test_routes_served_by_odoo_refused(self):
        for route in (
            "/web/login",
            "/web/login/",
            "/odoo",
            "/odoo/action-base.action_res_users",
            "/web/session/authenticate",
            "/json/2/res.partner/search_read",
            "/jsonrpc",
            "/xmlrpc/2/object",
            "/web",
            "/",
        ):
            with self.assertRaises(UserError, msg=route) as caught:
                self._create_endpoint(sync=False, route=route)
            self.assertIn("route", str(caught.exception).lower(), route)

    def test_route_change_to_an_odoo_route_refused(self):
        endpoint = self._create_endpoint(sync=False, route="/endpoint_test/h2b/mine")
        with self.assertRaises(UserError):
            endpoint.route = "/web/login"
        self.assertEqual(endpoint.route, "/endpoint_test/h2b/mine")

    def test_routes_near_odoo_ones_allowed(self):
        for route in (
            "/api/web/login",
            "/web-login",
            "/webhooks/h2b",
            "/jsonapi/h2b",
            "/odoo_h2b/status",
        ):
            endpoint = self._create_endpoint(sync=False, route=route)
            self.assertEqual(endpoint.route, route)

    def test_every_other_method_405_with_allow(self):
        self._create_endpoint(
            route="/endpoint_test/h2b/methods",
            auth_type="public",
            exec_as_user_id=self.env.ref("base.user_demo").id,
            request_method="DELETE",
            cors=False,
        )
        for method in ("GET", "HEAD", "POST", "PUT", "PATCH", "OPTIONS", "PROPFIND"):
            response = self._call("/endpoint_test/h2b/methods", method)
            self.assertEqual(response.status_code, 405, method)
            self.assertEqual(response.headers["Allow"], "DELETE", method)
        response = self._call("/endpoint_test/h2b/methods", "DELETE")
        self.assertEqual(response.status_code, 200)


@tagged("post_install", "-at_install")
class TestEndpointHostileResync(HostileCaseMixin, EndpointHttpCase):
    """Edits and syncs between requests: old or new answer, never an error."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.endpoint = cls._create_endpoint(
            route="/endpoint_test/h2b/version",
            auth_type="public",
            exec_as_user_id=cls.env.ref("base.user_demo").id,
            code_snippet="result = {'payload': 0}",
        )

    def _version(self):
        response = self._call("/endpoint_test/h2b/version")
        self.assertEqual(response.status_code, 200, response.text)
        return response.json()

    def test_edit_served_after_sync_only(self):
        self.assertEqual(self._version(), 0)
        for version in range(1, 6):
            self.endpoint.code_snippet = f"result = {{'payload': {version}}}"
            self.assertFalse(self.endpoint.registry_sync)
            # Not synced yet: the route keeps its previous behaviour.
            self.assertEqual(self._version(), version - 1)
            self._sync(self.endpoint)
            self.assertEqual(self._version(), version)

    def test_broken_edit_never_served(self):
        # A change to the route fields that is not synced changes nothing.
        self.endpoint.write(
            {"request_method": "POST", "request_content_type": "application/json"}
        )
        self.assertEqual(self._version(), 0)
        self._sync(self.endpoint)
        response = self._call("/endpoint_test/h2b/version")
        self.assertEqual(response.status_code, 405)

    def test_route_renamed_old_404_new_200(self):
        self.endpoint.route = "/endpoint_test/h2b/renamed"
        self.assertEqual(self._version(), 0)
        self._sync(self.endpoint)
        self.assertEqual(self._call("/endpoint_test/h2b/version").status_code, 404)
        self.assertEqual(self._call("/endpoint_test/h2b/renamed").status_code, 200)

    def test_registry_rows_follow_records(self):
        Endpoint = self.env["endpoint.endpoint"]
        endpoints = self.endpoint
        for index in range(4):
            endpoints |= self._create_endpoint(
                sync=False,
                route=f"/endpoint_test/h2b/many/{index}",
                auth_type="public",
                exec_as_user_id=self.env.ref("base.user_demo").id,
            )
        admin_env = self.env(user=self.env.ref("base.user_admin"))
        # Two sessions (superuser and admin) edit and sync the same records,
        # one after the other, in overlapping batches.
        self._sync(endpoints[:3])
        endpoints[1:].with_env(admin_env).write({"route_group": "h2b"})
        self._sync(endpoints[2:].with_env(admin_env))
        endpoints[1].active = False
        self._sync(endpoints[:2])
        endpoints[3].route = "/endpoint_test/h2b/many/moved"
        self._sync(endpoints)
        endpoints[4].unlink()
        self._sync(endpoints.exists())
        self.env.flush_all()

        keys = {f"endpoint.endpoint:{id_}" for id_ in endpoints.ids}
        rows = {
            rule.key: rule.route
            for rule in EndpointRegistry.registry_for(self.env.cr).get_rules()
            if rule.key in keys
        }
        records = Endpoint.with_context(active_test=False).browse(endpoints.ids)
        expected = {
            f"endpoint.endpoint:{rec.id}": rec.route
            for rec in records.exists()
            if rec.active
        }
        self.assertTrue(all(records.exists().mapped("registry_sync")))
        self.assertEqual(rows, expected)
        for rec in endpoints.exists():
            response = self._call(rec.route)
            self.assertEqual(
                response.status_code, 200 if rec.active else 404, rec.route
            )
        self.assertEqual(self._call("/endpoint_test/h2b/many/3").status_code, 404)
        self.assertEqual(json.loads(self._call(endpoints[0].route).text), 0)


CONTACT_SCHEMA = """
type: object
required: [name]
additionalProperties: false
properties:
  name: {type: string}
  tags: {type: array, items: {type: string}}
  codes: {type: array, uniqueItems: true}
"""
LINES_XSD = """<?xml version="1.0"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">
  <xs:element name="order">
    <xs:complexType>
      <xs:sequence>
        <xs:element name="line" maxOccurs="unbounded">
          <xs:complexType>
            <xs:attribute name="qty" type="xs:positiveInteger" use="required"/>
          </xs:complexType>
        </xs:element>
      </xs:sequence>
    </xs:complexType>
  </xs:element>
</xs:schema>
"""
MAX_ERRORS = 20


@tagged("post_install", "-at_install")
class TestEndpointHostileBodyCost(HostileCaseMixin, EndpointHttpCase):
    """Bodies built to be expensive to refuse: a short answer, at once."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        common = {
            "request_method": "POST",
            "auth_type": "public",
            "exec_as_user_id": cls.env.ref("base.user_demo").id,
            "code_snippet": "result = {'payload': 'accepted'}",
        }
        cls.json_endpoint = cls._create_endpoint(
            route="/endpoint_test/h12/json",
            request_content_type="application/json",
            request_content_schema=CONTACT_SCHEMA,
            **common,
        )
        cls.xml_endpoint = cls._create_endpoint(
            route="/endpoint_test/h12/xml",
            request_content_type="application/xml",
            request_content_schema=LINES_XSD,
            **common,
        )

    def assertShortRefusal(self, response, type_, what):
        self.assertEqual(response.status_code, 400, what)
        detail = response.json()["detail"]
        self.assertLessEqual(len(detail), MAX_ERRORS + 1, what)
        self.assertLess(len(response.content), 10_000, what)
        self.assertIn(type_, {item["type"] for item in detail}, what)
        return detail

    def test_json_body_failing_every_item(self):
        # Just under the default limit (1 MiB).
        body = json.dumps({"name": "a", "tags": [0] * 340_000})
        self.assertGreater(len(body), 1_000_000)
        response = self._post("/endpoint_test/h12/json", body, "application/json")
        detail = self.assertShortRefusal(response, "type", "every item wrong")
        self.assertEqual(len(detail), MAX_ERRORS + 1)
        self.assertEqual(detail[0]["loc"], ["body", "tags", 0])
        self.assertEqual(detail[-1]["type"], "too_many_errors")

    def test_json_body_with_many_unknown_keys(self):
        body = json.dumps({"name": "a", **{f"k{i}": 0 for i in range(60_000)}})
        response = self._post("/endpoint_test/h12/json", body, "application/json")
        detail = self.assertShortRefusal(response, "additionalProperties", "keys")
        self.assertEqual(len(detail), 1)

    def test_json_body_with_many_objects_to_compare(self):
        codes = [{"n": i} for i in range(60_000)]
        body = json.dumps({"name": "a", "codes": [*codes, {"n": 5}]})
        response = self._post("/endpoint_test/h12/json", body, "application/json")
        detail = self.assertShortRefusal(response, "uniqueItems", "duplicates")
        self.assertEqual(len(detail), 1)
        body = json.dumps({"name": "a", "codes": codes})
        response = self._post("/endpoint_test/h12/json", body, "application/json")
        self.assertEqual(response.json(), "accepted")

    def test_xml_body_failing_every_line(self):
        body = b"<order>" + b"<line/>\n" * 120_000 + b"</order>"
        response = self._post("/endpoint_test/h12/xml", body, "application/xml")
        detail = self.assertShortRefusal(response, "xml_schema", "every line wrong")
        self.assertEqual(len(detail), MAX_ERRORS + 1)
        self.assertEqual(
            detail[-1]["msg"],
            f"{120_000 - MAX_ERRORS} more errors not listed "
            f"(at most {MAX_ERRORS} are).",
        )

    def test_xml_element_with_many_attributes(self):
        attrs = "".join(f' a{i}="1"' for i in range(80_000))
        body = f'<order><line qty="1"{attrs}/></order>'.encode()
        response = self._post("/endpoint_test/h12/xml", body, "application/xml")
        self.assertInvalid(response, "xml_invalid", "attributes")
        self.assertIn("more than 256 attributes", response.text)

    def test_small_xml_errors_keep_line_and_path(self):
        body = b'<order>\n<line qty="2"/>\n<line qty="-1"/>\n</order>'
        response = self._post("/endpoint_test/h12/xml", body, "application/xml")
        detail = self.assertShortRefusal(response, "xml_schema", "one bad line")
        self.assertEqual(detail[0]["loc"], ["body", "/order/line[2]"])
        self.assertTrue(detail[0]["msg"].startswith("line 3: "), detail)

    def test_default_limit_is_one_mebibyte(self):
        self.env["ir.config_parameter"].sudo().set_param("endpoint.max_body_size", "")
        body = b'{"name": "' + b"x" * (1024 * 1024) + b'"}'
        response = self._post("/endpoint_test/h12/json", body, "application/json")
        self.assertEqual(response.status_code, 413, response.text)
        body = b'{"name": "' + b"x" * (1024 * 1024 - 20) + b'"}'
        response = self._post("/endpoint_test/h12/json", body, "application/json")
        self.assertEqual(response.json(), "accepted")

    def test_endpoint_limit_wins_over_the_system_parameter(self):
        self.env["ir.config_parameter"].sudo().set_param("endpoint.max_body_size", 100)
        self.json_endpoint.request_max_body_size = 4 * 1024 * 1024
        # Not synced yet: the published limit (the system's) applies.
        body = json.dumps({"name": "x" * 2_000_000})
        response = self._post("/endpoint_test/h12/json", body, "application/json")
        self.assertEqual(response.status_code, 413)
        self._sync(self.json_endpoint)
        response = self._post("/endpoint_test/h12/json", body, "application/json")
        self.assertEqual(response.json(), "accepted")
        response = self._post(
            "/endpoint_test/h12/json", body + " " * 2_200_000, "application/json"
        )
        self.assertEqual(response.status_code, 413)
        with self.assertRaises(UserError):
            self.json_endpoint.request_max_body_size = -1


@tagged("post_install", "-at_install")
class TestEndpointHostileHeaders(HostileCaseMixin, EndpointHttpCase):
    """Headers a snippet takes from the request: one answer, never two."""

    def _answer(self, code, **params):
        self.env["endpoint.endpoint"].search(
            [("route", "=", "/endpoint_test/h12/headers")]
        ).unlink()
        self._create_endpoint(
            route="/endpoint_test/h12/headers",
            auth_type="public",
            exec_as_user_id=self.env.ref("base.user_demo").id,
            code_snippet=code,
        )
        return self._call("/endpoint_test/h12/headers", params=params)

    def assertSnippetFailed(self, response, what):
        self.assertEqual(response.status_code, 500, what)
        self.assertNotIn("Set-Cookie", response.headers, what)
        self.assertNotIn("h12=forged", response.text, what)
        self.assertEqual(response.json(), {"error": "Internal Server Error"}, what)

    def test_header_name_with_crlf_is_a_500(self):
        code = (
            "name = request.params['name']\n"
            "result = {'payload': 1, 'headers': {name: 'x'}}\n"
        )
        for name in ("X-A\r\nSet-Cookie: h12=forged", "X-A\nSet-Cookie: h12=forged"):
            with self.assertLogs(MODEL_LOGGER, "ERROR") as logs:
                response = self._answer(code, name=name)
            self.assertSnippetFailed(response, repr(name))
            self.assertIn("is not a valid HTTP token", "\n".join(logs.output))

    def test_bad_header_names_and_values_are_a_500(self):
        for what, headers in {
            "space in the name": "{'X A': 'x'}",
            "colon in the name": "{'X-A:': 'x'}",
            "empty name": "{'': 'x'}",
            "CRLF in the value": "{'X-A': 'x\\r\\nSet-Cookie: h12=forged'}",
            "not Latin-1": "{'X-A': 'caf\\u00e9 \\u2603'}",
            "not text": "{'X-A': ['x']}",
            "pairs": "[('X-A\\r\\n', 'x')]",
        }.items():
            with mute_logger(MODEL_LOGGER):
                response = self._answer(
                    f"result = {{'payload': 1, 'headers': {headers}}}"
                )
            self.assertSnippetFailed(response, what)

    def test_response_object_headers_are_checked_too(self):
        code = (
            "response = Response('hi')\n"
            "response.headers['X-A'] = 'caf\\u00e9 \\u2603'\n"
            "result = {'response': response}\n"
        )
        with mute_logger(MODEL_LOGGER):
            response = self._answer(code)
        self.assertSnippetFailed(response, "Response with a non Latin-1 value")

    def test_good_headers_pass(self):
        response = self._answer(
            "result = {'payload': 1, 'headers': "
            "{'X-Count': 3, 'X-Tab': 'a\\tb', 'X-Latin': 'caf\\u00e9'}}"
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["X-Count"], "3")
        self.assertEqual(response.headers["X-Latin"].encode("latin-1"), b"caf\xe9")


@tagged("post_install", "-at_install")
class TestEndpointHostileEvented(HostileCaseMixin, EndpointHttpCase):
    """The evented (gevent) process has no time limit: endpoints stay off it."""

    def test_endpoints_refused_on_the_evented_port(self):
        self._create_endpoint(
            route="/endpoint_test/h12/loop",
            auth_type="public",
            exec_as_user_id=self.env.ref("base.user_demo").id,
            code_snippet="while True:\n    pass\n",
        )
        # This test server plays the evented process: the flag is how Odoo
        # tells its gevent process from the HTTP workers.
        with patch.object(odoo, "evented", True):
            for route, method in (
                ("/endpoint_test/h12/loop", "GET"),
                ("/demo/hello", "GET"),
                ("/demo/contact", "POST"),
            ):
                response = self._call(route, method)
                self.assertEqual(response.status_code, 503, route)
                self.assertEqual(
                    response.json(),
                    {"detail": "Endpoints are not served on this port."},
                    route,
                )
            # Odoo's own routes still answer there.
            self.assertEqual(
                self._call("/web/webclient/version_info", "POST", json={}).status_code,
                200,
            )
        self.assertEqual(self._call("/demo/hello").status_code, 200)
