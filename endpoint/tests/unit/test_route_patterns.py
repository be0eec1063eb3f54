"""Plain tests of tools/route_patterns.py: checking patterns, finding
overlaps, refusing unsafe path values, converters that never fail."""

import pytest
import werkzeug.routing
from endpoint_addon.tools import route_patterns as rp

CONVERTERS = {"int": werkzeug.routing.IntegerConverter}


def compiled(pattern):
    return rp.compile_pattern(pattern, CONVERTERS)


@pytest.mark.parametrize(
    ("pattern", "fragment"),
    [
        ("api/x", "starts with /"),
        ("/api/<bogus:x>", "unknown converter 'bogus'"),
        ("/api/<int:x", "unbalanced"),
        ("/api/<int:x>>", "unbalanced"),
        ("/api/<int:9>", "not a valid parameter name"),
        ("/api/<int:a>/<string:a>", "used twice"),
        ("/api/<int(foo=1):a>", "foo"),
        ("/<path:any>", "first segment must be fixed text"),
        ("/api/a?b", "'?' cannot be part of a route"),
        ("/api/a%20b", "'%' cannot be part of a route"),
    ],
)
def test_bad_patterns_name_the_part(pattern, fragment):
    with pytest.raises(rp.RoutePatternError) as caught:
        compiled(pattern)
    assert fragment in str(caught.value)


def test_placeholders_read():
    pattern = compiled("/api/<int:a>/<b>/<any(x, y):c>/<path:d>")
    assert pattern.names == ("a", "b", "c", "d")
    assert [p.converter for p in pattern.placeholders] == [
        "int",
        "default",
        "any",
        "path",
    ]
    assert pattern.placeholders[2].args == ("x", "y")


def test_model_placeholder_names_its_model():
    converters = {**CONVERTERS, "model": werkzeug.routing.BaseConverter}
    pattern = rp.compile_pattern('/api/<model("res.partner"):p>', converters)
    assert pattern.placeholders[0].model == "res.partner"
    with pytest.raises(rp.RoutePatternError, match="name the model"):
        rp.compile_pattern("/api/<model:p>", converters)


@pytest.mark.parametrize(
    ("first", "second", "url"),
    [
        ("/a/<int:n>", "/a/5", "/a/5"),
        ("/a/<int:n>", "/a/<string:s>", "/a/0"),
        ("/a/<string:s>/b", "/a/<int:n>/<string:t>", "/a/0/b"),
        ("/f/<path:p>", "/f/a/b/c", "/f/a/b/c"),
        ("/a/<any(x, y):k>", "/a/y", "/a/y"),
        ("/a/b", "/a/b", "/a/b"),
    ],
)
def test_overlaps_found(first, second, url):
    assert rp.overlap(compiled(first), compiled(second), CONVERTERS) == url


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("/a/<int:n>", "/a/x"),
        ("/a/<int:n>", "/a/<float:f>"),
        ("/a/<any(x, y):k>", "/a/z"),
        ("/a/<int:n>", "/a/<int:n>/b"),
        ("/a/<string:s>", "/a/b/c"),
    ],
)
def test_no_overlap(first, second):
    assert rp.overlap(compiled(first), compiled(second), CONVERTERS) is None


@pytest.mark.parametrize(
    "value",
    ["..", "../etc", "a/../b", "a/./b", "a\\..\\b", "\ufffd", "a\x00b", "a\nb"],
)
def test_unsafe_path_values(value):
    assert rp.path_value_problem(value) is not None


@pytest.mark.parametrize("value", ["a", "a/b..c/d.txt", "\u2024\u2024", 5, None])
def test_safe_path_values(value):
    assert rp.path_value_problem(value) is None


def test_strict_converter_refuses_what_it_cannot_convert():
    strict = rp.strict_converter(werkzeug.routing.IntegerConverter)
    assert rp.strict_converter(strict) is strict
    assert rp.strict_converter(werkzeug.routing.IntegerConverter) is strict
    adapter = werkzeug.routing.Map(
        [werkzeug.routing.Rule("/a/<int:n>")], converters={"int": strict}
    ).bind("localhost")
    assert adapter.match("/a/12") == (None, {"n": 12})
    for path in ("/a/" + "9" * 5000, "/a/\u0661\u0662", "/a/\uff11"):
        with pytest.raises(werkzeug.exceptions.NotFound):
            adapter.match(path)


def test_models_named():
    assert rp.models_named('/a/<model("res.partner"):p>/<int:n>/<models(x.y):q>') == [
        "res.partner",
        "x.y",
    ]
    assert rp.models_named("/a/<int:n>") == []


def test_compiles():
    assert rp.compiles("/a/<int:n>", CONVERTERS)
    assert not rp.compiles("/a/<nope:n>", CONVERTERS)
    assert not rp.compiles("/a/<int:n", CONVERTERS)


def test_sample_urls_fill_every_placeholder():
    urls = list(rp.sample_urls(compiled("/a/<int:n>/<uuid:u>")))
    assert "/a/1/00000000-0000-0000-0000-000000000000" in urls
    assert all("<" not in url for url in urls)


def index_of(*routes):
    index = rp.RouteIndex(CONVERTERS)
    for owner, route in enumerate(routes):
        index.add(owner, route, record=f"record {owner}")
    return index


@pytest.mark.parametrize(
    ("route", "found"),
    [
        ("/api/a", ("record 0", "/api/a", "/api/a")),
        ("/api/a/", ("record 0", "/api/a", "/api/a/")),
        ("/api/7", ("record 1", "/api/<int:x>", "/api/7")),
        ("/api/<int:y>", ("record 1", "/api/<int:x>", "/api/0")),
        ("/api/b", None),
        ("/other/a", None),
        ("/api/<int:y>/more", None),
    ],
)
def test_index_finds_the_overlapping_route(route, found):
    index = index_of("/api/a", "/api/<int:x>")
    assert index.overlapping(compiled(route)) == found


def test_index_excludes_the_record_itself():
    index = index_of("/api/a", "/api/<int:x>")
    assert index.overlapping(compiled("/api/a"), exclude=0) is None
    assert index.overlapping(compiled("/api/<int:z>"), exclude=1) is None


def test_index_plain_routes_need_no_werkzeug_rule():
    # Thousands of plain routes are a dictionary, not compiled rules.
    index = index_of(*(f"/api/e{i}" for i in range(5000)))
    assert not index.patterns
    assert index.overlapping(compiled("/api/e4999"))[0] == "record 4999"
    assert index.overlapping(compiled("/api/e5000")) is None
