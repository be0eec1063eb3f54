# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Test helpers for endpoints: this addon's tests and downstream modules' use them.

Public, documented in the usage docs (readme/USAGE.md, "Shipping endpoints in
a module"):

- ``EndpointTestMixin``: mix into a ``TransactionCase`` or an ``HttpCase``.
  ``publish_endpoints(records)`` publishes records to the live routes inside
  the test, with no commit, so that ``url_open`` serves them, and the HTTP
  case forgets the routing built from them when the test rolls back.
  ``endpoint_request(...)`` builds a request to call an endpoint's hooks
  (``_validate_request``, ``_handle_request``) without HTTP.
- ``endpoint_request(env, ...)``: the same request, as a plain context manager.
- ``EndpointTransactionCase``, ``EndpointHttpCase``: the mixin on Odoo's cases.

Inside a test, a sync publishes at once, in the test's transaction, as it
does outside one once the transaction commits: setting ``registry_sync`` (as
XML data does) is enough.
"""

import json
from contextlib import contextmanager
from urllib.parse import urlencode

from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request as WerkzeugRequest

import odoo.http
from odoo.exceptions import UserError
from odoo.tests.common import TEST_CURSOR_COOKIE_NAME, HttpCase, TransactionCase

from odoo.addons.http_routing.tests.common import MockRequest

# The names a snippet sees, each documented in Code Help.
SNIPPET_NAMES = (
    "env",
    "user",
    "endpoint",
    "request",
    "datetime",
    "dateutil",
    "time",
    "json",
    "Response",
    "werkzeug",
    "exceptions",
    "hashlib",
    "hmac",
    "log",
    "params",
)

# The answer of an endpoint that failed on the server: nothing of the cause.
INTERNAL_ERROR = {"detail": "The endpoint failed; the server log says why."}


def publish_endpoints(records):
    """Publish endpoint ``records`` to the live routes now, in the current
    transaction, as "Sync registry" does once its transaction commits.

    Inside a test the routes are served by ``url_open`` at once and go with
    the test's rollback. Returns the records.
    """
    records.write({"registry_sync": True})
    # The route rows are written with SQL: the records' pending values go
    # first, so that requests read the same state.
    records.env.flush_all()
    return records


@contextmanager
def endpoint_request(
    env,
    method="GET",
    path="/",
    *,
    headers=None,
    body=None,
    content_type=None,
    params=None,
    cookies=None,
):
    """A request, as the controller gets it, to call endpoint hooks without HTTP.

    ``request.httprequest`` is a real werkzeug request with ``method``,
    ``headers``, ``body`` (bytes, or text encoded as UTF-8) and its
    ``Content-Type`` and ``Content-Length``; ``params`` go in the query
    string and in ``request.params``. ``request.env`` is ``env``. Use it as::

        with endpoint_request(env, "POST", body=b'{"a": 1}',
                              content_type="application/json") as request:
            endpoint._validate_request(request)
            result = endpoint._handle_request(request)
    """
    if isinstance(body, str):
        body = body.encode()
    builder = EnvironBuilder(
        path=path,
        method=method,
        headers=dict(headers or {}),
        data=body,
        content_type=content_type,
        query_string=urlencode(params or {}),
    )
    httprequest = WerkzeugRequest(builder.get_environ())
    httprequest.app = odoo.http.root
    cookies = dict(cookies or {})
    with MockRequest(env, path=path, cookies=cookies) as request:
        request.httprequest = httprequest
        request.params = dict(httprequest.args.items())

        def get_json_data():
            return json.loads(httprequest.get_data(as_text=True))

        request.get_json_data = get_json_data
        yield request


class EndpointTestMixin:
    """Endpoint helpers for a test case: publish records, build requests."""

    @classmethod
    def publish_endpoints(cls, records):
        """Publish ``records`` now (see the module's ``publish_endpoints``)."""
        return publish_endpoints(records)

    @contextmanager
    def endpoint_request(self, method="GET", path="/", **kw):
        """A request to call endpoint hooks without HTTP, in the test's env
        (see the module's ``endpoint_request`` for the arguments).

        It carries the test's cursor cookie, so that what opens a cursor of
        its own meanwhile (``log()`` in a snippet) shares the test's.
        """
        cookies = {TEST_CURSOR_COOKIE_NAME: self.http_request_key}
        cookies.update(kw.pop("cookies", None) or {})
        env = kw.pop("env", None) or self.env
        with endpoint_request(env, method, path, cookies=cookies, **kw) as request:
            yield request

    def tearDown(self):
        # Routes published by a test are rolled back with it; drop the
        # routing maps and the endpoints' route table built from them.
        self.env.registry.clear_cache("routing", "default")
        super().tearDown()


class EndpointCaseMixin(EndpointTestMixin):
    """Create endpoints the way an admin does, and publish them."""

    @classmethod
    def _endpoint_vals(cls, **vals):
        defaults = {
            "name": "Test endpoint",
            "route": "/test/endpoint",
            "request_method": "GET",
            "auth_type": "user_endpoint",
            "exec_mode": "code",
            "code_snippet": "result = {'payload': {'ok': True}}",
        }
        defaults.update(vals)
        return defaults

    @classmethod
    def _create_endpoint(cls, sync=True, **vals):
        endpoint = cls.env["endpoint.endpoint"].create(cls._endpoint_vals(**vals))
        if sync:
            cls._sync(endpoint)
        return endpoint

    @classmethod
    def _sync(cls, endpoints):
        cls.publish_endpoints(endpoints)


class EndpointTransactionCase(EndpointCaseMixin, TransactionCase):
    pass


class EndpointHttpCase(EndpointCaseMixin, HttpCase):
    def _call(self, route, method="GET", **kw):
        kw.setdefault("allow_redirects", False)
        return self.url_open(route, method=method, **kw)

    def _post(self, route, data, content_type, **kw):
        return self._call(
            route, "POST", data=data, headers={"Content-Type": content_type}
        )

    def assertInvalid(self, response, type_, what=""):
        self.assertEqual(response.status_code, 400, f"{what}: {response.text}")
        detail = response.json()["detail"]
        self.assertEqual(len(detail), 1, what)
        self.assertEqual(detail[0]["loc"], ["body"], what)
        self.assertEqual(detail[0]["type"], type_, what)


class EndpointRecordCase(EndpointTransactionCase):
    """Checks on the records themselves, and on their published routes."""

    @contextmanager
    def assertUserError(self, fragment):
        """Expect a UserError whose message holds ``fragment``; roll it back."""
        with self.assertRaises(UserError) as caught:
            yield caught
        self.assertIn(fragment, str(caught.exception))

    def _route_row(self, endpoint):
        """The live route of ``endpoint`` in the route registry table, or None
        (none published, or published and archived: off the air)."""
        self.env.cr.execute(
            "SELECT route, routing FROM endpoint_route WHERE key = %s",
            [f"{endpoint._name}:{endpoint.id}"],
        )
        row = self.env.cr.fetchone()
        if not row or json.loads(row[1]).get("endpoint_archived"):
            return None
        return row[0]

    def _post_endpoint(self, content_type="application/json", schema=None, **vals):
        return self._create_endpoint(
            sync=False,
            request_method="POST",
            request_content_type=content_type,
            request_content_schema=schema,
            **vals,
        )
