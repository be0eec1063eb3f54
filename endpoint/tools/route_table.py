# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The published endpoint routes, matched apart from Odoo's routing map.

Odoo's routing map holds every controller of every installed module: building
it costs the same whatever the endpoints, and werkzeug compiles each of its
rules (a regex and several objects, kilobytes each). Endpoint routes are
mostly plain paths; kept here, a path is a dictionary key, a sync rebuilds
only this table, and a worker holds per endpoint only what routing needs
(the route's routing, without the snippet, schemas and other values a
request runs, which are read once when the endpoint is first called).
"""

import werkzeug.exceptions
import werkzeug.routing


class MatchedRoute:
    """What Odoo's request path reads of a matched werkzeug rule."""

    __slots__ = ("endpoint", "rule")

    def __init__(self, rule, endpoint):
        self.rule = rule
        self.endpoint = endpoint


class RouteTable:
    """Endpoint routes by path, plus a small werkzeug map for routes with
    placeholders (``/orders/<int:order_id>``).

    ``entries`` maps a registry key to ``(routing, handler)``: the routing
    Odoo dispatches with and the route handler's handler options (or None,
    for ``make_endpoint`` to read them). Endpoint
    objects (the controller method bound to the route) are made on the first
    match of each route, by ``make_endpoint(key, routing, handler)``.
    ``runtimes`` holds what requests run, per registry key, filled on first
    use by whoever builds them; it lives and dies with the table.
    """

    __slots__ = (
        "archived",
        "converters",
        "digests",
        "endpoints",
        "entries",
        "patterns",
        "runtimes",
        "static",
    )

    def __init__(self, converters):
        self.entries = {}
        self.static = {}
        self.patterns = None
        self.converters = converters
        self.endpoints = {}
        self.runtimes = {}
        # What each entry was built from (a digest of its published text),
        # to build the next table from this one.
        self.digests = {}
        self.archived = set()

    def add(self, key, routing, handler, pattern_ok=None, digest=None, live=True):
        """Add the routes of one published endpoint; ``pattern_ok(url)`` tells
        whether a route with placeholders can be served (else it is left
        out, as one werkzeug cannot build would fail every route). An entry
        that is not ``live`` (an archived endpoint) is kept, off the air."""
        self.entries[key] = (routing, handler)
        if digest is not None:
            self.digests[key] = digest
        if not live:
            self.archived.add(key)
            return
        for url in routing.get("routes") or ():
            if "<" not in url:
                self.static[url] = key
                continue
            if pattern_ok is not None and not pattern_ok(url):
                continue
            self._add_pattern(url, key)

    def _add_pattern(self, url, key):
        if self.patterns is None:
            self.patterns = werkzeug.routing.Map(
                strict_slashes=False, converters=self.converters
            )
        self.patterns.add(werkzeug.routing.Rule(url, endpoint=key, merge_slashes=False))

    def reuse(self, previous, keys, pattern_ok=None):
        """Add the entries ``keys`` (one key, or several) of the ``previous``
        table, unchanged since, with what they built on the way (their
        endpoints and runtimes): in bulk, their plain routes not read again,
        as a sync of one endpoint among thousands rebuilds the table."""
        keep = {keys} if isinstance(keys, str) else set(keys)
        self.entries.update((key, previous.entries[key]) for key in keep)
        self.digests.update(
            (key, digest) for key, digest in previous.digests.items() if key in keep
        )
        self.archived |= previous.archived & keep
        self.static.update(
            (url, key) for url, key in previous.static.items() if key in keep
        )
        for mine, theirs in (
            (self.endpoints, previous.endpoints),
            (self.runtimes, previous.runtimes),
        ):
            mine.update((key, value) for key, value in theirs.items() if key in keep)
        if previous.patterns is not None:
            for rule in previous.patterns.iter_rules():
                if rule.endpoint in keep and (
                    pattern_ok is None or pattern_ok(rule.rule)
                ):
                    self._add_pattern(rule.rule, rule.endpoint)

    def __len__(self):
        return len(self.entries) - len(self.archived)

    def lookup(self, path, environ=None):
        """``(key, url, args)`` of the route serving ``path``, or None.

        As in Odoo's routing map, a trailing slash makes no difference.
        """
        bare = path
        if len(path) > 1 and path.endswith("/"):
            bare = path.rstrip("/") or "/"
        key = self.static.get(bare)
        if key is not None:
            return key, bare, {}
        if self.patterns is None:
            return None
        adapter = (
            self.patterns.bind_to_environ(environ)
            if environ is not None
            else self.patterns.bind("localhost")
        )
        try:
            rule, args = adapter.match(path_info=path, return_rule=True)
        except (werkzeug.exceptions.NotFound, werkzeug.routing.RequestRedirect):
            return None
        return rule.endpoint, rule.rule, args

    def match(self, path, make_endpoint, environ=None):
        """``(MatchedRoute, args)`` for ``path``, or None when no endpoint
        route serves it."""
        found = self.lookup(path, environ)
        if found is None:
            return None
        key, url, args = found
        endpoint = self.endpoints.get(key)
        if endpoint is None:
            routing, handler = self.entries[key]
            endpoint = self.endpoints[key] = make_endpoint(key, routing, handler)
        return MatchedRoute(url, endpoint), args

    def key_for_route(self, route):
        """The registry key whose routes include ``route`` (as written)."""
        key = self.static.get(route)
        if key is not None or self.patterns is None:
            return key
        for rule in self.patterns.iter_rules():
            if rule.rule == route:
                return rule.endpoint
        return None
