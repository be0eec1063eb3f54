# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The OpenAPI builder on plain dicts: no Odoo, no database."""

import pytest
from endpoint_addon.tools import openapi
from openapi_core import OpenAPI
from openapi_core.exceptions import OpenAPIError
from openapi_core.testing import MockRequest
from openapi_spec_validator import validate as validate_spec

API_KEY_AUTH = {
    "schemes": {"key": {"type": "apiKey", "in": "header", "name": "API-KEY"}},
    "security": [{"key": []}],
    "responses": {401: "No key.", 403: "Key not allowed."},
}


def _endpoint(**values):
    return {"route": "/api/thing", "method": "GET", "name": "Thing", **values}


def test_converters_become_typed_path_parameters():
    path, params = openapi.openapi_path(
        "/a/<int:item_id>/<code>/<string(length=2):lang>/<float:x>/<uuid:u>"
    )
    assert path == "/a/{item_id}/{code}/{lang}/{x}/{u}"
    assert [(p["name"], p["schema"]) for p in params] == [
        ("item_id", {"type": "integer"}),
        ("code", {"type": "string"}),
        ("lang", {"type": "string"}),
        ("x", {"type": "number"}),
        ("u", {"type": "string", "format": "uuid"}),
    ]
    assert all(p["in"] == "path" and p["required"] for p in params)


def test_operation_ids_stay_unique():
    document = openapi.build_document(
        [_endpoint(route="/a-b"), _endpoint(route="/a_b"), _endpoint(route="/")]
    )
    ids = [item["get"]["operationId"] for item in document["paths"].values()]
    assert sorted(ids) == ["get_a_b", "get_a_b_2", "get_root"]
    validate_spec(document)


def test_local_references_are_rebased_unless_the_schema_has_an_id():
    schema = {
        "$ref": "#/$defs/a",
        "$defs": {"a": {"items": {"$ref": "#"}}, "b": {"$ref": "other.json#/x"}},
    }
    rebased = openapi._rebase_refs(schema, "#/components/schemas/s")
    assert rebased["$ref"] == "#/components/schemas/s/$defs/a"
    assert rebased["$defs"]["a"]["items"]["$ref"] == "#/components/schemas/s"
    assert rebased["$defs"]["b"]["$ref"] == "other.json#/x"
    with_id = {"$id": "https://example.com/s", **schema}
    assert openapi._rebase_refs(with_id, "#/x") == with_id


def test_request_body_follows_the_content_type():
    get = openapi.build_operation(_endpoint())
    assert "requestBody" not in get
    assert not {"400", "413", "415"} & set(get["responses"])

    plain = openapi.build_operation(_endpoint(method="POST", content_type="text/plain"))
    assert plain["requestBody"] == {"content": {"text/plain": {}}}
    assert {"413", "415"} <= set(plain["responses"])
    assert "400" not in plain["responses"]

    json_op = openapi.build_operation(
        _endpoint(method="POST", content_type="application/json", request_schema="{}")
    )
    assert json_op["requestBody"]["required"] is True
    assert json_op["responses"]["400"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/RequestValidationError"
    }


def test_auth_contribution_reaches_operation_and_components():
    document = openapi.build_document([_endpoint(auth=API_KEY_AUTH)])
    validate_spec(document)
    operation = document["paths"]["/api/thing"]["get"]
    assert operation["security"] == [{"key": []}]
    # An auth refusal has the error shape of every other error.
    assert operation["responses"]["403"] == {
        "description": "Key not allowed.",
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
        },
    }
    assert document["components"]["securitySchemes"] == API_KEY_AUTH["schemes"]
    # No auth contribution: the operation says nothing about security.
    bare = openapi.build_operation(_endpoint())
    assert "security" not in bare


def test_add_response_schema_merges_alternatives_once():
    operation = {"responses": {}}
    first = openapi.schema_ref("A")
    second = openapi.schema_ref("B")
    openapi.add_response_schema(operation, 400, "Bad.", first)
    openapi.add_response_schema(operation, 400, "Bad.", second)
    openapi.add_response_schema(operation, 400, "Bad.", second)
    schema = operation["responses"]["400"]["content"]["application/json"]["schema"]
    assert schema == {"anyOf": [first, second]}


def test_customize_replaces_the_operation():
    def customize(endpoint, operation):
        return {**operation, "x-endpoint-name": endpoint["name"]}

    document = openapi.build_document([_endpoint()], customize=customize)
    assert document["paths"]["/api/thing"]["get"]["x-endpoint-name"] == "Thing"
    validate_spec(document)


def test_examples_read_json_or_yaml_and_dates_stay_text():
    assert openapi.load_example("  ") is None
    assert openapi.load_example('{"a": [1, 2]}') == {"a": [1, 2]}
    assert openapi.load_example("day: 2024-01-31") == {"day": "2024-01-31"}
    with pytest.raises(openapi.ExampleError):
        openapi.load_example("{a: [")


def test_document_checks_requests_and_answers():
    document = openapi.build_document(
        [
            _endpoint(
                method="POST",
                route="/api/items/<int:item_id>",
                content_type="application/json",
                request_schema="type: object\nrequired: [sku]\n"
                "properties: {sku: {type: string}}",
                response_status=201,
                response_schema="type: object\nrequired: [id]\n"
                "properties: {id: {type: integer}}",
            )
        ],
        server_url="http://localhost:8069",
    )
    validate_spec(document)
    api = OpenAPI.from_dict(document)
    good = MockRequest(
        "http://localhost:8069",
        "post",
        "/api/items/7",
        data=b'{"sku": "A1"}',
        content_type="application/json",
    )
    api.validate_request(good)
    for path, data in (("/api/items/7", b'{"sku": 1}'), ("/api/items/x", b"{}")):
        bad = MockRequest(
            "http://localhost:8069",
            "post",
            path,
            data=data,
            content_type="application/json",
        )
        with pytest.raises(OpenAPIError):
            api.validate_request(bad)
