# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Compile request schemas once, then parse and validate request bodies.

Nothing here touches Odoo: a schema is compiled into a small object when the
endpoint record changes, and that object validates every request body.
Errors are reported in one shape, ``{"loc": [...], "msg": ..., "type": ...}``,
so that the HTTP layer can answer a structured 400.
"""

import itertools
import json
import math
import reprlib
import sys
import threading

import jsonschema
import jsonschema_specifications
import referencing.exceptions
import yaml
from lxml import etree
from referencing.jsonschema import DRAFT202012

from ..exceptions import BodyError, SchemaError
from . import body_limits
from .body_limits import first_errors, shorten

JSON_MEDIA_TYPES = frozenset({"application/json"})
XML_MEDIA_TYPES = frozenset({"application/xml", "text/xml"})

# Defaults of the limits an endpoint enforces on request bodies; the model
# reads overrides from system parameters.
DEFAULT_MAX_DEPTH = 64
DEFAULT_MAX_NUMBER_DIGITS = 4300  # same bound CPython puts on int(str)


def media_type(content_type):
    """Return the bare, lower-case media type of a Content-Type value.

    ``application/json; charset=utf-8`` -> ``application/json``.
    """
    return (content_type or "").split(";", 1)[0].strip().lower()


def schema_kind(content_type):
    """Return ``"json"``, ``"xml"`` or ``None`` for a content type."""
    mtype = media_type(content_type)
    if mtype in JSON_MEDIA_TYPES or mtype.endswith("+json"):
        return "json"
    if mtype in XML_MEDIA_TYPES or mtype.endswith("+xml"):
        return "xml"
    return None


def accepts_media_type(expected, sent):
    """Tell whether a body sent as media type ``sent`` is accepted where
    ``expected`` is configured (both bare, as ``media_type`` returns them).

    By family: ``text/xml`` and ``application/*+xml`` are XML (RFC 7303),
    ``application/*+json`` is JSON (RFC 6839); other types must be equal.
    """
    if sent == expected:
        return True
    kind = schema_kind(expected)
    if kind is None:
        return False
    if kind == "xml" and sent in XML_MEDIA_TYPES:
        return True
    if kind == "json" and sent in JSON_MEDIA_TYPES:
        return True
    return sent.startswith("application/") and sent.endswith(f"+{kind}")


def _error(loc, msg, type_):
    return {"loc": list(loc), "msg": msg, "type": type_}


# --------------------------------------------------------------------------
# XML
# --------------------------------------------------------------------------


def _safe_xml_parser(schema=None):
    # No DTD loading, no entity substitution, no network, no huge trees:
    # a body or an XSD can never make the server read a file or a URL, nor
    # expand entities.
    parser = etree.XMLParser(
        schema=schema,
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=False,
    )
    # Whatever libxml2 would still load (an XSD's include, import...) comes
    # from this resolver: nothing.
    parser.resolvers.add(_NothingResolver())
    return parser


_THREAD = threading.local()


def _thread_xml_parser():
    """This thread's safe parser without a schema: built once, as lxml's
    parsers serve one thread at a time (each parse starts a new error log)."""
    parser = getattr(_THREAD, "xml_parser", None)
    if parser is None:
        parser = _THREAD.xml_parser = _safe_xml_parser()
    return parser


class _NothingResolver(etree.Resolver):
    def resolve(self, system_url, public_id, context):
        return self.resolve_string("", context)


# XSD elements that load another document.
_XSD_LOADERS = tuple(
    f"{{http://www.w3.org/2001/XMLSchema}}{name}"
    for name in ("include", "import", "redefine", "override")
)


class XmlSchemaErrors(ValueError):
    """The XSD errors found while parsing with a schema: ``entries`` is the
    parser's error log."""

    def __init__(self, entries):
        super().__init__(entries)
        self.entries = entries


def parse_xml(data, what="body", schema=None):
    """Parse XML bytes safely; refuse any document type declaration.

    Raises ``ValueError`` with a human message on any problem. With
    ``schema``, the document is validated as it is read (in linear time,
    unlike the validation of a tree, but without paths or line numbers):
    ``XmlSchemaErrors`` when it does not match.
    """
    if isinstance(data, str):
        data = data.encode()
    if not data or not data.strip():
        raise ValueError(f"The {what} is empty.")
    # A DOCTYPE is the only way to declare entities or point at an external
    # DTD; nothing legitimate sent to an API needs one.
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise ValueError("Document type declarations (DOCTYPE) are not allowed.")
    parser = _safe_xml_parser(schema) if schema is not None else _thread_xml_parser()
    try:
        root = etree.fromstring(data, parser=parser)
    except etree.XMLSyntaxError as exc:
        log = parser.error_log
        if (
            schema is not None
            and log
            and all(entry.domain_name == "SCHEMASV" for entry in log)
        ):
            raise XmlSchemaErrors(log) from exc
        raise ValueError(str(exc)) from exc
    if root is None:
        raise ValueError(f"The {what} holds no XML element.")
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        # Caught here too for encodings the byte check above cannot see.
        raise ValueError("Document type declarations (DOCTYPE) are not allowed.")
    return root


class XmlBodySchema:
    """An XSD compiled once, validating XML request bodies."""

    kind = "xml"

    def __init__(self, source):
        try:
            doc = parse_xml(source, what="XSD")
        except ValueError as exc:
            raise SchemaError(f"The XSD is not well-formed XML: {exc}") from exc
        for loader in doc.iter(*_XSD_LOADERS):
            if loader.get("schemaLocation"):
                raise SchemaError(
                    f"The XSD must be self-contained: line {loader.sourceline} "
                    f"loads {loader.get('schemaLocation')!r}."
                )
        try:
            self._schema = etree.XMLSchema(doc)
        except etree.XMLSchemaParseError as exc:
            raise SchemaError(f"The XSD does not compile: {exc}") from exc

    def validate(self, data):
        """Return the parsed root element, or raise ``BodyError``.

        At most ``MAX_ERRORS`` errors are listed. A small document is parsed,
        then validated, and its errors name their line and path; a large one
        is validated as it is parsed, in linear time (the paths of a tree's
        errors take the square of its size). An element with too many
        attributes is refused before parsing, which takes the square of their
        number.
        """
        if isinstance(data, str):
            data = data.encode()
        try:
            text = self._checked_text(data)
            if body_limits.at_most_elements(
                text, body_limits.MAX_XML_DETAILED_ELEMENTS
            ):
                root = parse_xml(data)
                detail = self._tree_errors(root)
                if detail:
                    raise BodyError(detail)
                return root
            return parse_xml(data, schema=self._schema)
        except BodyError:
            raise
        except XmlSchemaErrors as exc:
            # libxml2 may report the schema's error and not the document's
            # own (a truncated body): read it again without the schema.
            try:
                parse_xml(data)
            except ValueError as syntax:
                raise BodyError(
                    [_error(["body"], str(syntax), "xml_invalid")]
                ) from syntax
            raise BodyError(self._stream_errors(exc.entries)) from exc
        except ValueError as exc:
            raise BodyError([_error(["body"], str(exc), "xml_invalid")]) from exc

    @staticmethod
    def _checked_text(data):
        """The body as ``body_limits`` reads it, once refused what must be
        refused before libxml2 sees it."""
        text = body_limits.xml_text(data)
        if ("<!DOCTYPE" if isinstance(text, str) else b"<!DOCTYPE") in text:
            # Named here for encodings parse_xml's byte check cannot read.
            raise ValueError("Document type declarations (DOCTYPE) are not allowed.")
        if body_limits.too_many_attributes(text):
            raise ValueError(
                f"An element has more than {body_limits.MAX_XML_ATTRIBUTES} attributes."
            )
        return text

    def _tree_errors(self, root):
        """The errors of a small document, with their lines and paths."""
        if self._schema.validate(root):
            return []
        log = self._schema.error_log
        return first_errors(
            (
                _error(
                    ["body", entry.path] if entry.path else ["body"],
                    shorten(f"line {entry.line}: {entry.message}"),
                    "xml_schema",
                )
                for entry in log
            ),
            total=len(log),
        )

    @staticmethod
    def _stream_errors(entries):
        """The errors of a large document, as found while parsing it."""
        return first_errors(
            (
                _error(["body"], shorten(entry.message), "xml_schema")
                for entry in entries
            ),
            total=len(entries),
        )


# --------------------------------------------------------------------------
# JSON
# --------------------------------------------------------------------------


_CONTAINERS = (dict, list)


def _too_deep(value, max_depth):
    """Tell whether a parsed JSON value nests deeper than ``max_depth``."""
    # Level by level, keeping only containers: this runs on every JSON body,
    # whose values are mostly scalars.
    level = [value] if isinstance(value, _CONTAINERS) else []
    depth = 1
    while level:
        if depth > max_depth:
            return True
        level = [
            child
            for node in level
            for child in (node.values() if isinstance(node, dict) else node)
            if isinstance(child, _CONTAINERS)
        ]
        depth += 1
    return False


def _finite_float(text):
    value = float(text)
    if math.isinf(value):
        shown = text if len(text) <= 20 else f"{text[:20]}..."
        raise ValueError(f"the number {shown} is out of range")
    return value


def _no_constant(name):
    # Python reads NaN and Infinity, which JSON does not have.
    raise ValueError(f"{name} is not a JSON value")


def _bounded_int(max_digits):
    def parse_int(text):
        if len(text.lstrip("-")) > max_digits:
            raise ValueError(f"a number has more than {max_digits} digits")
        return int(text)

    return parse_int


def _int_parser(max_digits):
    """The ``parse_int`` hook bounding integers to ``max_digits`` digits, or
    None when Python's own bound on int(str) is at least as strict: then
    json.loads refuses longer integers itself, and faster."""
    # Python has the bound since 3.11 (and 3.10.7); 0 lifts it.
    python_bound = getattr(sys, "get_int_max_str_digits", lambda: 0)()
    if python_bound and python_bound <= max_digits:
        return None
    return _bounded_int(max_digits)


def parse_json(
    data, max_depth=DEFAULT_MAX_DEPTH, max_number_digits=DEFAULT_MAX_NUMBER_DIGITS
):
    """Parse a JSON body; raise ``BodyError`` (``json_invalid``) on failure."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise BodyError(
                [_error(["body"], f"The body is not UTF-8: {exc}", "json_invalid")]
            ) from exc
    try:
        value = json.loads(
            data,
            parse_int=_int_parser(max_number_digits),
            parse_float=_finite_float,
            parse_constant=_no_constant,
        )
    except RecursionError as exc:
        raise BodyError(
            [_error(["body"], "JSON nested too deeply.", "json_invalid")]
        ) from exc
    except ValueError as exc:
        message = str(exc)
        if message.startswith("Exceeds the limit"):  # Python's bound on int(str)
            message = f"a number has more than {sys.get_int_max_str_digits()} digits"
        raise BodyError([_error(["body"], message, "json_invalid")]) from exc
    if _too_deep(value, max_depth):
        raise BodyError(
            [
                _error(
                    ["body"],
                    f"JSON nested deeper than {max_depth} levels.",
                    "json_invalid",
                )
            ]
        )
    return value


class _JsonLikeYamlLoader(yaml.SafeLoader):
    """Safe YAML without implicit dates: JSON has none, so an unquoted
    ``2024-01-31`` means that text (as it does in a JSON body)."""


_JsonLikeYamlLoader.yaml_implicit_resolvers = {
    first: [pair for pair in resolvers if not pair[0].endswith(":timestamp")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_yaml(source):
    """Parse JSON or YAML text into JSON values; raise ``yaml.YAMLError``."""
    return yaml.load(source, Loader=_JsonLikeYamlLoader)  # a SafeLoader


def load_checked_json_schema(source, what="The JSON schema"):
    """``load_json_schema_text``, then refuse a schema that is not a valid
    Draft 2020-12 schema, saying where (``what`` names it in the message)."""
    schema = load_json_schema_text(source)
    try:
        jsonschema.Draft202012Validator.check_schema(schema)
    except jsonschema.SchemaError as exc:
        where = "/".join(str(p) for p in exc.absolute_path) or "(root)"
        raise SchemaError(
            f"{what} is not a valid Draft 2020-12 schema at {where}: {exc.message}"
        ) from exc
    return schema


def load_json_schema_text(source):
    """Read a JSON Schema written in JSON or YAML (YAML is a superset)."""
    try:
        schema = load_yaml(source)
    except yaml.YAMLError as exc:
        raise SchemaError(
            f"The JSON schema is neither valid JSON nor YAML: {exc}"
        ) from exc
    if not isinstance(schema, dict | bool):
        raise SchemaError(
            "The JSON schema must be an object (a mapping), "
            f"not {type(schema).__name__}."
        )
    return schema


def unresolvable_ref(schema):
    """Return the first ``$ref`` of ``schema`` that points nowhere, or ``None``.

    jsonschema resolves references while validating, so a dangling one would
    fail every request instead of the save. Only the schema itself and the
    JSON Schema meta-schemas can be referenced: nothing is fetched.
    """
    root = DRAFT202012.create_resource(schema)
    stack = [(root, jsonschema_specifications.REGISTRY.resolver_with_root(root))]
    while stack:
        resource, resolver = stack.pop()
        resolver = resolver.in_subresource(resource)
        contents = resource.contents
        ref = contents.get("$ref") if isinstance(contents, dict) else None
        if isinstance(ref, str):
            try:
                resolver.lookup(ref)
            except referencing.exceptions.Unresolvable:
                return ref
        stack.extend((sub, resolver) for sub in resource.subresources())
    return None


# jsonschema's own versions of these keywords collect every error of the
# value (one per item of a long array), or compare every pair of items, and
# quote the whole value in their message. These stop early and quote a part.


def _unique_items(validator, unique, instance, schema):
    if (
        unique
        and validator.is_type(instance, "array")
        and body_limits.has_duplicates(instance)
    ):
        yield jsonschema.ValidationError(
            f"{reprlib.repr(instance)} has non-unique elements"
        )


def _branch_errors(validator, instance, subschema, index, limit):
    return list(
        itertools.islice(
            validator.descend(instance, subschema, schema_path=index), limit
        )
    )


def _any_of(validator, any_of, instance, schema):
    context = []
    for index, subschema in enumerate(any_of):
        errors = _branch_errors(
            validator, instance, subschema, index, body_limits.MAX_ERRORS
        )
        if not errors:
            return
        context.extend(errors)
    yield jsonschema.ValidationError(
        f"{reprlib.repr(instance)} is not valid under any of the given schemas",
        context=context,
    )


def _one_of(validator, one_of, instance, schema):
    valid = [
        index
        for index, subschema in enumerate(one_of)
        if not _branch_errors(validator, instance, subschema, index, 1)
    ]
    if len(valid) > 1:
        yield jsonschema.ValidationError(
            f"{reprlib.repr(instance)} is valid under more than one of the given "
            f"schemas (#{', #'.join(str(index) for index in valid)})"
        )
    elif not valid:
        context = [
            error
            for index, subschema in enumerate(one_of)
            for error in _branch_errors(
                validator, instance, subschema, index, body_limits.MAX_ERRORS
            )
        ]
        yield jsonschema.ValidationError(
            f"{reprlib.repr(instance)} is not valid under any of the given schemas",
            context=context,
        )


_LinearValidator = jsonschema.validators.extend(
    jsonschema.Draft202012Validator,
    {"uniqueItems": _unique_items, "anyOf": _any_of, "oneOf": _one_of},
)


class JsonBodySchema:
    """A Draft 2020-12 JSON Schema compiled once, validating JSON bodies."""

    kind = "json"

    def __init__(self, source, format_checker=True):
        schema = load_checked_json_schema(source)
        cls = jsonschema.Draft202012Validator
        ref = unresolvable_ref(schema)
        if ref is not None:
            raise SchemaError(
                f"The JSON schema refers to {ref!r}, which cannot be resolved: "
                "define it in the schema (under $defs) and refer to it as "
                "#/$defs/<name>."
            )
        self._validator = _LinearValidator(
            schema, format_checker=cls.FORMAT_CHECKER if format_checker else None
        )

    def validate(self, data, **limits):
        """Return the parsed JSON value, or raise ``BodyError``.

        Validation stops after ``MAX_ERRORS`` errors: a body with one error
        per item of a long array costs no more to refuse than to accept.
        """
        value = parse_json(data, **limits)
        detail = first_errors(
            _error(["body", *err.absolute_path], shorten(err.message), err.validator)
            for err in self._validator.iter_errors(value)
        )
        if detail:
            detail.sort(
                key=lambda item: (
                    item["type"] == body_limits.TOO_MANY_ERRORS,
                    [str(part) for part in item["loc"]],
                )
            )
            raise BodyError(detail)
        return value


def compile_schema(source, content_type):
    """Compile ``source`` for ``content_type``; ``None`` when there is no schema.

    Raises ``SchemaError`` when the schema cannot be used, or when the content
    type takes no schema.
    """
    if not source or not source.strip():
        return None
    kind = schema_kind(content_type)
    if kind == "json":
        return JsonBodySchema(source)
    if kind == "xml":
        return XmlBodySchema(source)
    raise SchemaError(
        f"Content type {content_type or '(none)'} takes no request schema: "
        "use JSON or XML."
    )
