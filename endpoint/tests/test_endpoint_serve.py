# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What an HTTP client sees: the checks in the order they run, the answers,
and hostile input (a clear answer, nothing lost)."""

import json
import unittest
from unittest.mock import patch

import werkzeug.exceptions
from werkzeug.exceptions import MethodNotAllowed, UnsupportedMediaType

import odoo
from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged
from odoo.tools import file_open, mute_logger

from ..controllers.main import EndpointController
from ..exceptions import RequestValidationError
from .common import INTERNAL_ERROR, EndpointHttpCase

JSON_SCHEMA = """
type: object
required: [name, email]
properties:
  name: {type: string}
  email: {type: string}
  age: {type: integer, minimum: 0}
"""

XSD = """<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">
  <xs:element name="note">
    <xs:complexType>
      <xs:sequence>
        <xs:element name="to" type="xs:string"/>
        <xs:element name="qty" type="xs:positiveInteger"/>
      </xs:sequence>
    </xs:complexType>
  </xs:element>
</xs:schema>
"""

MODEL_LOGGER = "endpoint.endpoint"

NOTE_XSD = """<?xml version="1.0" encoding="UTF-8"?>
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


class EndpointHttpMixin:
    """Small helpers shared by the HTTP test classes."""

    def _post_json(self, route, payload, content_type="application/json", **kw):
        data = payload if isinstance(payload, str | bytes) else json.dumps(payload)
        return self._call(
            route, "POST", data=data, headers={"Content-Type": content_type}, **kw
        )

    def assertDetail(self, response, expected):
        """Assert a structured 400 whose items are ``expected`` (loc, type)."""
        self.assertEqual(response.status_code, 400, response.text)
        self.assertEqual(response.headers["Content-Type"], "application/json")
        detail = response.json()["detail"]
        for item in detail:
            self.assertEqual(set(item), {"loc", "msg", "type"}, item)
            self.assertIsInstance(item["msg"], str)
            self.assertTrue(item["msg"])
        got = sorted((item["loc"], item["type"]) for item in detail)
        self.assertEqual(got, sorted(expected))
        return detail


@tagged("post_install", "-at_install")
class TestEndpointHttpRouting(EndpointHttpMixin, EndpointHttpCase):
    def test_unknown_route_404(self):
        response = self._call("/endpoint_test/h2b/nowhere")
        self.assertEqual(response.status_code, 404)

    def test_unsynced_route_404_until_synced(self):
        endpoint = self._create_endpoint(
            sync=False,
            route="/endpoint_test/h2b/fresh",
            auth_type="public",
            exec_as_user_id=self.env.ref("base.user_demo").id,
        )
        self.assertFalse(endpoint.registry_sync)
        self.assertEqual(self._call("/endpoint_test/h2b/fresh").status_code, 404)
        self._sync(endpoint)
        response = self._call("/endpoint_test/h2b/fresh")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), {"ok": True})

    def test_archived_then_synced_route_404(self):
        endpoint = self._create_endpoint(
            route="/endpoint_test/h2b/archived",
            auth_type="public",
            exec_as_user_id=self.env.ref("base.user_demo").id,
        )
        self.assertEqual(self._call("/endpoint_test/h2b/archived").status_code, 200)
        endpoint.active = False
        # Archiving takes the route off at once, and a sync keeps it off.
        self.assertEqual(self._call("/endpoint_test/h2b/archived").status_code, 404)
        self._sync(endpoint)
        self.assertEqual(self._call("/endpoint_test/h2b/archived").status_code, 404)

    def test_deleted_route_404(self):
        endpoint = self._create_endpoint(
            route="/endpoint_test/h2b/deleted",
            auth_type="public",
            exec_as_user_id=self.env.ref("base.user_demo").id,
        )
        self.assertEqual(self._call("/endpoint_test/h2b/deleted").status_code, 200)
        endpoint.unlink()
        self.assertEqual(self._call("/endpoint_test/h2b/deleted").status_code, 404)


@tagged("post_install", "-at_install")
class TestEndpointHttpAuth(EndpointHttpMixin, EndpointHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.exec_user = new_test_user(
            cls.env, login="h2b_exec", groups="base.group_user", name="H2B Exec"
        )
        cls.whoami = "result = {'payload': {'login': user.login, 'uid': env.uid}}"

    def test_user_endpoint_without_session_401_not_a_redirect(self):
        self._create_endpoint(
            route="/endpoint_test/h2b/private", code_snippet=self.whoami
        )
        for method in ("GET", "POST", "DELETE"):
            response = self._call("/endpoint_test/h2b/private", method)
            # Authentication comes before the method check: 401, not 405.
            self.assertEqual(response.status_code, 401, method)
            self.assertNotIn("Location", response.headers)
            self.assertNotIn("/web/login", response.text)

    def test_user_endpoint_with_session_runs_as_caller(self):
        self._create_endpoint(
            route="/endpoint_test/h2b/private", code_snippet=self.whoami
        )
        demo = self.env.ref("base.user_demo")
        self.authenticate("demo", "demo")
        response = self._call("/endpoint_test/h2b/private")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), {"login": "demo", "uid": demo.id})
        # An API answer does not touch the caller's session cookie.
        self.assertNotIn("Set-Cookie", response.headers)

    def test_user_endpoint_with_exec_user_runs_as_exec_user(self):
        self._create_endpoint(
            route="/endpoint_test/h2b/private",
            code_snippet=self.whoami,
            exec_as_user_id=self.exec_user.id,
        )
        self.authenticate("demo", "demo")
        response = self._call("/endpoint_test/h2b/private")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["login"], "h2b_exec")

    def test_public_runs_as_exec_user(self):
        self._create_endpoint(
            route="/endpoint_test/h2b/public",
            auth_type="public",
            code_snippet=self.whoami,
            exec_as_user_id=self.exec_user.id,
        )
        response = self._call("/endpoint_test/h2b/public")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            response.json(), {"login": "h2b_exec", "uid": self.exec_user.id}
        )

    def test_record_rule_of_exec_user_applies_to_snippet(self):
        group = self.env["res.groups"].create({"name": "H2B restricted partners"})
        self.exec_user.group_ids = [(4, group.id)]
        Partner = self.env["res.partner"]
        visible = Partner.create({"name": "H2B rule visible"})
        hidden = Partner.create({"name": "H2B rule hidden"})
        self.env["ir.rule"].create(
            {
                "name": "H2B: hide one partner",
                "model_id": self.env.ref("base.model_res_partner").id,
                "groups": [(4, group.id)],
                "domain_force": f"[('id', '!=', {hidden.id})]",
            }
        )
        self._create_endpoint(
            route="/endpoint_test/h2b/partners",
            auth_type="public",
            exec_as_user_id=self.exec_user.id,
            code_snippet=(
                "partners = env['res.partner'].search("
                "[('name', 'like', 'H2B rule')])\n"
                "result = {'payload': sorted(partners.mapped('name'))}"
            ),
        )
        response = self._call("/endpoint_test/h2b/partners")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), [visible.name])
        # The record is there: only the exec user's rule hid it.
        self.assertTrue(hidden.exists())
        self.assertIn(hidden, Partner.search([("name", "like", "H2B rule")]))


@tagged("post_install", "-at_install")
class TestEndpointHttpMethods(EndpointHttpMixin, EndpointHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.demo_user = cls.env.ref("base.user_demo")
        cls.get_endpoint = cls._create_endpoint(
            route="/endpoint_test/h2b/get",
            auth_type="public",
            exec_as_user_id=cls.demo_user.id,
            cors="https://app.example.com",
            code_snippet="result = {'payload': {'method': 'get'}}",
        )
        cls.post_endpoint = cls._create_endpoint(
            route="/endpoint_test/h2b/post",
            request_method="POST",
            request_content_type="application/json",
            auth_type="public",
            exec_as_user_id=cls.demo_user.id,
            cors="https://app.example.com",
            code_snippet="result = {'payload': request.get_json_data()}",
        )

    def test_wrong_method_405_with_allow(self):
        for method in ("POST", "PUT", "DELETE", "PATCH"):
            response = self._call("/endpoint_test/h2b/get", method)
            self.assertEqual(response.status_code, 405, method)
            self.assertEqual(response.headers["Allow"], "GET, HEAD", method)
            self.assertIn("not allowed", response.json()["detail"])
        for method in ("GET", "HEAD", "PUT", "DELETE", "PATCH"):
            response = self._call("/endpoint_test/h2b/post", method)
            self.assertEqual(response.status_code, 405, method)
            self.assertEqual(response.headers["Allow"], "POST", method)

    def test_method_checked_before_content_type(self):
        response = self._call(
            "/endpoint_test/h2b/post",
            "PUT",
            data="x",
            headers={"Content-Type": "text/plain"},
        )
        self.assertEqual(response.status_code, 405)

    def test_head_on_get_endpoint_like_get_without_body(self):
        get = self._call("/endpoint_test/h2b/get")
        head = self._call("/endpoint_test/h2b/get", "HEAD")
        self.assertEqual(head.status_code, 200)
        self.assertEqual(head.content, b"")
        self.assertEqual(head.headers["Content-Type"], get.headers["Content-Type"])
        self.assertEqual(get.json(), {"method": "get"})

    def test_options_preflight_follows_cors(self):
        for endpoint, method in (
            ("/endpoint_test/h2b/get", "GET, HEAD"),
            ("/endpoint_test/h2b/post", "POST"),
        ):
            response = self._call(
                endpoint,
                "OPTIONS",
                headers={
                    "Origin": "https://app.example.com",
                    "Access-Control-Request-Method": method.split(",")[0],
                },
            )
            self.assertEqual(response.status_code, 204, endpoint)
            self.assertEqual(response.content, b"")
            self.assertEqual(
                response.headers["Access-Control-Allow-Origin"],
                "https://app.example.com",
            )
            self.assertEqual(response.headers["Access-Control-Allow-Methods"], method)

    def test_options_preflight_needs_no_session(self):
        self._create_endpoint(
            route="/endpoint_test/h2b/private-cors",
            request_method="PUT",
            request_content_type="application/json",
            cors="*",
        )
        response = self._call("/endpoint_test/h2b/private-cors", "OPTIONS")
        self.assertEqual(response.status_code, 204)
        self.assertEqual(response.headers["Access-Control-Allow-Methods"], "PUT")
        # The actual request still needs one.
        response = self._call(
            "/endpoint_test/h2b/private-cors",
            "PUT",
            data="{}",
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(response.status_code, 401)

    def test_options_without_cors_405(self):
        self.get_endpoint.cors = False
        self._sync(self.get_endpoint)
        response = self._call("/endpoint_test/h2b/get", "OPTIONS")
        self.assertEqual(response.status_code, 405)
        self.assertEqual(response.headers["Allow"], "GET, HEAD")
        self.assertNotIn("Access-Control-Allow-Origin", response.headers)
        # And a plain GET carries no CORS header either.
        response = self._call("/endpoint_test/h2b/get")
        self.assertEqual(response.status_code, 200)
        self.assertNotIn("Access-Control-Allow-Origin", response.headers)

    def test_cors_headers_on_answers(self):
        response = self._call("/endpoint_test/h2b/get")
        self.assertEqual(
            response.headers["Access-Control-Allow-Origin"], "https://app.example.com"
        )
        self.assertEqual(response.headers["Access-Control-Allow-Methods"], "GET, HEAD")
        response = self._call("/endpoint_test/h2b/get", "DELETE")
        self.assertEqual(response.status_code, 405)
        self.assertEqual(
            response.headers["Access-Control-Allow-Origin"], "https://app.example.com"
        )


@tagged("post_install", "-at_install")
class TestEndpointHttpContent(EndpointHttpMixin, EndpointHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        demo = cls.env.ref("base.user_demo")
        common = {
            "request_method": "POST",
            "auth_type": "public",
            "exec_as_user_id": demo.id,
            "cors": "https://app.example.com",
        }
        cls.json_endpoint = cls._create_endpoint(
            route="/endpoint_test/h2b/json",
            request_content_type="application/json",
            request_content_schema=JSON_SCHEMA,
            code_snippet="result = {'payload': {'got': request.get_json_data()}}",
            **common,
        )
        cls.xml_endpoint = cls._create_endpoint(
            route="/endpoint_test/h2b/xml",
            request_content_type="application/xml",
            request_content_schema=XSD,
            code_snippet=(
                "result = {'response': Response("
                "request.httprequest.get_data(), content_type='application/xml')}"
            ),
            **common,
        )

    def test_content_type_differs_415(self):
        for content_type in ("text/plain", "application/xml", "application/jsonx"):
            response = self._post_json(
                "/endpoint_test/h2b/json",
                {"name": "a", "email": "b"},
                content_type=content_type,
            )
            self.assertEqual(response.status_code, 415, content_type)
            self.assertIn("application/json", response.json()["detail"])
        response = self._call("/endpoint_test/h2b/json", "POST", data=b"")
        self.assertEqual(response.status_code, 415)

    def test_content_type_compared_by_media_type(self):
        for content_type in (
            "application/json; charset=utf-8",
            "Application/JSON",
            "application/json;charset=UTF-8",
        ):
            response = self._post_json(
                "/endpoint_test/h2b/json",
                {"name": "a", "email": "b"},
                content_type=content_type,
            )
            self.assertEqual(response.status_code, 200, content_type)
            self.assertEqual(response.json(), {"got": {"name": "a", "email": "b"}})

    def test_malformed_json_400(self):
        for body in ('{"name": "a",', "", "not json", b"\xff\xfe{}"):
            response = self._post_json("/endpoint_test/h2b/json", body)
            self.assertDetail(response, [(["body"], "json_invalid")])

    def test_json_schema_errors_one_item_each(self):
        response = self._post_json("/endpoint_test/h2b/json", {"name": 5, "age": -1})
        detail = self.assertDetail(
            response,
            [
                (["body"], "required"),
                (["body", "age"], "minimum"),
                (["body", "name"], "type"),
            ],
        )
        self.assertIn(
            "email", next(d for d in detail if d["type"] == "required")["msg"]
        )
        response = self._post_json("/endpoint_test/h2b/json", [1, 2])
        self.assertDetail(response, [(["body"], "type")])

    def test_json_schema_error_path_in_arrays(self):
        self.json_endpoint.request_content_schema = (
            '{"type": "object", "properties": {"tags": '
            '{"type": "array", "items": {"type": "string"}}}}'
        )
        self._sync(self.json_endpoint)
        response = self._post_json(
            "/endpoint_test/h2b/json", {"tags": ["a", 2, "c", 4]}
        )
        self.assertDetail(
            response, [(["body", "tags", 1], "type"), (["body", "tags", 3], "type")]
        )

    def test_xml_ok_invalid_and_schema_errors(self):
        headers = {"Content-Type": "application/xml"}
        good = b"<note><to>Ann</to><qty>2</qty></note>"
        response = self._call(
            "/endpoint_test/h2b/xml", "POST", data=good, headers=headers
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.content, good)
        response = self._call(
            "/endpoint_test/h2b/xml",
            "POST",
            data=b"<note><to>Ann</note>",
            headers=headers,
        )
        self.assertDetail(response, [(["body"], "xml_invalid")])
        response = self._call(
            "/endpoint_test/h2b/xml",
            "POST",
            data=b"<note><to>Ann</to><qty>-2</qty><extra/></note>",
            headers=headers,
        )
        self.assertEqual(response.status_code, 400)
        detail = response.json()["detail"]
        self.assertTrue(detail)
        self.assertEqual({item["type"] for item in detail}, {"xml_schema"})
        self.assertEqual({item["loc"][0] for item in detail}, {"body"})
        self.assertTrue(any("qty" in item["msg"] for item in detail), detail)

    def test_400_keeps_cors_headers(self):
        response = self._post_json("/endpoint_test/h2b/json", "{")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(
            response.headers["Access-Control-Allow-Origin"], "https://app.example.com"
        )
        self.assertEqual(response.headers["Access-Control-Allow-Methods"], "POST")
        response = self._post_json(
            "/endpoint_test/h2b/json", {"name": "a"}, content_type="text/plain"
        )
        self.assertEqual(response.status_code, 415)
        self.assertEqual(
            response.headers["Access-Control-Allow-Origin"], "https://app.example.com"
        )

    def test_content_type_accepted_by_family(self):
        for content_type in (
            "application/problem+json",
            "application/vnd.api+json; charset=utf-8",
        ):
            response = self._post_json(
                "/endpoint_test/h2b/json",
                {"name": "a", "email": "b"},
                content_type=content_type,
            )
            self.assertEqual(response.status_code, 200, content_type)
            self.assertEqual(response.json(), {"got": {"name": "a", "email": "b"}})
        # The body is still checked against the schema.
        response = self._post_json(
            "/endpoint_test/h2b/json", {"name": "a"}, content_type="application/ld+json"
        )
        self.assertDetail(response, [(["body"], "required")])
        good = b"<note><to>Ann</to><qty>2</qty></note>"
        for content_type in ("text/xml", "application/soap+xml", "text/xml; q=1"):
            response = self._call(
                "/endpoint_test/h2b/xml",
                "POST",
                data=good,
                headers={"Content-Type": content_type},
            )
            self.assertEqual(response.status_code, 200, content_type)
            self.assertEqual(response.content, good)
        for route, content_type in (
            ("/endpoint_test/h2b/json", "text/json"),
            ("/endpoint_test/h2b/json", "application/soap+xml"),
            ("/endpoint_test/h2b/xml", "application/problem+json"),
            ("/endpoint_test/h2b/xml", "text/plain"),
        ):
            response = self._call(
                route, "POST", data=good, headers={"Content-Type": content_type}
            )
            self.assertEqual(response.status_code, 415, content_type)
            self.assertIn("must be", response.json()["detail"])

    def test_schema_kept_on_get_and_text_plain_is_not_used(self):
        demo = self.env.ref("base.user_demo")
        common = {"auth_type": "public", "exec_as_user_id": demo.id}
        self._create_endpoint(
            route="/endpoint_test/h2b/get-with-schema",
            request_content_schema=JSON_SCHEMA,
            code_snippet="result = {'payload': 'served'}",
            **common,
        )
        response = self._call("/endpoint_test/h2b/get-with-schema")
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json(), "served")
        self._create_endpoint(
            route="/endpoint_test/h2b/text-with-schema",
            request_method="POST",
            request_content_type="text/plain",
            request_content_schema=JSON_SCHEMA,
            code_snippet=(
                "result = {'payload': request.httprequest.get_data(as_text=True)}"
            ),
            **common,
        )
        response = self._call(
            "/endpoint_test/h2b/text-with-schema",
            "POST",
            data="not JSON at all",
            headers={"Content-Type": "text/plain"},
        )
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json(), "not JSON at all")

    def test_json_body_checked_even_without_schema(self):
        self.json_endpoint.request_content_schema = False
        self.json_endpoint.code_snippet = (
            "result = {'payload': {'size': len(request.httprequest.get_data())}}"
        )
        self._sync(self.json_endpoint)
        # The snippet would fail to parse it: refused before it runs.
        response = self._post_json("/endpoint_test/h2b/json", "{not json")
        self.assertDetail(response, [(["body"], "json_invalid")])
        # Anything well-formed goes through, and so does no body at all.
        response = self._post_json("/endpoint_test/h2b/json", '"just a string"')
        self.assertEqual(response.json(), {"size": 15})
        response = self._post_json("/endpoint_test/h2b/json", "")
        self.assertEqual(response.json(), {"size": 0})

    def test_get_json_data_gives_the_validated_body_then_fresh_copies(self):
        # The body is parsed once, for validation; the snippet's first
        # get_json_data() gets that value, and a later call a new object, as
        # Odoo's own get_json_data() always does.
        self.json_endpoint.code_snippet = (
            "first = request.get_json_data()\n"
            "first['name'] = 'changed'\n"
            "second = request.get_json_data()\n"
            "result = {'payload': {'first': first, 'second': second, "
            "'same': first is second}}"
        )
        body = {"name": "Ann", "email": "ann@example.com", "age": 7}
        for schema in (JSON_SCHEMA, False):
            self.json_endpoint.request_content_schema = schema
            self._sync(self.json_endpoint)
            answer = self._post_json("/endpoint_test/h2b/json", body).json()
            self.assertEqual(answer["first"], {**body, "name": "changed"})
            self.assertEqual(answer["second"], body, schema)
            self.assertFalse(answer["same"])


@tagged("post_install", "-at_install")
class TestEndpointHttpErrors(EndpointHttpMixin, EndpointHttpCase):
    def _endpoint_answer(self, snippet, route="/endpoint_test/h2b/err", **vals):
        vals.setdefault("auth_type", "public")
        vals.setdefault("exec_as_user_id", self.env.ref("base.user_admin").id)
        self._create_endpoint(route=route, code_snippet=snippet, **vals)
        return self._call(route)

    def test_user_error_and_validation_error_400(self):
        for exc in ("UserError", "ValidationError"):
            response = self._endpoint_answer(
                f"raise exceptions.{exc}('Give a name, please')",
                route=f"/endpoint_test/h2b/{exc.lower()}",
            )
            self.assertEqual(response.status_code, 400, exc)
            self.assertEqual(
                response.json(),
                {"detail": "Give a name, please"},
            )

    def test_werkzeug_exceptions_keep_status(self):
        for exc, status in (
            ("NotFound", 404),
            ("BadRequest", 400),
            ("Unauthorized", 401),
        ):
            response = self._endpoint_answer(
                f"raise werkzeug.exceptions.{exc}('custom text')",
                route=f"/endpoint_test/h2b/{exc.lower()}",
            )
            self.assertEqual(response.status_code, status, exc)
            self.assertEqual(response.json()["detail"], "custom text")
            self.assertEqual(response.headers["Content-Type"], "application/json")

    def test_other_error_500_without_traceback(self):
        with self.assertLogs(MODEL_LOGGER, "ERROR") as logs:
            response = self._endpoint_answer(
                "secret = {'a': 1}\nvalue = secret['the-secret-key-h2b']"
            )
        self.assertEqual(response.status_code, 500)
        self.assertEqual(response.json(), INTERNAL_ERROR)
        self.assertNotIn("Traceback", response.text)
        self.assertNotIn("the-secret-key-h2b", response.text)
        # The details are in the server log.
        self.assertIn("the-secret-key-h2b", "\n".join(logs.output))
        self.assertIn("Traceback", "\n".join(logs.output))

    def test_failed_request_rolls_back_its_writes(self):
        cases = (
            ("raise ValueError('boom')", 500),
            ("raise exceptions.UserError('no')", 400),
            ("raise werkzeug.exceptions.NotFound()", 404),
            ("result = 'not a dict'", 500),
        )
        for index, (failure, status) in enumerate(cases):
            name = f"H2B rollback {index}"
            with mute_logger(MODEL_LOGGER):
                response = self._endpoint_answer(
                    f"env['res.partner'].create({{'name': {name!r}}})\n{failure}",
                    route=f"/endpoint_test/h2b/rollback{index}",
                )
            self.assertEqual(response.status_code, status, failure)
            self.assertFalse(
                self.env["res.partner"].search([("name", "=", name)]), failure
            )

    def test_successful_request_keeps_its_writes(self):
        response = self._endpoint_answer(
            "partner = env['res.partner'].create({'name': 'H2B kept'})\n"
            "result = {'payload': partner.id, 'status_code': 201}"
        )
        self.assertEqual(response.status_code, 201)
        self.assertEqual(
            self.env["res.partner"].browse(response.json()).name, "H2B kept"
        )


@tagged("post_install", "-at_install")
class TestEndpointHttpResult(EndpointHttpMixin, EndpointHttpCase):
    def _answer(self, snippet):
        self._create_endpoint(
            route="/endpoint_test/h2b/result",
            auth_type="public",
            exec_as_user_id=self.env.ref("base.user_demo").id,
            code_snippet=snippet,
        )
        return self._call("/endpoint_test/h2b/result")

    def test_payload_status_and_header_pairs(self):
        response = self._answer(
            "result = {'payload': {'a': [1, 'b']}, 'status_code': 202,\n"
            "          'headers': [('X-H2B', 'one'), ('X-Other', 'two')]}"
        )
        self.assertEqual(response.status_code, 202)
        self.assertEqual(response.json(), {"a": [1, "b"]})
        self.assertEqual(response.headers["X-H2B"], "one")
        self.assertEqual(response.headers["X-Other"], "two")
        self.assertEqual(response.headers["Content-Type"], "application/json")

    def test_header_dict_and_default_payload(self):
        response = self._answer("result = {'headers': {'X-H2B': 'dict'}}")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), "")
        self.assertEqual(response.headers["X-H2B"], "dict")

    def test_response_returned_as_is(self):
        response = self._answer(
            "result = {'response': Response('plain <b>text</b>', status=203,\n"
            "          content_type='text/plain', headers=[('X-H2B', 'r')])}"
        )
        self.assertEqual(response.status_code, 203)
        self.assertEqual(response.text, "plain <b>text</b>")
        self.assertEqual(response.headers["Content-Type"], "text/plain")
        self.assertEqual(response.headers["X-H2B"], "r")

    def test_odoo_json_encoding(self):
        response = self._answer(
            "result = {'payload': {\n"
            "    'd': datetime.date(2024, 2, 29),\n"
            "    'dt': datetime.datetime(2024, 2, 29, 13, 5, 9),\n"
            "    'partner_ids': env['res.partner'].browse([]).ids,\n"
            "}}"
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            response.json(),
            {"d": "2024-02-29", "dt": "2024-02-29 13:05:09", "partner_ids": []},
        )

    def test_json_default_hook(self):
        response = self._answer(
            "def encode(value):\n"
            "    return {'seconds': value.total_seconds()}\n"
            "result = {'payload': {'t': datetime.timedelta(minutes=2)},\n"
            "          'json_default': encode}"
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), {"t": {"seconds": 120.0}})

    def test_contract_violations_500(self):
        for snippet in (
            "result = ['not', 'a', 'dict']",
            "x = 1",
            "result = {'status_code': 'teapot'}",
            "result = {'status_code': 99}",
            "result = {'response': 'not a Response'}",
            "result = {'headers': 'X-A: b'}",
            "loop = []\nloop.append(loop)\nresult = {'payload': loop}",
            (
                "def fail(value):\n    raise Exception('no')\n"
                "result = {'payload': {1, 2}, 'json_default': fail}"
            ),
        ):
            with mute_logger(MODEL_LOGGER):
                response = self._answer(snippet)
            self.assertEqual(response.status_code, 500, snippet)
            self.assertEqual(response.json(), INTERNAL_ERROR)
            self.env["endpoint.endpoint"].search(
                [("route", "=", "/endpoint_test/h2b/result")]
            ).unlink()


@tagged("post_install", "-at_install")
class TestEndpointHttpDemo(EndpointHttpMixin, EndpointHttpCase):
    """The demo endpoints answer as the readme says."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        demo = cls.env["endpoint.endpoint"].search([("route_group", "=", "demo")])
        if len(demo) < 6:
            raise unittest.SkipTest("Demo data is not installed.")
        # Published at install by the post-commit sync; nothing to do unless
        # someone edited them since.
        cls._sync(demo.filtered(lambda r: not r.registry_sync))

    def test_hello(self):
        response = self._call("/demo/hello")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.text, "Hello from Odoo!")
        self.assertTrue(response.headers["Content-Type"].startswith("text/plain"))

    def test_json(self):
        response = self._call("/demo/json")
        self.assertEqual(response.status_code, 200)
        payload = response.json()
        self.assertEqual(payload["ran_as"], "demo")
        self.assertRegex(payload["today"], r"^\d{4}-\d{2}-\d{2}$")
        self.assertEqual(response.headers["Cache-Control"], "no-store")

    def test_echo(self):
        response = self._call("/demo/echo?name=x")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), {"echo": "x"})
        response = self._call("/demo/echo")
        self.assertEqual(response.status_code, 400)

    def test_contact(self):
        with file_open("endpoint/demo/contact.json", "rb") as sample:
            body = sample.read()
        response = self._post_json("/demo/contact", body)
        self.assertEqual(response.status_code, 201, response.text)
        self.assertEqual(response.json()["received"], json.loads(body)["name"])
        response = self._post_json("/demo/contact", {"name": "x", "email": "nope"})
        self.assertDetail(response, [(["body", "email"], "pattern")])

    def test_order(self):
        with file_open("endpoint/demo/order.xml", "rb") as sample:
            body = sample.read()
        response = self._call(
            "/demo/order",
            "POST",
            data=body,
            headers={"Content-Type": "application/xml"},
        )
        self.assertEqual(response.status_code, 200, response.text)
        self.assertIn(b"<ack received=", response.content)
        response = self._call(
            "/demo/order",
            "POST",
            data=b"<order/>",
            headers={"Content-Type": "application/xml"},
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["detail"][0]["type"], "xml_schema")

    def test_whoami(self):
        response = self._call("/demo/whoami")
        self.assertEqual(response.status_code, 401)
        self.assertNotIn("Location", response.headers)
        self.authenticate("admin", "admin")
        response = self._call("/demo/whoami")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["login"], "admin")


@tagged("post_install", "-at_install")
class TestEndpointHostileXml(EndpointHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.endpoint = cls._create_endpoint(
            route="/endpoint_test/h2b/xml",
            request_method="POST",
            request_content_type="application/xml",
            request_content_schema=NOTE_XSD,
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
            "DOCTYPE": NOTE_XSD.replace(
                "<xs:schema",
                '<!DOCTYPE xs:schema [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
                "<xs:schema",
                1,
            ),
            "include of a local file": NOTE_XSD.replace(
                '<xs:element name="note">',
                '<xs:include schemaLocation="file:///etc/passwd"/>'
                '<xs:element name="note">',
            ),
            "import over the network": NOTE_XSD.replace(
                '<xs:element name="note">',
                '<xs:import namespace="urn:h2b" '
                'schemaLocation="http://127.0.0.1:9/h2b.xsd"/>'
                '<xs:element name="note">',
            ),
            "redefine": NOTE_XSD.replace(
                '<xs:element name="note">',
                '<xs:redefine schemaLocation="/etc/hostname"/><xs:element name="note">',
            ),
        }
        for what, xsd in hostile_xsds.items():
            with self.assertRaises(UserError, msg=what) as caught:
                self.endpoint.request_content_schema = xsd
            self.assertIn("XSD", str(caught.exception), what)
            self.assertNotIn("root:", str(caught.exception), what)
        self.assertEqual(self.endpoint.request_content_schema, NOTE_XSD)


@tagged("post_install", "-at_install")
class TestEndpointHostileSize(EndpointHttpCase):
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
        self.assertIn("the limit is", response.json()["detail"])

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
class TestEndpointHostileSnippet(EndpointHttpCase):
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
        self.assertEqual(response.json(), INTERNAL_ERROR)
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
        self.assertEqual(response.json(), INTERNAL_ERROR)

    def test_error_in_a_write_500_rolled_back(self):
        # A database error inside the snippet (here a NOT NULL violation).
        with mute_logger(MODEL_LOGGER, "odoo.sql_db"):
            response = self._answer(
                "env['res.partner'].create({'name': 'H2B before'})\n"
                "env.cr.execute('INSERT INTO res_partner (id) VALUES (NULL)')\n"
            )
        self.assertEqual(response.status_code, 500)
        self.assertEqual(response.json(), INTERNAL_ERROR)
        self.assertNotIn("res_partner", response.text)
        self.assertFalse(self.env["res.partner"].search([("name", "=", "H2B before")]))


@tagged("post_install", "-at_install")
class TestEndpointServeSteps(EndpointHttpMixin, EndpointHttpCase):
    """The controller's steps, in order, each overridable on its own."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.endpoint = cls._create_endpoint(
            route="/endpoint_test/steps",
            request_method="POST",
            request_content_type="application/json",
            request_content_schema=JSON_SCHEMA,
            auth_type="public",
            exec_as_user_id=cls.env.ref("base.user_demo").id,
            code_snippet="result = {'payload': {'ran': True}}",
        )

    def test_validate_then_handle_then_render(self):
        Model = type(self.env["endpoint.endpoint"])
        controller = EndpointController
        calls = []

        def spy(owner, name):
            original = getattr(owner, name)

            def wrapper(this, *args, **kwargs):
                calls.append(name)
                return original(this, *args, **kwargs)

            return patch.object(owner, name, wrapper)

        with (
            spy(Model, "_validate_request"),
            spy(Model, "_handle_request"),
            spy(controller, "_handle_result"),
        ):
            response = self._post_json(
                "/endpoint_test/steps", {"name": "a", "email": "b"}
            )
            self.assertEqual(response.json(), {"ran": True})
            self.assertEqual(
                calls, ["_validate_request", "_handle_request", "_handle_result"]
            )
            # A request that fails validation never reaches the handler.
            calls.clear()
            response = self._post_json("/endpoint_test/steps", {"name": "a"})
            self.assertEqual(response.status_code, 400)
            self.assertEqual(calls, ["_validate_request"])

    def test_handle_request_runs_the_handler_only(self):
        # A request that would fail every check (wrong method, no content
        # type, a body off the schema) goes straight to the snippet.
        with self.endpoint_request("GET", body=b"[]") as request:
            result = self.endpoint._handle_request(request)
        self.assertEqual(result, {"payload": {"ran": True}})


@tagged("post_install", "-at_install")
class TestEndpointRequestHelper(EndpointHttpCase):
    """The public ``endpoint_request`` helper: the hooks called without HTTP
    see the method, headers, body and content type of a real request."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.endpoint = cls._create_endpoint(
            route="/endpoint_test/helper",
            request_method="POST",
            request_content_type="application/json",
            request_content_schema=JSON_SCHEMA,
            code_snippet=(
                "data = request.get_json_data()\n"
                "result = {'payload': {'hello': data['name'],"
                " 'lang': request.params.get('lang'),"
                " 'token': request.httprequest.headers.get('X-Token')}}"
            ),
        )

    def _request(self, body, content_type="application/json", method="POST", **kw):
        return self.endpoint_request(
            method,
            "/endpoint_test/helper",
            body=body,
            content_type=content_type,
            **kw,
        )

    def test_a_valid_request_passes_and_reaches_the_snippet(self):
        body = json.dumps({"name": "Ada", "email": "ada@example.com"})
        with self._request(
            body, headers={"X-Token": "t0"}, params={"lang": "fr"}
        ) as request:
            self.endpoint._validate_request(request)
            result = self.endpoint._handle_request(request)
        self.assertEqual(
            result, {"payload": {"hello": "Ada", "lang": "fr", "token": "t0"}}
        )

    def test_the_checks_refuse_what_http_would_refuse(self):
        good = json.dumps({"name": "Ada", "email": "ada@example.com"})
        cases = (
            ("wrong method", good, {"method": "PUT"}, MethodNotAllowed),
            ("wrong type", good, {"content_type": "text/plain"}, UnsupportedMediaType),
            ("off schema", json.dumps({"name": "Ada"}), {}, RequestValidationError),
            ("not JSON", "{not json", {}, RequestValidationError),
        )
        details = {}
        for what, body, options, error in cases:
            with (
                self.subTest(what),
                self._request(body, **options) as request,
                self.assertRaises(error) as caught,
            ):
                self.endpoint._validate_request(request)
            details[what] = getattr(caught.exception, "detail", None)
        self.assertEqual(details["off schema"][0]["type"], "required")
        self.assertEqual(details["not JSON"][0]["type"], "json_invalid")

    def test_the_request_carries_its_content_length_and_type(self):
        with self._request("{}", content_type="application/json; charset=utf-8") as (
            request
        ):
            self.assertEqual(request.httprequest.content_length, 2)
            self.assertEqual(request.httprequest.mimetype, "application/json")
            self.assertEqual(request.httprequest.get_data(), b"{}")
            self.assertEqual(request.env.cr, self.env.cr)
            self.assertEqual(request.env.uid, self.env.uid)


@tagged("post_install", "-at_install")
class TestEndpointErrorShape(EndpointHttpMixin, EndpointHttpCase):
    """Every error an endpoint answers is JSON with a ``detail`` member: the
    list of validation errors for a body off its schema, a sentence else."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        demo = cls.env.ref("base.user_demo")
        cls.public = {"auth_type": "public", "exec_as_user_id": demo.id}
        cls._create_endpoint(
            route="/endpoint_test/shape/post",
            request_method="POST",
            request_content_type="application/json",
            request_content_schema=JSON_SCHEMA,
            **cls.public,
        )
        cls._create_endpoint(route="/endpoint_test/shape/private")

    def assertSentence(self, response, status):
        """Assert a JSON error answer of ``status`` whose detail is a sentence."""
        self.assertEqual(response.status_code, status, response.text)
        self.assertEqual(response.headers["Content-Type"], "application/json")
        detail = response.json()["detail"]
        self.assertIsInstance(detail, str)
        self.assertTrue(detail.strip())
        return detail

    def _snippet(self, route, code):
        self._create_endpoint(route=route, code_snippet=code, **self.public)
        return self._call(route)

    def test_400_validation_is_a_list(self):
        response = self._post_json("/endpoint_test/shape/post", {"name": 1})
        self.assertDetail(
            response, [(["body"], "required"), (["body", "name"], "type")]
        )

    def test_400_of_a_snippet_is_a_sentence(self):
        response = self._snippet(
            "/endpoint_test/shape/user-error", "raise exceptions.UserError('No name')"
        )
        self.assertEqual(self.assertSentence(response, 400), "No name")

    def test_401_is_json_even_for_a_client_asking_json(self):
        for accept in (None, "application/json", "text/html"):
            headers = {"Accept": accept} if accept else {}
            response = self._call("/endpoint_test/shape/private", headers=headers)
            self.assertSentence(response, 401)
            self.assertNotIn("<html", response.text.lower())
        # A JSON request (Content-Type) gets the same answer, not JSON-RPC.
        response = self._call(
            "/endpoint_test/shape/private",
            "POST",
            data="{}",
            headers={"Content-Type": "application/json"},
        )
        self.assertSentence(response, 401)

    def test_403_and_429_of_a_request_check_keep_their_headers(self):
        # As a downstream auth check does (the API key's group, a rate limit).
        Model = type(self.env["endpoint.endpoint"])
        for exc, status in (
            (werkzeug.exceptions.Forbidden("Not your key."), 403),
            (werkzeug.exceptions.TooManyRequests(retry_after=30), 429),
        ):

            def refuse(this, request, exc=exc):
                raise exc

            with patch.object(Model, "_validate_request", refuse):
                response = self._post_json("/endpoint_test/shape/post", {})
            self.assertSentence(response, status)
            if status == 429:
                self.assertEqual(response.headers["Retry-After"], "30")

    def test_404_of_a_snippet(self):
        response = self._snippet(
            "/endpoint_test/shape/not-found",
            "raise werkzeug.exceptions.NotFound('No such order.')",
        )
        self.assertEqual(self.assertSentence(response, 404), "No such order.")

    def test_405_keeps_allow(self):
        response = self._call("/endpoint_test/shape/post", "DELETE")
        self.assertSentence(response, 405)
        self.assertEqual(response.headers["Allow"], "POST")

    def test_413(self):
        self.env["ir.config_parameter"].sudo().set_param("endpoint.max_body_size", 8)
        response = self._post_json("/endpoint_test/shape/post", {"name": "too long"})
        self.assertIn("the limit is 8", self.assertSentence(response, 413))

    def test_415_names_the_expected_type(self):
        response = self._post_json(
            "/endpoint_test/shape/post", {}, content_type="text/plain"
        )
        self.assertIn("application/json", self.assertSentence(response, 415))

    def test_500_says_nothing_of_the_cause(self):
        with mute_logger(MODEL_LOGGER):
            response = self._snippet(
                "/endpoint_test/shape/crash", "raise ValueError('secret-h13')"
            )
        self.assertSentence(response, 500)
        self.assertEqual(response.json(), INTERNAL_ERROR)


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
class TestEndpointHostileBodyCost(EndpointHttpCase):
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
class TestEndpointHostileHeaders(EndpointHttpCase):
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
        self.assertEqual(response.json(), INTERNAL_ERROR, what)

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
class TestEndpointHostileEvented(EndpointHttpCase):
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
