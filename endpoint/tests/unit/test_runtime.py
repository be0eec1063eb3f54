"""Plain tests of tools/runtime.py: the runtime built from published values,
and the state a request carries."""

import types

import pytest
from endpoint_addon.exceptions import BodyError, SchemaError
from endpoint_addon.tools import runtime

SCHEMA = "type: object\nrequired: [name]\nproperties: {name: {type: string}}"


def values(**overrides):
    published = {
        "exec_mode": "code",
        "request_method": "POST",
        "request_content_type": "application/json; charset=utf-8",
        "request_content_schema": SCHEMA,
        "code_snippet": "result = {}",
        "exec_as_user_id": 7,
    }
    published.update(overrides)
    return published


def compile_code(source):
    """Stands in for the snippet compiler, which needs Odoo."""
    return compile(source, "<test>", "exec")


@pytest.mark.parametrize(
    ("method", "expected"),
    [("GET", ["GET", "HEAD"]), ("POST", ["POST"]), ("DELETE", ["DELETE"])],
)
def test_allowed_methods_head_goes_with_get(method, expected):
    assert runtime.allowed_methods(method) == expected


@pytest.mark.parametrize(
    ("method", "content_type", "expected"),
    [
        ("POST", "application/json", True),
        ("PUT", "application/xml", True),
        ("PUT", "application/ld+json", True),
        ("POST", "text/plain", False),
        ("GET", "application/json", False),
        ("DELETE", False, False),
    ],
)
def test_schema_applicable(method, content_type, expected):
    assert runtime.schema_applicable(method, content_type) is expected


def test_build_runtime_compiles_schema_and_code_once():
    built = runtime.build_runtime(3, values(), compile_code)
    assert built.id == 3
    assert built.exec_mode == "code"
    assert built.media_type == "application/json"
    assert built.exec_as_user_id == 7
    exec(built.code, scope := {})  # noqa: S102
    assert scope["result"] == {}
    assert built.schema.validate(b'{"name": "x"}') == {"name": "x"}
    with pytest.raises(BodyError):
        built.schema.validate(b'{"name": 1}')


def test_build_runtime_ignores_a_schema_that_does_not_apply():
    # A GET (or a text/plain body) takes no schema: whatever is stored is
    # not compiled, so it cannot fail either.
    for overrides in (
        {"request_method": "GET"},
        {"request_content_type": "text/plain"},
    ):
        built = runtime.build_runtime(
            1, values(request_content_schema="{not: [valid", **overrides), compile_code
        )
        assert built.schema is None


def test_build_runtime_refuses_a_broken_schema():
    with pytest.raises(SchemaError):
        runtime.build_runtime(1, values(request_content_schema="[1, 2"), compile_code)


def test_build_runtime_compiles_code_only_for_its_exec_mode():
    def refuse(source):
        raise AssertionError("not compiled for another exec mode")

    built = runtime.build_runtime(1, values(exec_mode="other"), refuse)
    assert built.code is None


ROUTING = {
    "routes": ["/api/x"],
    runtime.ROUTING_MODEL: "endpoint.endpoint",
    runtime.ROUTING_RECORD: 5,
    runtime.ROUTING_RUNTIME: values(),
}


def test_state_knows_the_record_of_the_matched_route():
    state = runtime.RequestState(routing=ROUTING)
    assert state.serves("endpoint.endpoint", 5)
    assert not state.serves("endpoint.endpoint", 6)
    assert not state.serves("other.model", 5)
    assert state.record_for_route("endpoint.endpoint", "/api/x") == 5
    assert state.record_for_route("endpoint.endpoint", "/api/y") is None


def test_state_hands_over_the_validated_json_once():
    request = types.SimpleNamespace(get_json_data=lambda: {"parsed": "again"})
    state = runtime.request_state(request, create=True)
    assert runtime.request_state(request) is state
    state.hand_over_json(request, {"validated": True})
    assert request.get_json_data() == {"validated": True}
    assert request.get_json_data() == {"parsed": "again"}


class _AnswersEverything:
    """Like a mocked request: any attribute exists."""

    def __getattr__(self, name):
        return object()


def test_request_state_ignores_what_is_not_a_state():
    assert runtime.request_state(None) is None
    mocked = _AnswersEverything()
    assert runtime.request_state(mocked) is None
    assert isinstance(runtime.request_state(mocked, create=True), runtime.RequestState)


@pytest.mark.parametrize(
    ("published", "expected"),
    [
        ({}, None),  # published before calls could be logged
        ({"log_calls": False, "log_keep": "all"}, None),
        ({"log_calls": True, "log_keep": "all"}, "all"),
        ({"log_calls": True, "log_keep": "errors"}, "errors"),
        ({"log_calls": True}, "all"),
    ],
)
def test_runtime_says_which_calls_are_logged(published, expected):
    built = runtime.build_runtime(1, values(**published), compile_code)
    assert built.log == expected
