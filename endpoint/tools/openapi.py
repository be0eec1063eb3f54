# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Build an OpenAPI 3.1 document from plain descriptions of endpoints.

Nothing here touches the ORM: the model turns each endpoint record into a
dict (see ``build_operation`` for its keys) and these functions turn the dicts
into the document, so the result depends on the dicts alone.

JSON schemas are embedded as they are: OpenAPI 3.1 schemas are JSON Schema
Draft 2020-12, the dialect request schemas are checked with.
"""

import copy
import json
import re

import yaml

from .body import load_json_schema_text, load_yaml, schema_kind

OPENAPI_VERSION = "3.1.0"
REF_PREFIX = "#/components/schemas/"

# Odoo's routing accepts werkzeug converters in a route: "/a/<int:id>".
ROUTE_CONVERTER = re.compile(
    r"<(?:(?P<conv>[a-zA-Z_][\w]*)(?:\((?P<args>[^)]*)\))?:)?(?P<name>\w+)>"
)
ANY_ARGUMENT = re.compile(r"""[\w.-]+|"[^"]*"|'[^']*'""")
CONVERTER_SCHEMAS = {
    "int": {"type": "integer"},
    "float": {"type": "number"},
    "uuid": {"type": "string", "format": "uuid"},
    "model": {"type": "integer", "description": "The id of a record."},
    "models": {
        "type": "string",
        "pattern": "^[0-9]+(,[0-9]+)*$",
        "description": "Record ids, separated by commas.",
    },
    "path": {"type": "string", "description": "May hold slashes."},
}

# The error bodies every endpoint answers with (see ``error_response`` in
# tools/response.py), shared by all operations.
ERROR_SCHEMAS = {
    "ValidationErrorItem": {
        "type": "object",
        "description": "One reason why the request body was refused.",
        "required": ["loc", "msg", "type"],
        "properties": {
            "loc": {
                "type": "array",
                "description": 'Where: "body", then the path inside the body; '
                'or "path", "query" or "header", then the parameter\'s name.',
                "items": {"type": ["string", "integer"]},
            },
            "msg": {"type": "string", "description": "What is wrong."},
            "type": {
                "type": "string",
                "description": "The failed check: json_invalid, xml_invalid, "
                "xml_schema, or the JSON Schema keyword (type, required, ...).",
            },
        },
    },
    "RequestValidationError": {
        "type": "object",
        "description": "The request body does not parse or does not match the "
        "endpoint's request schema.",
        "required": ["detail"],
        "properties": {
            "detail": {
                "type": "array",
                "items": {"$ref": f"{REF_PREFIX}ValidationErrorItem"},
            }
        },
    },
    "Error": {
        "type": "object",
        "description": "Any other error.",
        "required": ["detail"],
        "properties": {
            "detail": {"type": "string", "description": "What went wrong."},
        },
    },
}


class ExampleError(ValueError):
    """A response example that is neither JSON nor YAML."""


# --------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------


def _jsonable(value):
    """Return ``value`` as JSON would give it back (a fresh copy, plain types)."""
    return json.loads(json.dumps(value, default=str))


def load_example(source):
    """Read a response example written in JSON or YAML; ``None`` when empty."""
    if not source or not source.strip():
        return None
    try:
        return _jsonable(load_yaml(source))
    except yaml.YAMLError as exc:
        raise ExampleError(
            f"The example is neither valid JSON nor YAML: {exc}"
        ) from exc


def _pointer_token(text):
    return text.replace("~", "~0").replace("/", "~1")


def _rebase_refs(schema, base):
    """Point the schema's local ``$ref`` (``#/...``) at where it now lives.

    A schema pasted into the document under ``base`` (a JSON pointer such as
    ``#/components/schemas/x``) refers to its own ``$defs`` with ``#/$defs/..``,
    which would otherwise resolve against the document root. A schema with its
    own ``$id`` is a resource of its own: its references stay as they are.
    """
    if isinstance(schema, dict) and "$id" in schema:
        return schema

    def walk(node):
        if isinstance(node, dict):
            out = {}
            for key, value in node.items():
                if key in ("$ref", "$dynamicRef") and isinstance(value, str):
                    if value == "#":
                        value = base
                    elif value.startswith("#/"):
                        value = base + value[1:]
                out[key] = walk(value)
            return out
        if isinstance(node, list):
            return [walk(item) for item in node]
        return node

    return walk(schema)


def converter_schema(converter, args=None):
    """The JSON schema of the values a route converter matches."""
    if converter == "any" and args:
        return {
            "type": "string",
            "enum": [a.strip("\"'") for a in ANY_ARGUMENT.findall(args)],
        }
    return copy.deepcopy(CONVERTER_SCHEMAS.get(converter, {"type": "string"}))


def openapi_path(route, path_schemas=None):
    """Turn an Odoo route into an OpenAPI path and its path parameters.

    ``/a/<int:id>`` -> ``("/a/{id}", [{"name": "id", "in": "path", ...}])``.
    ``path_schemas`` maps parameter names to schemas (a parameters schema's
    path properties) merged into the converter's.
    """
    parameters = []

    def replace(match):
        name = match["name"]
        schema = converter_schema(match["conv"], match["args"])
        extra = (path_schemas or {}).get(name)
        if isinstance(extra, dict):
            schema.update(copy.deepcopy(extra))
        parameters.append(
            {"name": name, "in": "path", "required": True, "schema": schema}
        )
        return "{" + name + "}"

    return ROUTE_CONVERTER.sub(replace, route), parameters


def operation_name(method, route):
    """A readable identifier for an operation: ``post_demo_contact``."""
    slug = re.sub(r"[^A-Za-z0-9]+", "_", route).strip("_") or "root"
    return f"{method.lower()}_{slug}"


def schema_ref(name):
    return {"$ref": REF_PREFIX + name}


def add_response_schema(operation, status, description, schema):
    """Declare that ``operation`` may answer ``status`` with a JSON ``schema``.

    When the status already has a JSON schema, the body may be either one
    (``anyOf``). Meant for hooks that add what an auth type or an exec mode
    can answer.
    """
    responses = operation.setdefault("responses", {})
    response = responses.setdefault(str(status), {"description": description})
    media = response.setdefault("content", {}).setdefault("application/json", {})
    current = media.get("schema")
    if current is None:
        media["schema"] = schema
    elif schema not in current.get("anyOf", [current]):
        media["schema"] = {"anyOf": [*current.get("anyOf", [current]), schema]}
    return operation


# --------------------------------------------------------------------------
# One endpoint
# --------------------------------------------------------------------------


def endpoint_schemas(endpoint, name):
    """The component schemas an endpoint brings, keyed by component name."""
    schemas = {}
    sources = (
        (f"{name}_request", endpoint.get("request_schema"), True),
        (f"{name}_response", endpoint.get("response_schema"), False),
    )
    for key, source, is_request in sources:
        if not source or not source.strip():
            continue
        if is_request and schema_kind(endpoint.get("content_type")) != "json":
            continue  # an XSD is described in the request body's text
        schema = _jsonable(load_json_schema_text(source))
        schemas[key] = _rebase_refs(schema, REF_PREFIX + key)
    schemas.update(copy.deepcopy(endpoint.get("schemas") or {}))
    return schemas


def _request_body(endpoint, name):
    content_type = endpoint.get("content_type")
    if not content_type:
        return None
    source = endpoint.get("request_schema")
    has_schema = bool(source and source.strip())
    kind = schema_kind(content_type)
    media = {}
    body = {"content": {content_type: media}}
    if has_schema and kind == "json":
        media["schema"] = schema_ref(f"{name}_request")
        body["description"] = "Validated against the JSON schema below."
    elif has_schema and kind == "xml":
        # OpenAPI has no way to embed an XSD: show it to the reader.
        body["description"] = (
            f"An XML document valid against this XSD:\n\n```xml\n{source.strip()}\n```"
        )
    if has_schema:
        body["required"] = True
    return body


def _success_response(endpoint, name):
    response = {"description": "Success."}
    media = {}
    if endpoint.get("response_schema") and endpoint["response_schema"].strip():
        media["schema"] = schema_ref(f"{name}_response")
    example = load_example(endpoint.get("response_example"))
    if example is not None:
        media["example"] = example
    if media:
        response["content"] = {"application/json": media}
    return response


def _error_response(description, schema_name="Error"):
    return {
        "description": description,
        "content": {"application/json": {"schema": schema_ref(schema_name)}},
    }


def build_operation(endpoint, name=None):
    """Return the OpenAPI operation object of one endpoint.

    ``endpoint`` is a plain dict:

    - ``route``, ``method`` (required); ``name``, ``summary``, ``description``,
      ``route_group`` (the tag);
    - ``content_type`` and ``request_schema`` (JSON Schema text, or an XSD);
    - ``response_status`` (default 200), ``response_schema`` (JSON Schema
      text), ``response_example`` (JSON or YAML text);
    - ``auth``: what the auth type adds, ``{"security": [...],
      "schemes": {name: security scheme}, "responses": {status: text}}``;
      without ``security``, the operation says nothing about it;
    - ``schemas``: more component schemas the operation refers to;
    - ``methods``: every method the endpoint answers (``method`` alone when
      absent), named by its 405;
    - ``path_schemas`` (name -> schema, merged into the converter's) and
      ``parameters`` (OpenAPI query and header parameter objects), from a
      parameters schema, which ``params_checked`` says is enforced.
    """
    method = endpoint["method"].upper()
    name = name or operation_name(method, endpoint["route"])
    _path, parameters = openapi_path(endpoint["route"], endpoint.get("path_schemas"))
    parameters += copy.deepcopy(endpoint.get("parameters") or [])
    operation = {
        "operationId": name,
        "summary": endpoint.get("summary") or endpoint.get("name") or endpoint["route"],
    }
    if endpoint.get("description"):
        operation["description"] = endpoint["description"]
    if endpoint.get("route_group"):
        operation["tags"] = [endpoint["route_group"]]
    if parameters:
        operation["parameters"] = parameters
    body = _request_body(endpoint, name)
    if body:
        operation["requestBody"] = body

    auth = endpoint.get("auth") or {}
    if auth.get("security") is not None:
        operation["security"] = copy.deepcopy(auth["security"])

    status = str(endpoint.get("response_status") or 200)
    responses = {status: _success_response(endpoint, name)}
    if body and body.get("required"):
        responses["400"] = _error_response(
            "The body does not parse or does not match the request schema.",
            "RequestValidationError",
        )
    elif endpoint.get("params_checked"):
        responses["400"] = _error_response(
            "A parameter does not match the parameters schema.",
            "RequestValidationError",
        )
    for code, text in (auth.get("responses") or {}).items():
        responses[str(code)] = _error_response(text)
    responses["404"] = {
        "description": "No endpoint is published at this route "
        "(unknown, archived, or not synced yet)."
    }
    methods = ", ".join(m.upper() for m in endpoint.get("methods") or [method])
    responses["405"] = {
        **_error_response(f"Called with another method than {methods}."),
        "headers": {
            "Allow": {
                "description": "The methods the endpoint answers.",
                "schema": {"type": "string"},
            }
        },
    }
    if body:
        responses["413"] = _error_response("The body is larger than the server allows.")
        responses["415"] = _error_response(
            f"The Content-Type header is not {endpoint['content_type']}."
        )
    responses["500"] = _error_response("The endpoint failed; the server log says why.")
    operation["responses"] = dict(sorted(responses.items()))
    return operation


# --------------------------------------------------------------------------
# The document
# --------------------------------------------------------------------------


def build_document(
    endpoints,
    *,
    title="Endpoints",
    version="1",
    description=None,
    server_url=None,
    customize=None,
):
    """Return the OpenAPI 3.1 document (a dict) describing ``endpoints``.

    ``endpoints`` are dicts as ``build_operation`` takes them. ``customize``,
    when given, is called as ``customize(endpoint, operation)`` and returns the
    operation to use: it is how the model lets auth types and exec modes
    change what they contribute.
    """
    paths = {}
    schemas = copy.deepcopy(ERROR_SCHEMAS)
    security_schemes = {}
    tags = set()
    taken = set()
    ordered = sorted(endpoints, key=lambda e: (e["route"], e["method"].upper()))
    for endpoint in ordered:
        name = base = operation_name(endpoint["method"], endpoint["route"])
        counter = 2
        while name in taken:
            name = f"{base}_{counter}"
            counter += 1
        taken.add(name)
        operation = build_operation(endpoint, name)
        if customize is not None:
            operation = customize(endpoint, operation)
        path, _parameters = openapi_path(endpoint["route"])
        paths.setdefault(path, {})[endpoint["method"].lower()] = operation
        schemas.update(endpoint_schemas(endpoint, name))
        security_schemes.update(
            copy.deepcopy((endpoint.get("auth") or {}).get("schemes") or {})
        )
        tags.update(operation.get("tags", ()))

    info = {"title": title, "version": str(version)}
    if description:
        info["description"] = description
    document = {"openapi": OPENAPI_VERSION, "info": info}
    if server_url:
        document["servers"] = [{"url": server_url}]
    if tags:
        document["tags"] = [{"name": tag} for tag in sorted(tags)]
    document["paths"] = paths
    components = {"schemas": schemas}
    if security_schemes:
        components["securitySchemes"] = security_schemes
    document["components"] = components
    return document


# --------------------------------------------------------------------------
# Limits
# --------------------------------------------------------------------------

_RATE_HEADERS = {
    "RateLimit-Limit": "The calls allowed in the current period.",
    "RateLimit-Remaining": "The calls left in the current period.",
    "RateLimit-Reset": "The seconds until the current period ends.",
}


def _integer_header(description):
    return {"description": description, "schema": {"type": "integer"}}


def add_limits(operation, limits, time_limit=None):
    """Document what an endpoint's ``limits`` (a ``tools.limits.Limits`` or
    None) and its ``time_limit`` (seconds, None when none) may answer: 403,
    429 and the ``RateLimit-*`` headers on every answer, 503, 504."""
    error = schema_ref("Error")
    retry = {"Retry-After": _integer_header("The seconds to wait before calling.")}
    if limits and (limits.group_ids or limits.networks):
        add_response_schema(
            operation, 403, "The caller's user or address is not allowed.", error
        )
    if limits and limits.max_concurrent:
        add_response_schema(
            operation,
            503,
            f"{limits.max_concurrent} calls are being served already.",
            error,
        )
        operation["responses"]["503"].setdefault("headers", {}).update(retry)
    if time_limit:
        add_response_schema(
            operation,
            504,
            f"The endpoint did not answer within its time limit ({time_limit:g} s).",
            error,
        )
    if limits and limits.rate_count:
        add_response_schema(
            operation,
            429,
            f"More than {limits.rate_count} calls in {limits.rate_period} seconds.",
            error,
        )
        operation["responses"]["429"].setdefault("headers", {}).update(retry)
        rate = {name: _integer_header(text) for name, text in _RATE_HEADERS.items()}
        for response in operation["responses"].values():
            response.setdefault("headers", {}).update(rate)
    operation["responses"] = dict(sorted(operation["responses"].items()))
    return operation
