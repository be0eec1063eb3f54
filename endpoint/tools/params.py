# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Typed parameters: the path, query and header values of a request, checked
against a JSON Schema before the snippet runs.

The schema describes one object, ``{"path": {...}, "query": {...},
"header": {...}}``: each member an object whose properties are the
parameters of that place. Query and header values arrive as text: each one
the schema declares is converted to the type its property names (integer,
number, boolean, array of those, string) before the object is validated, so
that errors come out with ``loc`` ``["query", name]`` and the snippet gets
``20``, not ``"20"``. Nothing here touches Odoo.
"""

import math
import re
import uuid
from collections.abc import Mapping

import jsonschema

from ..exceptions import RequestValidationError, SchemaError
from .body import load_checked_json_schema

PLACES = ("path", "query", "header")
INTEGER = re.compile(r"[+-]?[0-9]{1,4300}\Z")
NUMBER = re.compile(r"[+-]?(?:[0-9]{1,300}(?:\.[0-9]{0,300})?|\.[0-9]{1,300})\Z")
TRUE = frozenset({"true", "1", "yes", "on"})
FALSE = frozenset({"false", "0", "no", "off"})
# Header names are tokens (RFC 9110).
HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+\Z")


class ParamsRequestError(RequestValidationError):
    """Parameters that fail their schema (HTTP 400), with one item per error."""


def _item(loc, msg, type_):
    return {"loc": list(loc), "msg": msg, "type": type_}


def _types(prop):
    kind = prop.get("type") if isinstance(prop, Mapping) else None
    if isinstance(kind, str):
        return [kind]
    if isinstance(kind, list):
        return [k for k in kind if isinstance(k, str)]
    return []


def _convert_one(text, kinds):
    """Convert one text value to the first of ``kinds`` it reads as; raise
    ValueError when it reads as none."""
    if not kinds or "string" in kinds:
        return text
    for kind in kinds:
        if kind == "integer" and INTEGER.match(text):
            return int(text)
        if kind == "number" and NUMBER.match(text):
            value = float(text)
            if math.isfinite(value):
                return int(value) if INTEGER.match(text) else value
        if kind == "boolean" and text.lower() in TRUE | FALSE:
            return text.lower() in TRUE
        if kind == "null" and text in ("", "null"):
            return None
    raise ValueError(f"{text!r} is not of type {' or '.join(map(repr, kinds))}")


def _convert(values, prop):
    """Convert the text ``values`` given for one parameter (a list: a query
    parameter may be repeated) as its property ``prop`` says."""
    kinds = _types(prop)
    if "array" in kinds:
        items = prop.get("items") if isinstance(prop, Mapping) else None
        return [_convert_one(v, _types(items or {})) for v in values]
    return _convert_one(values[-1], kinds)


def _plain(value):
    """A path value as JSON Schema sees it: a record is its id."""
    if isinstance(value, uuid.UUID):
        return str(value)
    ids = getattr(value, "ids", None)
    if ids is not None and hasattr(value, "_name"):
        return ids[0] if len(ids) == 1 else list(ids)
    return value


class ParamsSchema:
    """A parameters schema compiled once, checking every request's values."""

    def __init__(self, source):
        schema = load_checked_json_schema(source, "The parameters schema")
        if not isinstance(schema, Mapping):
            raise SchemaError("The parameters schema must be an object.")
        places = schema.get("properties") or {}
        unknown = sorted(set(places) - set(PLACES))
        if unknown:
            raise SchemaError(
                f"The parameters schema describes {', '.join(unknown)}: "
                f"its properties can only be {', '.join(PLACES)}."
            )
        self.properties = {}
        seen = {}
        for place in PLACES:
            section = places.get(place) or {}
            props = section.get("properties") if isinstance(section, Mapping) else None
            props = props if isinstance(props, Mapping) else {}
            for name in props:
                if place == "header" and not HEADER_NAME.match(name):
                    raise SchemaError(f"{name!r} is not a header name.")
                key = name.lower() if place == "header" else name
                if key in seen:
                    raise SchemaError(
                        f"The parameter {name!r} is declared both in "
                        f"{seen[key]} and in {place}: the snippet reads them "
                        "by name, so each name is used once."
                    )
                seen[key] = place
            self.properties[place] = dict(props)
        self.schema = schema
        cls = jsonschema.Draft202012Validator
        self._validator = cls(schema, format_checker=cls.FORMAT_CHECKER)

    def names(self, place):
        return tuple(self.properties.get(place, ()))

    def _defaults(self, place, values):
        for name, prop in self.properties.get(place, {}).items():
            if name not in values and isinstance(prop, Mapping) and "default" in prop:
                values[name] = prop["default"]

    def check(self, path=None, query=None, headers=None):
        """Convert and validate the request's parameters.

        ``path`` maps names to converted path values, ``query`` names to
        lists of texts, ``headers`` is a case-insensitive mapping of texts
        (only the declared headers are read). Return ``{place: {name:
        value}}``; raise ``ParamsRequestError`` with every failure.
        """
        errors = []
        failed = set()
        instance = {"path": {k: _plain(v) for k, v in (path or {}).items()}}
        query_values = {}
        for name, texts in (query or {}).items():
            prop = self.properties.get("query", {}).get(name)
            try:
                query_values[name] = _convert(texts, prop) if prop else texts[-1]
            except ValueError as exc:
                errors.append(_item(("query", name), str(exc), "type"))
                failed.add(("query", name))
        header_values = {}
        for name, prop in self.properties.get("header", {}).items():
            text = headers.get(name) if headers is not None else None
            if text is None:
                continue
            try:
                header_values[name] = _convert([text], prop)
            except ValueError as exc:
                errors.append(_item(("header", name), str(exc), "type"))
                failed.add(("header", name))
        self._defaults("query", query_values)
        self._defaults("header", header_values)
        instance["query"] = query_values
        instance["header"] = header_values
        for error in self._validator.iter_errors(instance):
            loc = _loc(error)
            if tuple(loc[:2]) in failed:
                continue
            errors.append(_item(loc, error.message, error.validator))
        if errors:
            errors.sort(key=lambda e: [str(p) for p in e["loc"]])
            raise ParamsRequestError(errors)
        return {
            "path": dict(path or {}),
            "query": {
                k: query_values[k] for k in self.names("query") if k in query_values
            },
            "header": header_values,
        }


def _loc(error):
    loc = list(error.absolute_path)
    if error.validator == "required" and isinstance(error.instance, Mapping):
        missing = [n for n in error.validator_value if n not in error.instance]
        if missing:
            loc.append(missing[0])
    return loc


def compile_params_schema(source):
    """Compile ``source``; None when empty. Raises ``SchemaError``."""
    if not source or not source.strip():
        return None
    return ParamsSchema(source)
