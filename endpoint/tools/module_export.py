# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Endpoints written as module data: the XML file, schema files, manifest lines.

Plain functions on plain values (no ORM): the model gathers each record's
fields, these name and write the files. Names derive from the routes, so an
export run twice gives the same ids and file names, and a module author can
diff them against what the module already ships.
"""

import json
import re
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

# "<int:order_id>" and '<model("res.partner"):partner>' become their name.
_PARAMETER = re.compile(r"<(?:[^<>:]*:)?([A-Za-z_][A-Za-z0-9_]*)>")
_NOT_NAME = re.compile(r"[^a-z0-9]+")
MODULE_NAME = re.compile(r"^[a-z][a-z0-9_]*$")

DATA_FILE = "data/endpoints.xml"
SCHEMA_DIR = "data/schemas"
MANIFEST_LINES = "MANIFEST_LINES.txt"


def route_slug(route):
    """A readable name made of the route: ``/demo/order`` is ``demo_order``."""
    text = _PARAMETER.sub(r"\1", route or "").lower()
    return _NOT_NAME.sub("_", text).strip("_") or "root"


def unique_name(base, taken):
    """``base``, or ``base_2``, ``base_3``... the first not in ``taken``
    (which it joins)."""
    name, count = base, 1
    while name in taken:
        count += 1
        name = f"{base}_{count}"
    taken.add(name)
    return name


def schema_extension(text, xml=False):
    """The file extension a schema is read best with."""
    if xml:
        return "xsd"
    try:
        json.loads(text)
    except ValueError:
        return "yaml"
    return "json"


@dataclass
class Value:
    """One field of a record, as XML data writes it.

    ``kind``: ``text`` (the element's text), ``eval`` (a Python literal),
    ``ref`` (an XML id), ``file`` (a file of the module, loaded as text).
    """

    name: str
    kind: str
    value: str


@dataclass
class Record:
    xml_id: str
    model: str
    values: list = field(default_factory=list)
    notes: list = field(default_factory=list)


def render_field(value):
    name = quoteattr(value.name)
    if value.kind == "text":
        return f"<field name={name}>{escape(value.value)}</field>"
    if value.kind == "file":
        return f'<field name={name} type="char" file={quoteattr(value.value)} />'
    return f"<field name={name} {value.kind}={quoteattr(value.value)} />"


def render_data_xml(records, header=""):
    """The XML data file of ``records`` (a list of ``Record``)."""
    lines = ['<?xml version="1.0" encoding="UTF-8" ?>']
    if header:
        lines.append(f"<!-- {escape(header)} -->")
    lines.append("<odoo>")
    for index, record in enumerate(records):
        if index:
            lines.append("")
        for note in record.notes:
            # "--" cannot appear in an XML comment.
            lines.append(f"    <!-- {note.replace('--', '- -')} -->")
        xml_id, model = quoteattr(record.xml_id), quoteattr(record.model)
        lines.append(f"    <record id={xml_id} model={model}>")
        lines.extend(f"        {render_field(value)}" for value in record.values)
        lines.append("    </record>")
    lines.append("</odoo>")
    return "\n".join(lines) + "\n"


def render_manifest_lines(depends, data_files, notes=()):
    """The lines to merge into the module's ``__manifest__.py``: valid
    entries of its dict, so they can be pasted as they are."""
    lines = [f"# {note}" for note in notes]
    lines.append(f'"depends": {json.dumps(sorted(set(depends)))},')
    lines.append('"data": [')
    lines.extend(f"    {json.dumps(path)}," for path in data_files)
    lines.append("],")
    return "\n".join(lines) + "\n"
