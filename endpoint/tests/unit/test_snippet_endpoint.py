"""Plain tests of tools/snippet_endpoint.py: what a snippet sees of its
endpoint, and nothing more."""

import pytest
from endpoint_addon.tools.snippet_endpoint import SnippetEndpoint


def _endpoint(reads=None):
    values = {"name": "Orders", "route": "/api/orders"}

    def read(field):
        if reads is not None:
            reads.append(field)
        return values[field]

    return SnippetEndpoint(7, read, env="the snippet's env")


def test_exposes_id_name_route_and_env():
    endpoint = _endpoint()
    assert (endpoint.id, endpoint.name, endpoint.route) == (7, "Orders", "/api/orders")
    assert endpoint.env == "the snippet's env"
    assert repr(endpoint) == "<endpoint 7>"
    public = {name for name in dir(endpoint) if not name.startswith("_")}
    assert public == {"id", "name", "route", "env"}


def test_fields_are_read_only_when_asked():
    reads = []
    endpoint = _endpoint(reads)
    assert reads == []
    assert endpoint.route == "/api/orders"
    assert reads == ["route"]


@pytest.mark.parametrize("name", ["_logger", "sudo", "write", "_read", "record"])
def test_nothing_else_is_reachable(name):
    with pytest.raises(AttributeError):
        getattr(_endpoint(), name)


def test_nothing_can_be_changed():
    endpoint = _endpoint()
    for name, value in (("name", "x"), ("env", None), ("extra", 1)):
        with pytest.raises(AttributeError):
            setattr(endpoint, name, value)
    # Its state only has names the sandbox refuses (a double underscore).
    assert all("__" in name for name in SnippetEndpoint.__slots__)
