"""Plain tests of tools/body.py: schemas compiled once, bodies checked."""

import sys

import pytest
from endpoint_addon.tools import body

CONTACT_YAML = """
type: object
required: [name]
properties:
  name: {type: string}
  age: {type: integer, minimum: 0}
"""

ORDER_XSD = b"""<?xml version="1.0"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">
  <xs:element name="order">
    <xs:complexType>
      <xs:attribute name="ref" type="xs:string" use="required"/>
    </xs:complexType>
  </xs:element>
</xs:schema>
"""


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("application/json", "application/json"),
        ("Application/JSON; charset=utf-8", "application/json"),
        ("  text/xml ;charset=latin-1", "text/xml"),
        ("", ""),
        (None, ""),
    ],
)
def test_media_type_drops_parameters_and_case(header, expected):
    assert body.media_type(header) == expected


@pytest.mark.parametrize(
    ("content_type", "kind"),
    [
        ("application/json", "json"),
        ("application/problem+json", "json"),
        ("application/xml", "xml"),
        ("text/xml", "xml"),
        ("text/plain", None),
        ("application/x-www-form-urlencoded", None),
        (False, None),
    ],
)
def test_schema_kind_follows_the_media_type(content_type, kind):
    assert body.schema_kind(content_type) == kind


def test_no_schema_compiles_to_none():
    assert body.compile_schema("", "application/json") is None
    assert body.compile_schema("  \n", "application/xml") is None


def test_yaml_and_json_schemas_compile_alike():
    yaml_schema = body.compile_schema(CONTACT_YAML, "application/json")
    json_schema = body.compile_schema(
        '{"type": "object", "required": ["name"]}', "application/json"
    )
    assert yaml_schema.validate(b'{"name": "Ada"}') == {"name": "Ada"}
    assert json_schema.validate(b'{"name": "Ada"}') == {"name": "Ada"}


@pytest.mark.parametrize(
    ("source", "words"),
    [
        ("type: [unclosed", "neither valid JSON nor YAML"),
        ("- a\n- b", "must be an object"),
        ('{"type": "foo"}', "not a valid Draft 2020-12 schema"),
        ('{"$ref": "#/$defs/missing"}', "missing"),
    ],
)
def test_bad_json_schemas_say_why(source, words):
    with pytest.raises(body.SchemaError) as info:
        body.compile_schema(source, "application/json")
    assert words in str(info.value)


def test_schema_on_a_content_type_without_schema_is_refused():
    with pytest.raises(body.SchemaError, match="takes no request schema"):
        body.compile_schema(CONTACT_YAML, "text/plain")


def test_json_errors_list_each_failure_with_location_and_keyword():
    schema = body.compile_schema(CONTACT_YAML, "application/json")
    with pytest.raises(body.BodyError) as info:
        schema.validate(b'{"age": -1}')
    detail = info.value.detail
    assert {
        "loc": ["body"],
        "msg": "'name' is a required property",
        "type": "required",
    } in detail
    assert [item["type"] for item in detail if item["loc"] == ["body", "age"]] == [
        "minimum"
    ]


@pytest.mark.parametrize(
    "raw",
    [b'{"name": ', b"", b"\xff\xfe{", b'{"name": NaN}', b"[" * 100 + b"]" * 100],
)
def test_unparsable_json_is_one_json_invalid_item(raw):
    schema = body.compile_schema(CONTACT_YAML, "application/json")
    with pytest.raises(body.BodyError) as info:
        schema.validate(raw)
    assert len(info.value.detail) == 1
    assert info.value.detail[0]["loc"] == ["body"]
    assert info.value.detail[0]["type"] == "json_invalid"


def test_huge_integers_are_refused_not_computed():
    with pytest.raises(body.BodyError) as info:
        body.parse_json(b"1" + b"0" * 5000)
    assert info.value.detail[0]["type"] == "json_invalid"
    assert info.value.detail[0]["msg"] == "a number has more than 4300 digits"
    assert body.parse_json(b"[-" + b"9" * 4300 + b"]") == [-int("9" * 4300)]


@pytest.mark.skipif(
    not hasattr(sys, "set_int_max_str_digits"), reason="Python has no int(str) bound"
)
@pytest.mark.parametrize("python_bound", [0, 100_000, 640])
def test_integer_bound_holds_whatever_python_allows(python_bound):
    # Python's own bound on int(str) is process-wide and may be lifted (0) or
    # raised; the parser's bound holds anyway, and a lower one of Python's
    # refuses longer numbers too.
    saved = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(python_bound)
    try:
        assert body.parse_json(b"123456", max_number_digits=6) == 123456
        with pytest.raises(body.BodyError) as info:
            body.parse_json(b"[1234567]", max_number_digits=6)
        assert info.value.detail[0]["msg"] == "a number has more than 6 digits"
        with pytest.raises(body.BodyError) as info:
            body.parse_json(b"1" * 5000)
        assert "more than" in info.value.detail[0]["msg"]
    finally:
        sys.set_int_max_str_digits(saved)


def test_out_of_range_numbers_and_constants_are_refused():
    for raw, msg in (
        (b"[1e999999]", "the number 1e999999 is out of range"),
        (b"-1E400", "the number -1E400 is out of range"),
        (b'{"a": NaN}', "NaN is not a JSON value"),
        (b"[-Infinity]", "-Infinity is not a JSON value"),
    ):
        with pytest.raises(body.BodyError) as info:
            body.parse_json(raw)
        assert info.value.detail[0]["msg"] == msg, raw
    assert body.parse_json(b"[1e308, 0.5]") == [1e308, 0.5]


def test_depth_limit_is_inclusive():
    assert body.parse_json(b"[" * 64 + b"]" * 64, max_depth=64)
    with pytest.raises(body.BodyError):
        body.parse_json(b"[" * 65 + b"]" * 65, max_depth=64)


def test_xsd_validates_xml_bodies():
    schema = body.compile_schema(ORDER_XSD.decode(), "application/xml")
    assert schema.validate(b'<order ref="A1"/>').tag == "order"
    with pytest.raises(body.BodyError) as info:
        schema.validate(b"<order/>")
    assert {item["type"] for item in info.value.detail} == {"xml_schema"}


@pytest.mark.parametrize(
    "raw",
    [
        b"<order",
        b"",
        b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><order ref="&e;"/>',
        '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x><order ref="a"/>'.encode(
            "utf-16"
        ),
    ],
)
def test_malformed_or_doctype_xml_is_xml_invalid(raw):
    schema = body.compile_schema(ORDER_XSD.decode(), "application/xml")
    with pytest.raises(body.BodyError) as info:
        schema.validate(raw)
    assert [item["type"] for item in info.value.detail] == ["xml_invalid"]
    assert "root:" not in str(info.value.detail)


def test_xml_parses_of_one_thread_do_not_share_errors():
    # One parser serves every body of a thread: a body's error is its own,
    # and a good body after a bad one is read as if it came first.
    schema = body.compile_schema(ORDER_XSD.decode(), "application/xml")
    with pytest.raises(body.BodyError) as first:
        schema.validate(b"<order ref='A1'><unclosed></order>")
    assert schema.validate(b'<order ref="A2"/>').get("ref") == "A2"
    with pytest.raises(body.BodyError) as again:
        schema.validate(b"<order")
    assert first.value.detail[0]["msg"] != again.value.detail[0]["msg"]
    assert "unclosed" in first.value.detail[0]["msg"]
    assert "unclosed" not in again.value.detail[0]["msg"]


@pytest.mark.parametrize(
    ("source", "words"),
    [
        ("<xs:schema", "not well-formed"),
        ("<root/>", "does not compile"),
    ],
)
def test_bad_xsds_say_why(source, words):
    with pytest.raises(body.SchemaError) as info:
        body.compile_schema(source, "application/xml")
    assert words in str(info.value)


@pytest.mark.parametrize(
    ("expected", "sent", "accepted"),
    [
        ("application/json", "application/json", True),
        ("application/json", "application/problem+json", True),
        ("application/json", "application/ld+json", True),
        ("application/json", "text/json", False),
        ("application/json", "application/jsonx", False),
        ("application/json", "application/xml", False),
        ("application/json", "", False),
        ("application/xml", "text/xml", True),
        ("application/xml", "application/soap+xml", True),
        ("application/xml", "application/atom+xml", True),
        ("application/xml", "text/plain", False),
        ("application/xml", "application/json", False),
        ("application/xml", "text/foo+xml", False),
        ("text/xml", "application/xml", True),
        ("text/plain", "text/plain", True),
        ("text/plain", "text/csv", False),
        ("text/csv", "text/plain+csv", False),
    ],
)
def test_media_types_accepted_by_family(expected, sent, accepted):
    assert body.accepts_media_type(expected, sent) is accepted
