# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Route patterns with typed placeholders: ``/api/orders/<int:order_id>``.

Nothing here touches Odoo: the model passes the routing map's converters
(``ir.http._get_converters()``) and gets back either a checked pattern or an
error saying which part is wrong, so that a pattern werkzeug cannot compile
never reaches the routing map, where it would break every route.

Two patterns overlap when one URL matches both. ``overlap`` finds such a URL
by trying, on each pattern, sample values built from both patterns' own
parts; it answers for the patterns people write (fixed segments and one
placeholder per segment).
"""

import dataclasses
import functools
import itertools
import re

import werkzeug.exceptions
import werkzeug.routing
from werkzeug.routing.converters import NumberConverter, ValidationError
from werkzeug.routing.rules import parse_converter_args

# werkzeug's own syntax of a placeholder: <converter(arguments):name>.
PLACEHOLDER = re.compile(
    r"<(?:(?P<converter>[^:<>()]*)(?:\((?P<arguments>[^<>]*?)\))?:)?"
    r"(?P<name>[^<>]*)>"
)
IDENTIFIER = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*\Z")
# Characters a route never holds: they would be encoded by any client.
FORBIDDEN = re.compile(r"[\s\x00-\x1f\x7f?#%\\]")
# Converters whose argument names an Odoo model.
MODEL_CONVERTERS = frozenset({"model", "models"})
# Sample values tried for each converter when looking for overlaps.
SAMPLES = {
    "int": ("0", "1", "-1"),
    "float": ("1.5",),
    "uuid": ("00000000-0000-0000-0000-000000000000",),
    "model": ("1",),
    "models": ("1", "1,2"),
    "path": ("x", "x/y"),
}
DEFAULT_SAMPLE = ("x",)
# Enough sample URLs to cover the patterns people write, few enough to keep
# a save instant.
MAX_SAMPLES = 512


class RoutePatternError(ValueError):
    """A route pattern that cannot be served; the message says which part."""


@dataclasses.dataclass(frozen=True)
class Placeholder:
    name: str
    converter: str  # "default" when the placeholder names none
    args: tuple
    kwargs: dict

    @property
    def model(self):
        """The model a ``model``/``models`` placeholder reads, else None."""
        if self.converter in MODEL_CONVERTERS and self.args:
            return str(self.args[0])
        return None


@dataclasses.dataclass(frozen=True)
class RoutePattern:
    pattern: str
    placeholders: tuple  # of Placeholder, in order
    segments: tuple  # the text between slashes, placeholders included

    @property
    def names(self):
        return tuple(p.name for p in self.placeholders)


class _MatchOnly(werkzeug.routing.BaseConverter):
    """Match what the converter's regex matches; convert nothing.

    Odoo's model converters need a registry and a request to be built;
    matching a URL needs neither.
    """

    def __init__(self, url_map, *args, **kwargs):
        super().__init__(url_map)


def matching_converters(converters):
    """Converters usable without Odoo: the routing map's ``converters`` (a
    dict name -> class) with those reading a model replaced by match-only
    ones of the same regex, on top of werkzeug's."""
    result = dict(werkzeug.routing.Map.default_converters)
    for name, klass in converters.items():
        if name in MODEL_CONVERTERS:
            klass = type(
                f"MatchOnly{name.title()}",
                (_MatchOnly,),
                {"regex": getattr(klass, "regex", "[^/]+")},
            )
        result[name] = klass
    return result


def clean_lines(text):
    """The non-blank lines of ``text``, stripped (a list of routes...)."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def has_placeholder(route):
    return "<" in (route or "")


def _placeholders(pattern, known):
    found = []
    for match in PLACEHOLDER.finditer(pattern):
        text = match.group(0)
        name = match["name"].strip()
        converter = (match["converter"] or "default").strip()
        if not IDENTIFIER.match(name):
            raise RoutePatternError(
                f"{text}: {name!r} is not a valid parameter name "
                "(letters, digits and _, not starting with a digit)."
            )
        if not IDENTIFIER.match(converter):
            raise RoutePatternError(f"{text}: {converter!r} is not a converter name.")
        if converter not in known:
            raise RoutePatternError(
                f"{text}: unknown converter {converter!r}; use one of "
                f"{', '.join(sorted(known))}."
            )
        args, kwargs = (), {}
        if match["arguments"] is not None:
            try:
                args, kwargs = parse_converter_args(match["arguments"])
            except ValueError as exc:
                raise RoutePatternError(
                    f"{text}: the converter's arguments cannot be read."
                ) from exc
        if converter in MODEL_CONVERTERS and not (args and isinstance(args[0], str)):
            raise RoutePatternError(
                f'{text}: name the model, as in <{converter}("res.partner"):{name}>.'
            )
        if name in (p.name for p in found):
            raise RoutePatternError(f"{text}: the name {name!r} is used twice.")
        found.append(Placeholder(name, converter, tuple(args), dict(kwargs)))
    return tuple(found)


def _converters_key(converters):
    return tuple(sorted(converters.items(), key=lambda item: item[0]))


# Compiling a pattern with placeholders, and a matcher, costs about a
# millisecond each (werkzeug generates code): saving endpoints one by one (XML
# data) would spend that on the same routes each time. Both are kept, per
# converters; a plain route costs nothing to compile and is not kept.
CACHE_SIZE = 1024


def compile_pattern(pattern, converters):
    """Check ``pattern`` against the routing map's ``converters`` (a dict
    name -> class) and return its ``RoutePattern`` (see ``_compile_pattern``)."""
    if not pattern or "<" not in pattern:
        return _compile_pattern(pattern, converters)
    return _compile_cached(pattern, _converters_key(converters))


@functools.lru_cache(maxsize=CACHE_SIZE)
def _compile_cached(pattern, converters_key):
    return _compile_pattern(pattern, dict(converters_key))


def _compile_pattern(pattern, converters):
    """Check ``pattern`` against the routing map's ``converters`` (a dict
    name -> class) and return its ``RoutePattern``.

    Raises ``RoutePatternError`` naming the part that is wrong: a character a
    route cannot hold, an unbalanced ``<``/``>``, an unknown converter, bad
    converter arguments, a pattern whose first segment is a placeholder (it
    would catch URLs of the whole server), or any other reason werkzeug
    refuses it.
    """
    if not pattern or not pattern.startswith("/"):
        raise RoutePatternError(f"{pattern!r}: a route starts with /.")
    stripped = PLACEHOLDER.sub("", pattern)
    bad = FORBIDDEN.search(stripped)
    if bad:
        raise RoutePatternError(
            f"{pattern}: the character {bad.group(0)!r} cannot be part of a route."
        )
    if "<" in stripped or ">" in stripped:
        raise RoutePatternError(
            f"{pattern}: unbalanced < or >; a parameter is written <converter:name>."
        )
    matchers = matching_converters(converters)
    placeholders = _placeholders(pattern, matchers)
    segments = tuple(_split_segments(pattern))
    if segments and has_placeholder(segments[0]):
        raise RoutePatternError(
            f"{pattern}: the first segment must be fixed text, "
            "or the route would catch URLs of the whole server."
        )
    # A plain path holds nothing werkzeug could refuse once the characters
    # above are checked: compiling a rule (about a millisecond) is for
    # placeholders only.
    if placeholders:
        try:
            werkzeug.routing.Map([_rule(pattern)], converters=matchers)
        except Exception as exc:  # any refusal of werkzeug's
            raise RoutePatternError(f"{pattern}: {exc}") from exc
    return RoutePattern(pattern, placeholders, segments)


def _split_segments(pattern):
    """Split on the slashes outside placeholders (an argument may hold one)."""
    out, depth, current = [], 0, ""
    for char in pattern[1:]:
        if char == "<":
            depth += 1
        elif char == ">":
            depth -= 1
        if char == "/" and not depth:
            out.append(current)
            current = ""
        else:
            current += char
    out.append(current)
    return out


def _rule(pattern):
    rule = werkzeug.routing.Rule(pattern)
    rule.merge_slashes = False
    return rule


def models_named(pattern):
    """The models the ``model``/``models`` placeholders of ``pattern`` name
    (whatever else is wrong with it)."""
    found = []
    for match in PLACEHOLDER.finditer(pattern):
        if (match["converter"] or "").strip() not in MODEL_CONVERTERS:
            continue
        try:
            args, _kwargs = parse_converter_args(match["arguments"] or "")
        except ValueError:
            continue
        if args:
            found.append(str(args[0]))
    return found


def compiles(pattern, converters):
    """Tell whether werkzeug builds a rule of ``pattern`` with these
    converter classes (used as they are: in a request, as the routing map
    would)."""
    try:
        werkzeug.routing.Map(
            [_rule(pattern)],
            converters={**werkzeug.routing.Map.default_converters, **converters},
        )
    except Exception:  # noqa: BLE001 # any refusal of werkzeug's
        return False
    return True


# --------------------------------------------------------------------------
# Overlaps
# --------------------------------------------------------------------------


def _own_samples(placeholder):
    if placeholder.converter == "any":
        return tuple(str(a) for a in placeholder.args)
    return SAMPLES.get(placeholder.converter, DEFAULT_SAMPLE)


def _borrowed_samples(other):
    """Values taken from the other pattern: its fixed segments, its tails
    (for a ``path`` placeholder) and its own samples."""
    values = set()
    segments = other.segments
    for index, segment in enumerate(segments):
        if not has_placeholder(segment):
            values.add(segment)
            values.add("/".join(segments[index:]))
    for placeholder in other.placeholders:
        values.update(_own_samples(placeholder))
    return values


def sample_urls(route_pattern, other=None):
    """URLs matching ``route_pattern``'s text, its placeholders replaced by
    sample values (and values borrowed from ``other``)."""
    borrowed = _borrowed_samples(other) if other else set()
    choices = [
        sorted(set(_own_samples(p)) | borrowed) for p in route_pattern.placeholders
    ]
    for values in itertools.islice(itertools.product(*choices), MAX_SAMPLES):
        values = iter(values)
        yield PLACEHOLDER.sub(lambda _m, v=values: next(v), route_pattern.pattern)


def _matcher(route_pattern, converters):
    return _matcher_cached(route_pattern.pattern, _converters_key(converters))


@functools.lru_cache(maxsize=CACHE_SIZE)
def _matcher_cached(pattern, converters_key):
    routing_map = werkzeug.routing.Map(
        [_rule(pattern)],
        converters=matching_converters(dict(converters_key)),
        strict_slashes=False,
        # As the endpoints' route table serves them: "//" is not "/".
        merge_slashes=False,
    )
    return routing_map.bind("localhost")


def _matches(adapter, url):
    try:
        adapter.match(url, method="GET")
    except werkzeug.routing.RequestRedirect:
        return True
    except werkzeug.exceptions.HTTPException:
        return False
    return True


def overlap(first, second, converters):
    """Return a URL both patterns (``RoutePattern``) match, or None."""
    if first.pattern == second.pattern:
        return first.pattern
    for this, that in ((first, second), (second, first)):
        adapter = _matcher(that, converters)
        # A pattern's own matcher refuses a sample its converter would not
        # produce (a borrowed "abc" for an int).
        own = _matcher(this, converters)
        for url in sample_urls(this, that):
            if _matches(adapter, url) and _matches(own, url):
                return url
    return None


def fixed_prefix(route):
    """The text of ``route`` before its first placeholder: every URL the
    route matches starts with it."""
    match = PLACEHOLDER.search(route)
    return route[: match.start()] if match else route


def _bare(route):
    return route.rstrip("/") or "/"


class RouteIndex:
    """Routes of many endpoints, to find those overlapping a new one without
    comparing it with each of them: plain routes overlap only when equal,
    and routes whose first segments (fixed text) differ never meet."""

    def __init__(self, converters):
        self.converters = converters
        self.plain = {}  # route -> [(owner, record, route)]
        self.by_first = {}  # first segment -> [(owner, record, route)]
        self.patterns = {}  # first segment -> [(owner, record, RoutePattern)]
        self.matchers = {}  # pattern -> its werkzeug matcher

    def add(self, owner, route, record=None):
        """Index ``route`` of ``owner`` (any hashable; ``record`` is handed
        back when the route overlaps)."""
        first = route.split("/")[1:2]
        first = first[0] if first else ""
        if not PLACEHOLDER.search(route):
            self.plain.setdefault(_bare(route), []).append((owner, record, route))
            self.by_first.setdefault(first, []).append((owner, record, route))
            return
        try:
            pattern = compile_pattern(route, self.converters)
        except RoutePatternError:
            return  # refused when its record is saved
        self.patterns.setdefault(first, []).append((owner, record, pattern))

    def overlapping(self, pattern, exclude=None):
        """``(record, route, url)`` of an indexed route (not of ``exclude``)
        matching a URL that ``pattern`` matches too, or None."""
        first = pattern.segments[0] if pattern.segments else ""
        if not pattern.placeholders:
            # As werkzeug matches them, a trailing slash makes no difference.
            for owner, record, route in self.plain.get(_bare(pattern.pattern), ()):
                if owner != exclude:
                    return record, route, pattern.pattern
        else:
            own = _matcher(pattern, self.converters)
            for owner, record, route in self.by_first.get(first, ()):
                if owner != exclude and _matches(own, route):
                    return record, route, route
        for owner, record, other in self.patterns.get(first, ()):
            if owner == exclude:
                continue
            if not pattern.placeholders:
                # A plain path meets a pattern only if the pattern matches it.
                matcher = self.matchers.get(other.pattern)
                if matcher is None:
                    matcher = self.matchers[other.pattern] = _matcher(
                        other, self.converters
                    )
                if _matches(matcher, pattern.pattern):
                    return record, other.pattern, pattern.pattern
                continue
            url = overlap(pattern, other, self.converters)
            if url is not None:
                return record, other.pattern, url
        return None


# --------------------------------------------------------------------------
# Path values
# --------------------------------------------------------------------------

REPLACEMENT_CHARACTER = "\ufffd"
# Longer path values are refused: no resource is named by more.
MAX_PATH_VALUE = 4096


def path_value_problem(value):
    """Why a converted path value is refused, or None.

    ``..`` and ``.`` segments (from ``<path:...>``, ``%2e%2e`` and ``%2f``
    included, as they arrive decoded), control characters, bytes that were
    not UTF-8 (decoded as U+FFFD) and values longer than ``MAX_PATH_VALUE``
    never reach a snippet.
    """
    if not isinstance(value, str):
        return None
    if len(value) > MAX_PATH_VALUE:
        return (
            "string_too_long",
            f"The value has more than {MAX_PATH_VALUE} characters.",
        )
    if REPLACEMENT_CHARACTER in value:
        return "utf8_invalid", "The path is not valid UTF-8."
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        return "path_invalid", "The path holds control characters."
    if any(part in (".", "..") for part in value.replace("\\", "/").split("/")):
        return "path_traversal", "The path may not hold . or .. segments."
    return None


# --------------------------------------------------------------------------
# Converters that never fail with a 500
# --------------------------------------------------------------------------


@functools.cache
def strict_converter(klass):
    """``klass`` with a ``to_python`` that refuses, as a non-matching value
    (a 404), what it would fail on: a ``ValueError`` or ``OverflowError``
    (``int()`` of more than 4300 digits), and for number converters, digits
    that are not ASCII (``\\d`` matches Arabic or full-width digits, and
    ``int()`` reads them)."""
    if getattr(klass, "_endpoint_strict", False):
        return klass
    number = issubclass(klass, NumberConverter)
    parent_to_python = klass.to_python

    def to_python(self, value):
        if number and not value.isascii():
            raise ValidationError()
        try:
            return parent_to_python(self, value)
        except (ValueError, OverflowError) as exc:
            raise ValidationError() from exc

    return type(
        klass.__name__,
        (klass,),
        {
            "to_python": to_python,
            "_endpoint_strict": True,
            "__module__": klass.__module__,
        },
    )
