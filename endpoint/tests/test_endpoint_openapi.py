# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""API documentation: the OpenAPI 3.1 document, who reads it, and whether the
real answers of the endpoints match it (checked with openapi-core)."""

import json

import requests
from openapi_core import OpenAPI
from openapi_core.contrib.requests import (
    RequestsOpenAPIRequest,
    RequestsOpenAPIResponse,
)
from openapi_core.exceptions import OpenAPIError
from openapi_spec_validator import validate as validate_spec

from odoo import exceptions
from odoo.tests import new_test_user, tagged
from odoo.tools import file_open

from .common import EndpointHttpCase, EndpointTransactionCase

PUBLIC_GROUPS_PARAM = "endpoint.openapi_public_route_groups"
DEMO_ROUTES = {
    "/demo/hello": "get",
    "/demo/json": "get",
    "/demo/echo": "get",
    "/demo/contact": "post",
    "/demo/order": "post",
    "/demo/whoami": "get",
    "/demo/partners/{partner}": "get",
    "/demo/v1/partners/{partner}": "get",
    "/demo/partners": "get",
    "/demo/notes/{key}": "get",
    "/demo/limited": "get",
}
SCHEMA_WITH_DEFS = """
type: object
required: [item]
properties:
  item: {$ref: "#/$defs/item"}
$defs:
  item:
    type: object
    required: [sku]
    properties:
      sku: {type: string, minLength: 3}
"""


class OpenApiHttpMixin:
    def _document(self, url="/endpoint/openapi.json"):
        """Fetch a document as the logged-in admin and check it is valid."""
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(
            response.headers["Content-Type"].split(";")[0], "application/json"
        )
        document = response.json()
        validate_spec(document)
        return document

    def _assert_matches(self, api, response, request_valid=True):
        """Check a real exchange against the document with openapi-core."""
        request = RequestsOpenAPIRequest(response.request)
        if request_valid:
            api.validate_request(request)
        else:
            with self.assertRaises(OpenAPIError):
                api.validate_request(request)
        api.validate_response(request, RequestsOpenAPIResponse(response))


@tagged("post_install", "-at_install")
class TestOpenApiDemo(OpenApiHttpMixin, EndpointHttpCase):
    """The demo endpoints' document is valid and the real calls match it."""

    def setUp(self):
        super().setUp()
        self.authenticate("admin", "admin")

    def test_demo_document_is_valid_openapi_31(self):
        document = self._document()
        self.assertEqual(document["openapi"], "3.1.0")
        self.assertEqual(document["servers"], [{"url": self.base_url()}])
        for route, method in DEMO_ROUTES.items():
            self.assertIn(method, document["paths"].get(route, {}), route)
        self.assertIn({"name": "demo"}, document["tags"])

    def test_demo_document_describes_each_endpoint(self):
        document = self._document()
        paths = document["paths"]
        schemas = document["components"]["schemas"]

        contact = paths["/demo/contact"]["post"]
        self.assertEqual(contact["summary"], "Receive a contact")
        self.assertEqual(contact["tags"], ["demo"])
        self.assertEqual(contact["security"], [], "a public endpoint needs no auth")
        body_schema = contact["requestBody"]["content"]["application/json"]["schema"]
        request_schema = schemas[body_schema["$ref"].rsplit("/", 1)[1]]
        self.assertEqual(request_schema["required"], ["name", "email"])
        self.assertFalse(request_schema["additionalProperties"])
        self.assertEqual(
            set(contact["responses"]),
            {"201", "400", "404", "405", "413", "415", "500", "504"},
        )
        success = contact["responses"]["201"]["content"]["application/json"]
        self.assertEqual(success["example"], {"received": "Ada Lovelace", "tags": 2})
        bad = contact["responses"]["400"]["content"]["application/json"]["schema"]
        self.assertEqual(
            bad["anyOf"],
            [
                {"$ref": "#/components/schemas/RequestValidationError"},
                {"$ref": "#/components/schemas/Error"},
            ],
        )
        self.assertEqual(
            schemas["ValidationErrorItem"]["required"], ["loc", "msg", "type"]
        )

        order = paths["/demo/order"]["post"]["requestBody"]
        self.assertEqual(list(order["content"]), ["application/xml"])
        self.assertIn('<xs:element name="order"', order["description"])

        hello = paths["/demo/hello"]["get"]
        self.assertNotIn("requestBody", hello)
        self.assertNotIn("415", hello["responses"])
        self.assertIn("405", hello["responses"])

        whoami = paths["/demo/whoami"]["get"]
        self.assertEqual(whoami["security"], [{"odooSession": []}])
        self.assertIn("401", whoami["responses"])
        self.assertEqual(
            document["components"]["securitySchemes"]["odooSession"],
            {
                "type": "apiKey",
                "in": "cookie",
                "name": "session_id",
                "description": "The session of a user logged in to Odoo.",
            },
        )

    def test_demo_calls_match_the_document(self):
        api = OpenAPI.from_dict(self._document())
        cases = [
            (self.url_open("/demo/hello"), 200, True),
            (self.url_open("/demo/json"), 200, True),
            (self.url_open("/demo/echo?name=Ada"), 200, True),
            # The snippet refuses a missing name: a documented 400 (Error).
            (self.url_open("/demo/echo"), 400, True),
            (
                self.url_open(
                    "/demo/contact", json={"name": "Ada", "email": "ada@example.com"}
                ),
                201,
                True,
            ),
            # A body the schema refuses: the server and the document agree.
            (
                self.url_open("/demo/contact", json={"name": "Ada", "age": 3}),
                400,
                False,
            ),
            (self.url_open("/demo/whoami"), 200, True),
        ]
        with file_open("endpoint/demo/order.xml", "rb") as sample:
            order = sample.read()
        xml = {"Content-Type": "application/xml"}
        cases += [
            (self.url_open("/demo/order", data=order, headers=xml), 200, True),
            (self.url_open("/demo/order", data=b"<order>", headers=xml), 400, False),
        ]
        for response, status, request_valid in cases:
            with self.subTest(url=response.url, status=status):
                self.assertEqual(response.status_code, status, response.text)
                self._assert_matches(api, response, request_valid)

    def test_anonymous_call_of_a_user_endpoint_matches_its_401(self):
        api = OpenAPI.from_dict(self._document())
        self.authenticate(None, None)
        response = self.url_open("/demo/whoami")
        self.assertEqual(response.status_code, 401)
        self._assert_matches(api, response)
        # The document asks for the session cookie: a call without any cookie
        # is refused by it as well.
        bare = requests.Request("GET", response.url).prepare()
        with self.assertRaises(OpenAPIError):
            api.validate_request(RequestsOpenAPIRequest(bare))

    def test_a_wrong_answer_is_caught(self):
        """The check above can fail: an answer breaking its schema is seen."""
        self._create_endpoint(
            route="/test/openapi/liar",
            response_schema="type: object\nrequired: [count]\n"
            "properties: {count: {type: integer}}",
            code_snippet="result = {'payload': {'count': 'many'}}",
        )
        api = OpenAPI.from_dict(self._document())
        response = self.url_open("/test/openapi/liar")
        self.assertEqual(response.status_code, 200)
        request = RequestsOpenAPIRequest(response.request)
        api.validate_request(request)
        with self.assertRaises(OpenAPIError):
            api.validate_response(request, RequestsOpenAPIResponse(response))

    def test_demo_routes_methods_and_parameters(self):
        document = self._document()
        paths = document["paths"]
        api = OpenAPI.from_dict(document)
        # Every route of an endpoint, typed from its converter.
        for path in ("/demo/partners/{partner}", "/demo/v1/partners/{partner}"):
            operation = paths[path]["get"]
            self.assertEqual(
                [
                    (p["name"], p["in"], p["schema"]["type"])
                    for p in operation["parameters"]
                ],
                [("partner", "path", "integer")],
            )
        partner = self.env.ref("base.main_partner")
        response = self.url_open(f"/demo/v1/partners/{partner.id}")
        self.assertEqual(response.json()["name"], partner.name)
        self._assert_matches(api, response)
        # Every method; the body documented on the one that carries it.
        notes = paths["/demo/notes/{key}"]
        self.assertEqual(set(notes), {"get", "put", "delete"})
        self.assertNotIn("requestBody", notes["get"])
        self.assertNotIn("requestBody", notes["delete"])
        self.assertEqual(
            list(notes["put"]["requestBody"]["content"]), ["application/json"]
        )
        self.assertIn("PUT", notes["get"]["responses"]["405"]["description"])
        response = self.url_open(
            "/demo/notes/shopping",
            data=json.dumps({"text": "Buy milk"}),
            headers={"Content-Type": "application/json"},
            method="PUT",
        )
        self.assertEqual(response.json(), {"key": "shopping", "text": "Buy milk"})
        self._assert_matches(api, response)
        # Query parameters from the parameters schema, and their 400.
        search = paths["/demo/partners"]["get"]
        limit = next(p for p in search["parameters"] if p["name"] == "limit")
        self.assertEqual(limit["in"], "query")
        self.assertEqual(limit["schema"]["maximum"], 50)
        self.assertIn("400", search["responses"])
        response = self.url_open("/demo/partners?limit=2&name=a")
        self.assertEqual(len(response.json()), 2)
        self._assert_matches(api, response)
        response = self.url_open("/demo/partners?limit=500")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["detail"][0]["loc"], ["query", "limit"])
        self._assert_matches(api, response, request_valid=False)

    def test_path_converters_become_path_parameters(self):
        self._create_endpoint(
            route="/test/openapi/items/<int:item_id>",
            code_snippet="result = {'payload': {'id': request.params['item_id']}}",
            response_schema="type: object\nproperties: {id: {type: integer}}",
        )
        document = self._document()
        operation = document["paths"]["/test/openapi/items/{item_id}"]["get"]
        self.assertEqual(
            operation["parameters"],
            [
                {
                    "name": "item_id",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "integer"},
                }
            ],
        )
        response = self.url_open("/test/openapi/items/42")
        self.assertEqual(response.json(), {"id": 42})
        self._assert_matches(OpenAPI.from_dict(document), response)

    def test_schema_references_still_resolve_in_the_document(self):
        self._create_endpoint(
            route="/test/openapi/refs",
            request_method="POST",
            request_content_type="application/json",
            request_content_schema=SCHEMA_WITH_DEFS,
        )
        api = OpenAPI.from_dict(self._document())
        good = self.url_open("/test/openapi/refs", json={"item": {"sku": "ABC"}})
        self.assertEqual(good.status_code, 200, good.text)
        self._assert_matches(api, good)
        # "#/$defs/item" still means the schema's own definition: both the
        # server and the document refuse a short sku.
        bad = self.url_open("/test/openapi/refs", json={"item": {"sku": "A"}})
        self.assertEqual(bad.status_code, 400)
        self.assertEqual(bad.json()["detail"][0]["loc"], ["body", "item", "sku"])
        self._assert_matches(api, bad, request_valid=False)

    def test_only_published_endpoints_are_documented(self):
        unsynced = self._create_endpoint(sync=False, route="/test/openapi/draft")
        archived = self._create_endpoint(route="/test/openapi/archived")
        archived.active = False
        self._sync(archived)
        paths = self._document()["paths"]
        self.assertNotIn("/test/openapi/draft", paths)
        self.assertNotIn("/test/openapi/archived", paths)
        self._sync(unsynced)
        self.assertIn("/test/openapi/draft", self._document()["paths"])

    def test_route_group_document(self):
        self._create_endpoint(route="/test/openapi/other", route_group="other")
        document = self._document("/endpoint/openapi/demo.json")
        self.assertEqual(set(document["paths"]), set(DEMO_ROUTES))
        self.assertEqual(document["info"]["title"], "Endpoints: demo")
        same = self._document("/endpoint/openapi.json?route_group=other")
        self.assertEqual(list(same["paths"]), ["/test/openapi/other"])
        unknown = self.url_open("/endpoint/openapi/nope.json")
        self.assertEqual(unknown.status_code, 404)

    def test_form_button_links_to_the_operation(self):
        contact = self.env.ref("endpoint.endpoint_demo_contact")
        action = contact.action_open_openapi()
        self.assertEqual(action["type"], "ir.actions.act_url")
        self.assertEqual(action["url"], "/endpoint/openapi#/demo/post_demo_contact")
        operation = self._document()["paths"]["/demo/contact"]["post"]
        self.assertEqual(operation["operationId"], "post_demo_contact")
        list_action = self.env["endpoint.endpoint"].action_open_openapi()
        self.assertEqual(list_action["url"], "/endpoint/openapi")

    def test_page_renders_with_shipped_assets(self):
        page = self.url_open("/endpoint/openapi?route_group=demo")
        self.assertEqual(page.status_code, 200)
        self.assertIn(
            'data-spec-url="/endpoint/openapi.json?route_group=demo"', page.text
        )
        self.assertIn("/endpoint/static/lib/swagger-ui/swagger-ui-bundle.js", page.text)
        for asset in (
            "/endpoint/static/lib/swagger-ui/swagger-ui-bundle.js",
            "/endpoint/static/lib/swagger-ui/swagger-ui.css",
            "/endpoint/static/src/openapi/openapi_page.js",
            "/endpoint/static/src/openapi/openapi_page.css",
        ):
            self.assertEqual(self.url_open(asset).status_code, 200, asset)

    def test_tour_opens_the_page_from_the_list(self):
        self.start_tour(
            "/odoo/action-endpoint.endpoint_endpoint_act_window",
            "endpoint_openapi_tour",
            login="admin",
        )


@tagged("post_install", "-at_install")
class TestOpenApiAccess(OpenApiHttpMixin, EndpointHttpCase):
    """Admins read every document; anyone reads the published groups."""

    def _anonymous_get(self, url):
        self.authenticate(None, None)
        return self.url_open(url, allow_redirects=False)

    def test_anonymous_and_plain_users_are_refused(self):
        self.assertEqual(self._anonymous_get("/endpoint/openapi.json").status_code, 403)
        self.assertEqual(
            self._anonymous_get("/endpoint/openapi/demo.json").status_code, 403
        )
        page = self._anonymous_get("/endpoint/openapi")
        self.assertEqual(page.status_code, 303)
        self.assertIn("/web/login?redirect=", page.headers["Location"])
        new_test_user(self.env, login="oa_plain", groups="base.group_user")
        self.authenticate("oa_plain", "oa_plain")
        self.assertEqual(self.url_open("/endpoint/openapi.json").status_code, 403)
        self.assertEqual(self.url_open("/endpoint/openapi").status_code, 403)

    def test_published_route_group_is_public(self):
        self.env["ir.config_parameter"].set_param(PUBLIC_GROUPS_PARAM, " other , demo")
        response = self._anonymous_get("/endpoint/openapi/demo.json")
        self.assertEqual(response.status_code, 200, response.text)
        document = response.json()
        validate_spec(document)
        self.assertEqual(set(document["paths"]), set(DEMO_ROUTES))
        page = self._anonymous_get("/endpoint/openapi?route_group=demo")
        self.assertEqual(page.status_code, 200)
        self.assertNotIn("action-endpoint.endpoint_endpoint_act_window", page.text)
        # Publishing a group publishes neither the others nor the whole list.
        self.assertEqual(self._anonymous_get("/endpoint/openapi.json").status_code, 403)
        self.env["ir.config_parameter"].set_param(PUBLIC_GROUPS_PARAM, "other")
        self.assertEqual(
            self._anonymous_get("/endpoint/openapi/demo.json").status_code, 403
        )


class TestOpenApiRecords(EndpointTransactionCase):
    """The documentation fields are checked at save time, like the schema."""

    def test_valid_documentation_saves(self):
        endpoint = self._create_endpoint(
            sync=False,
            summary="Count things",
            response_status_code=202,
            response_schema='{"type": "object", "required": ["n"]}',
            response_example="n: 3",
        )
        info = endpoint._openapi_endpoint_info()
        self.assertEqual(info["summary"], "Count things")
        self.assertEqual(info["response_status"], 202)

    def test_documentation_does_not_unsync(self):
        endpoint = self._create_endpoint()
        endpoint.write(
            {"summary": "New words", "description": "More", "response_example": "1"}
        )
        self.assertTrue(endpoint.registry_sync)

    def test_bad_response_schema_is_refused(self):
        for schema, words in (
            ("type: [unclosed", "neither valid JSON nor YAML"),
            ("- a list", "must be an object"),
            ("type: nonsense", "not a valid Draft 2020-12 schema"),
        ):
            with (
                self.subTest(schema=schema),
                self.assertRaisesRegex(exceptions.UserError, words),
            ):
                self._create_endpoint(
                    sync=False, route=f"/test/openapi/{words}", response_schema=schema
                )

    def test_bad_response_example_is_refused(self):
        with self.assertRaisesRegex(
            exceptions.UserError, "neither valid JSON nor YAML"
        ):
            self._create_endpoint(
                sync=False, route="/test/openapi/a", response_example="{unclosed: ["
            )
        with self.assertRaisesRegex(
            exceptions.UserError, r"does not match the response schema: n: .*integer"
        ):
            self._create_endpoint(
                sync=False,
                response_schema="type: object\nproperties: {n: {type: integer}}",
                response_example='{"n": "three"}',
            )

    def test_success_status_must_be_2xx(self):
        for status in (0, 199, 300, 404):
            with (
                self.subTest(status=status),
                self.assertRaisesRegex(exceptions.UserError, "2xx"),
            ):
                self._create_endpoint(
                    sync=False,
                    route=f"/test/openapi/{status}",
                    response_status_code=status,
                )

    def test_auth_types_contribute_their_security(self):
        bearer = self._create_endpoint(sync=False, auth_type="bearer")
        info = bearer._openapi_endpoint_info()
        self.assertEqual(info["auth"]["security"], [{"odooApiKey": []}])
        self.assertEqual(info["auth"]["schemes"]["odooApiKey"]["scheme"], "bearer")
        # The auth type endpoint_auth_api_key adds is described too.
        api_key = bearer._openapi_security__api_key()
        self.assertEqual(
            {
                k: v
                for k, v in api_key["schemes"]["endpointApiKey"].items()
                if k != "description"
            },
            {"type": "apiKey", "in": "header", "name": "API-KEY"},
        )
        document = bearer._openapi_document()
        validate_spec(document)
        operation = document["paths"]["/test/endpoint"]["get"]
        self.assertEqual(operation["security"], [{"odooApiKey": []}])
        self.assertIn("401", operation["responses"])

    def test_xml_schema_is_shown_not_embedded(self):
        xsd = (
            '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">'
            '<xs:element name="ping" type="xs:string"/></xs:schema>'
        )
        endpoint = self._create_endpoint(
            sync=False,
            request_method="PUT",
            request_content_type="application/xml",
            request_content_schema=xsd,
        )
        document = endpoint._openapi_document()
        validate_spec(document)
        body = document["paths"]["/test/endpoint"]["put"]["requestBody"]
        self.assertTrue(body["required"])
        self.assertEqual(body["content"], {"application/xml": {}})
        self.assertIn(xsd, body["description"])
        self.assertNotIn("test_endpoint_request", document["components"]["schemas"])

    def test_yaml_dates_stay_text(self):
        endpoint = self._create_endpoint(
            sync=False,
            response_schema="type: object\nproperties: {d: {const: 2024-01-31}}",
            response_example="d: 2024-01-31",
        )
        document = endpoint._openapi_document()
        text = json.dumps(document)
        self.assertIn('"const": "2024-01-31"', text)
        validate_spec(document)
