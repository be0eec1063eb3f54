"""Plain tests of tools/params.py: the parameters schema, the conversion of
query and header texts, and the 400 items with their place and name."""

import uuid

import pytest
from endpoint_addon.exceptions import SchemaError
from endpoint_addon.tools import params

SCHEMA = """
properties:
  path:
    properties:
      id: {type: integer, minimum: 1}
  query:
    properties:
      limit: {type: integer, maximum: 100, default: 20}
      ratio: {type: number}
      flag: {type: boolean}
      tags: {type: array, items: {type: integer}}
      maybe: {type: [integer, "null"]}
    required: [limit]
  header:
    properties:
      X-Token: {type: string, minLength: 3}
    required: [X-Token]
"""


class Headers(dict):
    def get(self, name, default=None):
        for key, value in self.items():
            if key.lower() == name.lower():
                return value
        return default


def check(query=None, headers=None, path=None):
    schema = params.ParamsSchema(SCHEMA)
    return schema.check(
        path=path or {"id": 3},
        query=query or {},
        headers=Headers(headers if headers is not None else {"x-token": "abc"}),
    )


def errors(**kw):
    with pytest.raises(params.ParamsRequestError) as caught:
        check(**kw)
    return sorted((tuple(d["loc"]), d["type"]) for d in caught.value.detail)


def test_values_converted():
    got = check(
        query={
            "limit": ["5"],
            "ratio": ["0.5"],
            "flag": ["yes"],
            "tags": ["1", "2"],
            "maybe": ["null"],
            "free": ["x"],
        }
    )
    assert got["query"] == {
        "limit": 5,
        "ratio": 0.5,
        "flag": True,
        "tags": [1, 2],
        "maybe": None,
    }
    assert got["header"] == {"X-Token": "abc"}
    assert got["path"] == {"id": 3}


def test_defaults_applied():
    assert check()["query"] == {"limit": 20}


def test_errors_name_place_and_parameter():
    assert errors(query={"limit": ["abc"]}) == [(("query", "limit"), "type")]
    assert errors(query={"limit": ["101"]}) == [(("query", "limit"), "maximum")]
    assert errors(query={"tags": ["1", "x"]}) == [(("query", "tags"), "type")]
    assert errors(query={"ratio": ["nan"]}) == [(("query", "ratio"), "type")]
    assert errors(query={"ratio": ["1e999"]}) == [(("query", "ratio"), "type")]
    assert errors(headers={}) == [(("header", "X-Token"), "required")]
    assert errors(headers={"X-Token": "a"}) == [(("header", "X-Token"), "minLength")]
    assert errors(path={"id": 0}) == [(("path", "id"), "minimum")]


def test_huge_integer_text_is_a_type_error():
    assert errors(query={"limit": ["9" * 5000]}) == [(("query", "limit"), "type")]
    assert errors(query={"limit": ["\uff11"]}) == [(("query", "limit"), "type")]


def test_path_values_seen_as_json():
    schema = params.ParamsSchema(
        "properties: {path: {properties: {u: {type: string, format: uuid}}}}"
    )
    value = uuid.uuid4()
    assert schema.check(path={"u": value})["path"] == {"u": value}


@pytest.mark.parametrize(
    ("source", "fragment"),
    [
        ("properties: {cookie: {}}", "can only be path, query, header"),
        ("properties: {query: {minimum: x}}", "not a valid Draft 2020-12"),
        ("[1, 2]", "must be an object"),
        (
            "properties: {query: {properties: {a: {}}}, header: {properties: {A: {}}}}",
            "declared both in query and in header",
        ),
        ("properties: {header: {properties: {'a b': {}}}}", "not a header name"),
    ],
)
def test_bad_schemas(source, fragment):
    with pytest.raises(SchemaError) as caught:
        params.ParamsSchema(source)
    assert fragment in str(caught.value)


def test_no_schema():
    assert params.compile_params_schema("") is None
    assert params.compile_params_schema(None) is None
