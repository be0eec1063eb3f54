# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What the test console needs besides Odoo: a request's pieces from text,
an example body from a JSON schema, an answer laid out for reading."""

import contextvars
import dataclasses
import json

import yaml
from lxml import etree

from .call_log import MASK

# Set while the console runs an endpoint: where ``log()`` lines go.
CAPTURE = contextvars.ContextVar("endpoint_console_capture", default=None)


@dataclasses.dataclass
class Capture:
    """The ``log()`` lines of one console run; a dry run writes none of them
    to the database, the console shows them instead."""

    dry_run: bool
    lines: list = dataclasses.field(default_factory=list)


def parse_headers(text):
    """``Name: value`` lines as (name, value) pairs; blank lines skipped.
    Raises ValueError naming a line without a colon."""
    headers = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        name, sep, value = line.partition(":")
        if not sep or not name.strip():
            raise ValueError(line)
        headers.append((name.strip(), value.strip()))
    return headers


def replay_headers(text):
    """A logged call's headers for the console: masked values left empty,
    for the admin to fill."""
    lines = []
    for name, value in parse_headers(text):
        lines.append(f"{name}: {'' if value == MASK else value}")
    return "\n".join(lines)


def _example(schema, depth=0):
    if not isinstance(schema, dict) or depth > 8:
        return None
    for key in ("example", "default", "const"):
        if key in schema:
            return schema[key]
    if schema.get("examples"):
        return schema["examples"][0]
    if schema.get("enum"):
        return schema["enum"][0]
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    if kind == "object" or "properties" in schema:
        return {
            name: _example(sub, depth + 1)
            for name, sub in (schema.get("properties") or {}).items()
        }
    if kind == "array":
        return [_example(schema.get("items") or {}, depth + 1)]
    return {
        "string": "string",
        "integer": 0,
        "number": 0,
        "boolean": False,
    }.get(kind)


def example_body(schema_text, content_type):
    """A JSON body built from a JSON schema (JSON or YAML text), or "" when
    there is none to build (no schema, an XML schema, an unreadable one)."""
    if not schema_text or "json" not in (content_type or ""):
        return ""
    try:
        schema = yaml.safe_load(schema_text)
    except yaml.YAMLError:
        return ""
    if not isinstance(schema, dict):
        return ""
    return json.dumps(_example(schema), indent=2)


def pretty_body(data, content_type):
    """The answer's body as text, JSON and XML indented."""
    text = data.decode("utf-8", "replace")
    content_type = (content_type or "").lower()
    try:
        if "json" in content_type:
            return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
        if "xml" in content_type:
            root = etree.fromstring(data)
            return etree.tostring(root, pretty_print=True, encoding="unicode")
    except (ValueError, etree.XMLSyntaxError):
        # Not what its content type says: shown as it came.
        return text
    return text
