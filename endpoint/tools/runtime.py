# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What serving a request needs, compiled from an endpoint's published values.

A sync publishes an endpoint's values in its route's routing (the
``endpoint_runtime`` member); ``build_runtime`` compiles them once (schema and
snippet) into an ``EndpointRuntime`` that every request of that version of
the routes reuses. ``RequestState`` is what the addon remembers about the
request being served, in one place.
"""

import dataclasses
from types import CodeType
from typing import Any

from . import body

# The routing members a sync publishes, besides Odoo's own.
ROUTING_RUNTIME = "endpoint_runtime"
ROUTING_MODEL = "endpoint_model"
ROUTING_RECORD = "endpoint_record_id"
ROUTING_METHODS = "endpoint_methods"
# Set on the rule of an archived endpoint: kept as last published, off the air.
ROUTING_ARCHIVED = "endpoint_archived"


def allowed_methods(request_method):
    """The HTTP methods an endpoint answers: HEAD goes with GET."""
    return [request_method, "HEAD"] if request_method == "GET" else [request_method]


def schema_applicable(request_method, content_type):
    """Tell whether requests of this method and content type get a schema."""
    return bool(request_method in ("POST", "PUT") and body.schema_kind(content_type))


@dataclasses.dataclass(frozen=True)
class EndpointRuntime:
    """What serving a request needs, compiled once per endpoint version."""

    id: int
    exec_mode: str
    request_method: str
    media_type: str
    schema: Any  # a compiled tools.body schema, or None
    code: CodeType | None
    exec_as_user_id: int | None
    max_body_size: int = 0  # 0: the system parameter's limit
    # Which calls get a log entry: None (logging off), "all" or "errors".
    log: str | None = None


def build_runtime(record_id, values, compile_code):
    """Compile the published ``values`` of endpoint ``record_id``.

    ``values`` holds ``exec_mode``, ``request_method``,
    ``request_content_type``, ``request_content_schema``, ``code_snippet``,
    ``exec_as_user_id``, ``request_max_body_size`` and, when calls are
    logged, ``log_calls`` and ``log_keep``; ``compile_code`` compiles the
    snippet of the ``code`` exec mode (the addon passes
    ``tools.snippet.compile_snippet``, which needs Odoo). Raises
    ``SchemaError`` or the compiler's error when they cannot be compiled (a
    record's constraints refuse such values).
    """
    schema = None
    if schema_applicable(values["request_method"], values["request_content_type"]):
        schema = body.compile_schema(
            values["request_content_schema"], values["request_content_type"]
        )
    code = None
    if values["exec_mode"] == "code":
        code = compile_code(values["code_snippet"])
    return EndpointRuntime(
        id=record_id,
        exec_mode=values["exec_mode"],
        request_method=values["request_method"],
        media_type=body.media_type(values["request_content_type"]),
        schema=schema,
        code=code,
        exec_as_user_id=values["exec_as_user_id"],
        # Values published before these fields existed have none of them.
        max_body_size=values.get("request_max_body_size") or 0,
        log=(values.get("log_keep") or "all") if values.get("log_calls") else None,
    )


@dataclasses.dataclass
class RequestState:
    """What the addon knows about the HTTP request it serves.

    Set when Odoo matches the request to a route, and read along the request
    path instead of looking the same things up again:

    - ``version``: the routes' version that picked the routing map;
    - ``routing``: the matched rule's routing when it is an endpoint's route;
    - ``runtime``: the compiled runtime of the endpoint being served;
    - ``json_body``: the JSON body as validated, handed to the first
      ``request.get_json_data()`` so that the snippet does not parse it again.
    """

    version: int | None = None
    routing: dict | None = None
    runtime: EndpointRuntime | None = None
    json_body: list = dataclasses.field(default_factory=list)

    def serves(self, model_name, record_id):
        """Tell whether the matched route serves this endpoint record."""
        routing = self.routing
        return bool(
            routing
            and routing.get(ROUTING_RECORD) == record_id
            and routing.get(ROUTING_MODEL) == model_name
        )

    def record_for_route(self, model_name, route):
        """The id of the record of ``model_name`` the matched route serves
        when it is ``route``, or None."""
        routing = self.routing
        if (
            routing
            and routing.get(ROUTING_MODEL) == model_name
            and route in routing.get("routes", ())
        ):
            return routing.get(ROUTING_RECORD)
        return None

    def published_values(self):
        """The endpoint's values as the matched route publishes them."""
        return self.routing.get(ROUTING_RUNTIME) if self.routing else None

    def hand_over_json(self, request, value):
        """Make the first ``request.get_json_data()`` return ``value``, the
        body as validated; later calls parse the body again, as Odoo does,
        each giving a fresh object."""
        self.json_body[:] = [value]
        parse = request.get_json_data

        def get_json_data():
            return self.json_body.pop() if self.json_body else parse()

        request.get_json_data = get_json_data


# The attribute of Odoo's request holding its ``RequestState``.
STATE_ATTRIBUTE = "endpoint_state"


def request_state(request, create=False):
    """The ``RequestState`` of ``request``: None when it has none, unless
    ``create`` asks for a fresh one."""
    if not request:  # None, or Odoo's request proxy outside a request
        return None
    state = getattr(request, STATE_ATTRIBUTE, None)
    # A mocked request (downstream modules' tests) answers any attribute.
    if not isinstance(state, RequestState):
        if not create:
            return None
        state = RequestState()
        setattr(request, STATE_ATTRIBUTE, state)
    return state
