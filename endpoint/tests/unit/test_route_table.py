"""Plain tests of tools/route_table.py: endpoint routes matched by path,
apart from Odoo's routing map."""

import werkzeug.routing
from endpoint_addon.tools import route_table

HANDLER = {"klass_dotted_path": "x.Y", "method_name": "m"}


def routing(*routes, record=1):
    return {"routes": list(routes), "endpoint_record_id": record}


def table(*rows):
    converters = dict(werkzeug.routing.Map.default_converters)
    result = route_table.RouteTable(converters)
    for key, routes in rows:
        result.add(key, routing(*routes), HANDLER)
    return result


def made(calls):
    def make_endpoint(key, routing, handler):
        calls.append(key)
        return ("endpoint", key, routing["routes"][0])

    return make_endpoint


def test_static_route_matched_with_or_without_trailing_slash():
    routes = table(("e:1", ["/api/a", "/api/a2"]), ("e:2", ["/api/b"]))
    calls = []
    rule, args = routes.match("/api/a", made(calls))
    assert (rule.rule, rule.endpoint, args) == (
        "/api/a",
        ("endpoint", "e:1", "/api/a"),
        {},
    )
    rule, _args = routes.match("/api/a2/", made(calls))
    assert rule.rule == "/api/a2"
    assert routes.match("/api/b", made(calls))[0].endpoint[1] == "e:2"
    # Made once per endpoint, whichever of its routes is called.
    assert calls == ["e:1", "e:2"]


def test_unknown_paths_are_no_match():
    routes = table(("e:1", ["/api/a"]))
    for path in ("/api", "/api/a/b", "/API/A", "", "/", "//api/a"):
        assert routes.match(path, made([])) is None, path


def test_routes_with_placeholders():
    routes = table(("e:1", ["/orders/<int:order_id>"]), ("e:2", ["/orders/new"]))
    rule, args = routes.match("/orders/42", made([]))
    assert (rule.rule, args) == ("/orders/<int:order_id>", {"order_id": 42})
    # A plain route wins over a placeholder, as in werkzeug.
    assert routes.match("/orders/new", made([]))[0].endpoint[1] == "e:2"
    assert routes.match("/orders/x", made([])) is None


def test_unservable_placeholder_left_out():
    routes = route_table.RouteTable(dict(werkzeug.routing.Map.default_converters))
    routes.add(
        "e:1", routing("/a/<int:x>", "/a"), HANDLER, pattern_ok=lambda url: False
    )
    assert routes.patterns is None
    assert routes.match("/a", made([])) is not None
    assert routes.match("/a/1", made([])) is None


def test_key_for_route():
    routes = table(("e:1", ["/a", "/a/<int:x>"]))
    assert routes.key_for_route("/a") == "e:1"
    assert routes.key_for_route("/a/<int:x>") == "e:1"
    assert routes.key_for_route("/b") is None
    assert len(routes) == 1


def test_next_table_reuses_what_did_not_change():
    before = route_table.RouteTable(dict(werkzeug.routing.Map.default_converters))
    before.add("e:1", routing("/a"), HANDLER, digest="d1")
    before.add("e:2", routing("/b"), HANDLER, digest="d2", live=False)
    before.runtimes["e:1"] = "compiled"
    before.match("/a", made([]))
    after = route_table.RouteTable(before.converters)
    after.reuse(before, "e:1")
    after.reuse(before, "e:2")
    # Same entries, endpoint and runtime; the archived one still off the air.
    assert after.entries == before.entries
    assert after.runtimes == {"e:1": "compiled"}
    assert after.endpoints == before.endpoints
    assert after.match("/b", made([])) is None
    assert len(after) == 1
    assert after.digests == {"e:1": "d1", "e:2": "d2"}


def test_next_table_takes_only_the_entries_named():
    before = table(
        ("e:1", ["/a", "/a/<int:n>"]),
        ("e:2", ["/b", "/b/<int:n>"]),
        ("e:3", ["/c/<int:n>"]),
    )
    before.digests.update({"e:1": "d1", "e:2": "d2", "e:3": "d3"})
    before.runtimes.update({"e:1": "one", "e:2": "two"})
    after = route_table.RouteTable(before.converters)
    # e:2 changed (added again from its new text), e:3's pattern can no
    # longer be served.
    after.reuse(before, ["e:1", "e:3"], pattern_ok=lambda url: not url.startswith("/c"))
    after.add("e:2", routing("/b2"), HANDLER, digest="d2b")
    found = {
        path: after.lookup(path) for path in ("/a", "/a/5", "/b", "/b/5", "/b2", "/c/5")
    }
    assert found == {
        "/a": ("e:1", "/a", {}),
        "/a/5": ("e:1", "/a/<int:n>", {"n": 5}),
        "/b": None,
        "/b/5": None,
        "/b2": ("e:2", "/b2", {}),
        "/c/5": None,
    }
    assert after.runtimes == {"e:1": "one"}
    assert after.digests == {"e:1": "d1", "e:3": "d3", "e:2": "d2b"}
