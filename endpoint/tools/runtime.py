# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What serving a request needs, compiled from an endpoint's published values.

A sync publishes an endpoint's values with its route's handler options (the
``endpoint_runtime`` member; its routing holds the member too, empty, to mark
an endpoint's route); ``build_runtime`` compiles them once (schema and
snippet) into an ``EndpointRuntime`` that every request reuses until the
next sync. ``RequestState`` is what the addon remembers about the
request being served, in one place.
"""

import dataclasses
import re
from types import CodeType
from typing import Any

from werkzeug.local import LocalProxy

from . import body
from . import limits as limits_tools
from . import params as params_tools

# The routing members a sync publishes, besides Odoo's own.
ROUTING_RUNTIME = "endpoint_runtime"
ROUTING_MODEL = "endpoint_model"
ROUTING_RECORD = "endpoint_record_id"
ROUTING_METHODS = "endpoint_methods"
# Set on the rule of an archived endpoint: kept as last published, off the air.
ROUTING_ARCHIVED = "endpoint_archived"


# The methods whose requests carry a body, checked by content type and schema.
BODY_METHODS = ("POST", "PUT", "PATCH")


def request_methods(request_method, extra_methods=None):
    """The methods an endpoint answers, as configured: its ``request_method``
    first, then ``extra_methods`` (a list, or text separated by commas,
    spaces or lines), upper-case, each once."""
    if isinstance(extra_methods, str):
        extra_methods = re.split(r"[\s,]+", extra_methods)
    methods = []
    for method in (request_method, *(extra_methods or ())):
        method = (method or "").strip().upper()
        if method and method not in methods:
            methods.append(method)
    return methods


def allowed_methods(methods):
    """The HTTP methods an endpoint answers: HEAD goes with GET.

    ``methods`` is a list of methods, or one method (a string)."""
    if isinstance(methods, str):
        methods = [methods]
    allowed = list(methods)
    if "GET" in allowed and "HEAD" not in allowed:
        allowed.insert(allowed.index("GET") + 1, "HEAD")
    return allowed


def carries_body(method):
    return method in BODY_METHODS


def schema_applicable(request_method, content_type):
    """Tell whether requests of this method (or any of these methods) and
    content type get a schema."""
    methods = [request_method] if isinstance(request_method, str) else request_method
    return bool(
        any(carries_body(m) for m in methods or ()) and body.schema_kind(content_type)
    )


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
    # All the methods answered, request_method first; HEAD not included.
    request_methods: tuple = ()
    params: Any = None  # a compiled tools.params schema, or None
    # Access rules, rate limit, concurrency cap: a tools.limits.Limits, or
    # None when the endpoint has none (and pays nothing for them).
    limits: Any = None
    time_limit: float = 0  # seconds; 0: the default for all endpoints

    def checks_content_type(self, method):
        """Tell whether a request of ``method`` must have the content type:
        when its method carries a body, or when none of the endpoint's does
        (then its content type applies to all, as with a single method)."""
        return carries_body(method) or not any(
            carries_body(m) for m in self.request_methods
        )


def build_runtime(record_id, values, compile_code):
    """Compile the published ``values`` of endpoint ``record_id``.

    ``values`` holds ``exec_mode``, ``request_method``,
    ``request_content_type``, ``request_content_schema``, ``code_snippet``,
    ``exec_as_user_id``, and optionally ``request_max_body_size``,
    ``extra_methods``, ``request_params_schema``, ``log_calls``,
    ``log_keep`` and the limits (see ``tools.limits.build_limits``,
    ``time_limit``); ``compile_code`` compiles the snippet of the ``code`` exec
    mode (the addon passes ``tools.snippet.compile_snippet``, which needs
    Odoo). Raises ``SchemaError`` or the compiler's error when they cannot be
    compiled (a record's constraints refuse such values).
    """
    methods = request_methods(values["request_method"], values.get("extra_methods"))
    schema = None
    if schema_applicable(methods, values["request_content_type"]):
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
        request_methods=tuple(methods),
        params=params_tools.compile_params_schema(values.get("request_params_schema")),
        limits=limits_tools.build_limits(values),
        time_limit=values.get("time_limit") or 0,
    )


@dataclasses.dataclass
class RequestState:
    """What the addon knows about the HTTP request it serves.

    Set when Odoo matches the request to a route, and read along the request
    path instead of looking the same things up again:

    - ``routing``: the matched rule's routing when it is an endpoint's route;
    - ``runtime``: the compiled runtime of the endpoint being served;
    - ``json_body``: the JSON body as validated, handed to the first
      ``request.get_json_data()`` so that the snippet does not parse it again;
    - ``path_args``: the values of the route's placeholders, as converted;
    - ``params``: what the snippet reads as ``params``.
    """

    routing: dict | None = None
    runtime: EndpointRuntime | None = None
    json_body: list = dataclasses.field(default_factory=list)
    path_args: dict | None = None
    params: dict | None = None

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
    if isinstance(request, LocalProxy):
        # Odoo's request proxy, read many times per request: the request
        # behind it looked up once, not once for each attribute.
        try:
            request = request._get_current_object()
        except RuntimeError:  # outside a request
            return None
    if not request:  # None
        return None
    state = getattr(request, STATE_ATTRIBUTE, None)
    # A mocked request (downstream modules' tests) answers any attribute.
    if not isinstance(state, RequestState):
        if not create:
            return None
        state = RequestState()
        setattr(request, STATE_ATTRIBUTE, state)
    return state
