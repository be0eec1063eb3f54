# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Odoo's own routes, so that an endpoint never silently shadows one."""

import functools

import werkzeug.exceptions
import werkzeug.routing

from odoo import http


class _MatchOnlyConverter(werkzeug.routing.BaseConverter):
    """Match what a converter's regex matches, convert nothing.

    Odoo's model converters need a registry and a request to convert a value;
    telling whether a path matches needs neither.
    """

    def __init__(self, url_map, *args, **kwargs):
        super().__init__(url_map)


@functools.lru_cache(maxsize=8)
def _code_routing_map(modules, converters):
    matchers = {
        name: type(
            f"MatchOnly{name.title()}",
            (_MatchOnlyConverter,),
            {"regex": getattr(converter, "regex", "[^/]+")},
        )
        for name, converter in converters
    }
    routing_map = werkzeug.routing.Map(strict_slashes=False, converters=matchers)
    # The controllers of the modules' code only: endpoint records (and any
    # other route added from the database) are not in there.
    for url, _endpoint in http._generate_routing_rules(
        sorted(modules), nodb_only=False, converters=dict(converters)
    ):
        routing_map.add(werkzeug.routing.Rule(url, merge_slashes=False))
    return routing_map


def odoo_rule_for(path, modules, converters):
    """Return the URL rule of an Odoo controller that serves ``path``, or None.

    ``modules`` are the installed modules, ``converters`` the routing map's
    converters (``ir.http._get_converters()``). Catch-all rules whose first
    segment is a variable (``/<path:page>``) do not count: they would refuse
    every route.
    """
    routing_map = _code_routing_map(
        frozenset(modules), tuple(sorted(converters.items()))
    )
    adapter = routing_map.bind("localhost")
    try:
        rule, _args = adapter.match(path, method="GET", return_rule=True)
    except werkzeug.routing.RequestRedirect:
        return path
    except werkzeug.exceptions.NotFound:
        return None
    if rule.rule.startswith("/<"):
        return None
    return rule.rule
