"""Plain tests of tools/body_limits.py and of the bounds body.py puts on the
cost of refusing a body."""

import json
import time

import pytest
from endpoint_addon.tools import body, body_limits

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
TAGS_SCHEMA = """
type: object
properties:
  tags: {type: array, items: {type: string}}
  codes: {type: array, uniqueItems: true}
"""


def _refused(schema, data):
    with pytest.raises(body.BodyError) as info:
        schema.validate(data)
    return info.value.detail


def test_first_errors_takes_one_more_than_it_lists():
    taken = []

    def items():
        for index in range(1000):
            taken.append(index)
            yield {"loc": ["body", index], "msg": "bad", "type": "type"}

    detail = body_limits.first_errors(items(), limit=3)
    assert len(taken) == 4
    assert [item["loc"] for item in detail[:3]] == [
        ["body", 0],
        ["body", 1],
        ["body", 2],
    ]
    assert detail[3]["type"] == "too_many_errors"
    assert "stopped after 3 errors" in detail[3]["msg"]
    assert body_limits.first_errors(iter([1, 2]), limit=3) == [1, 2]
    counted = body_limits.first_errors(iter(range(10)), limit=3, total=10)
    assert counted[-1]["msg"].startswith("7 more errors not listed")


def test_shorten_cuts_long_messages_only():
    assert body_limits.shorten("short") == "short"
    cut = body_limits.shorten("x" * 10_000)
    assert len(cut) == body_limits.MAX_MESSAGE_LENGTH
    assert cut.endswith("...")


def test_json_body_failing_every_item_lists_twenty_errors_fast():
    schema = body.compile_schema(TAGS_SCHEMA, "application/json")
    data = json.dumps({"tags": [0] * 300_000}).encode()
    start = time.process_time()
    detail = _refused(schema, data)
    assert time.process_time() - start < 2
    assert len(detail) == body_limits.MAX_ERRORS + 1
    assert {item["type"] for item in detail[:-1]} == {"type"}
    assert detail[0]["loc"] == ["body", "tags", 0]
    assert detail[-1]["type"] == "too_many_errors"
    assert len(json.dumps(detail)) < 5000


def test_json_error_quoting_a_huge_value_is_cut():
    schema = body.compile_schema("type: object", "application/json")
    detail = _refused(schema, json.dumps(["y" * 100_000]).encode())
    assert len(detail) == 1
    assert len(detail[0]["msg"]) <= body_limits.MAX_MESSAGE_LENGTH


def test_unique_items_is_checked_in_linear_time():
    schema = body.compile_schema(TAGS_SCHEMA, "application/json")
    objects = [{"n": index} for index in range(50_000)]
    start = time.process_time()
    schema.validate(json.dumps({"codes": objects}).encode())
    detail = _refused(schema, json.dumps({"codes": [*objects, {"n": 7}]}).encode())
    assert time.process_time() - start < 3
    assert [item["type"] for item in detail] == ["uniqueItems"]


COMBINED_SCHEMA = """
type: object
$defs:
  strings: {type: array, items: {type: string}}
  integers: {type: array, items: {type: integer}}
properties:
  any: {anyOf: [{$ref: "#/$defs/strings"}, {$ref: "#/$defs/integers"}]}
  one: {oneOf: [{$ref: "#/$defs/strings"}, {$ref: "#/$defs/integers"}]}
"""


@pytest.mark.parametrize("keyword", ["any", "one"])
def test_any_of_and_one_of_stop_early_on_long_arrays(keyword):
    schema = body.compile_schema(COMBINED_SCHEMA, "application/json")
    start = time.process_time()
    detail = _refused(schema, json.dumps({keyword: [0.5] * 300_000}).encode())
    assert time.process_time() - start < 2
    assert [item["type"] for item in detail] == [f"{keyword}Of"]
    assert len(detail[0]["msg"]) <= body_limits.MAX_MESSAGE_LENGTH
    assert schema.validate(json.dumps({keyword: [1, 2]}).encode())
    assert schema.validate(json.dumps({keyword: ["a"]}).encode())


def test_one_of_refuses_a_value_valid_under_two_branches():
    schema = body.compile_schema(COMBINED_SCHEMA, "application/json")
    detail = _refused(schema, b'{"one": []}')
    assert [item["type"] for item in detail] == ["oneOf"]
    assert "more than one" in detail[0]["msg"]
    schema = body.compile_schema(COMBINED_SCHEMA, "application/json")
    assert schema.validate(b'{"any": []}')


@pytest.mark.parametrize(
    ("items", "duplicated"),
    [
        ([1, 1.0], True),
        ([True, 1], False),
        ([0, False], False),
        ([{"a": [1, 2]}, {"a": [1, 2.0]}], True),
        ([{"a": 1, "b": 2}, {"b": 2, "a": 1}], True),
        ([[1, 2], [2, 1]], False),
        (["1", 1], False),
        ([None, None], True),
    ],
)
def test_duplicates_are_equal_as_json_schema_means_it(items, duplicated):
    assert body_limits.has_duplicates(items) is duplicated


def test_xml_body_with_many_invalid_lines_lists_twenty_errors_fast():
    schema = body.compile_schema(LINES_XSD, "application/xml")
    data = b"<order>" + b'<line qty="0"/>' * 100_000 + b"</order>"
    start = time.process_time()
    detail = _refused(schema, data)
    assert time.process_time() - start < 2
    assert len(detail) == body_limits.MAX_ERRORS + 1
    assert {item["type"] for item in detail[:-1]} == {"xml_schema"}
    assert detail[-1]["msg"].startswith("99980 more errors not listed")


def test_small_xml_body_errors_keep_their_line_and_path():
    schema = body.compile_schema(LINES_XSD, "application/xml")
    detail = _refused(schema, b'<order>\n<line qty="1"/>\n<line/>\n</order>')
    assert len(detail) == 1
    assert detail[0]["loc"] == ["body", "/order/line[2]"]
    assert detail[0]["msg"].startswith("line 3: ")


def test_element_with_too_many_attributes_is_refused_before_parsing():
    schema = body.compile_schema(LINES_XSD, "application/xml")
    attrs = "".join(f' a{index}="1"' for index in range(100_000))
    start = time.process_time()
    detail = _refused(schema, f'<order><line qty="1"{attrs}/></order>'.encode())
    assert time.process_time() - start < 1
    assert [item["type"] for item in detail] == ["xml_invalid"]
    assert "more than 256 attributes" in detail[0]["msg"]
    # The same in UTF-16, whose bytes hide the "=".
    data = f'<order><line qty="1"{attrs}/></order>'.encode("utf-16")
    assert "more than 256" in _refused(schema, data)[0]["msg"]


def test_attribute_bound_never_misses_a_crowded_element():
    many = "".join(f' a{index}="x>y"' for index in range(300))
    assert body_limits.too_many_attributes(f"<a{many}/>".encode())
    assert not body_limits.too_many_attributes(b'<a b="1"/>' * 10_000)
    # A value cannot hold a "<", so no start tag hides behind one.
    assert not body_limits.too_many_attributes(b"<a>" + b"x=" * 100 + b"</a>")


def test_well_formed_xml_with_many_elements_is_accepted():
    schema = body.compile_schema(LINES_XSD, "application/xml")
    data = b"<order>" + b'<line qty="1"/>' * 50_000 + b"</order>"
    assert schema.validate(data).tag == "order"


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b'<?xml version="1.0" encoding="NOPE-42"?><order/>', "NOPE-42"),
        (b"<order><line qty='1'/>", "line"),
        (b"<order", "order"),
    ],
)
def test_malformed_xml_stays_xml_invalid(data, words):
    schema = body.compile_schema(LINES_XSD, "application/xml")
    detail = _refused(schema, data)
    assert [item["type"] for item in detail] == ["xml_invalid"]
    assert words.lower() in detail[0]["msg"].lower()
