# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Exec mode ``code``: the names a snippet sees, the ``result`` contract, errors."""

import datetime
import hashlib
import hmac
import json
import types
from contextlib import contextmanager

import werkzeug.exceptions

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.http import Response
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from ..tools import response as response_tools
from ..tools import snippet
from .common import INTERNAL_ERROR, SNIPPET_NAMES, EndpointTransactionCase


def public_names(wrapper):
    """The attributes a snippet can reach on a wrapped module."""
    return {name for name in vars(wrapper) if not name.startswith("_")}


class SnippetCase(EndpointTransactionCase):
    @contextmanager
    def _request(self, user=None, params=None):
        """An Odoo request of ``user`` (the superuser env when None)."""
        env = self.env(user=user) if user else self.env
        with self.endpoint_request(env=env, params=params) as request:
            yield request

    def _eval_context(self, endpoint, user=None):
        with self._request(user) as request:
            return endpoint._get_code_snippet_eval_context(request), request

    def _run(self, code, user=None, params=None, **vals):
        """Run ``code`` as an endpoint snippet; return its ``result``."""
        endpoint = self._create_endpoint(code_snippet=code, **vals)
        with self._request(user, params) as request:
            return endpoint._handle_exec__code(request)

    def _payload(self, response):
        return json.loads(response.get_data(as_text=True))


@tagged("post_install", "-at_install")
class TestSnippetEvalContext(SnippetCase):
    """Exactly the names a snippet is promised, each limited to what it should be."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.endpoint = cls._create_endpoint(route="/test/context")

    def test_eval_context_has_exactly_the_documented_names(self):
        context, _request = self._eval_context(self.endpoint)
        self.assertEqual(set(context), set(SNIPPET_NAMES))

    def test_every_name_is_documented_in_code_help(self):
        context, _request = self._eval_context(self.endpoint)
        docs = self.endpoint.code_snippet_docs
        for name in context:
            with self.subTest(name=name):
                self.assertRegex(docs, rf"(?m)^{name}\b")

    def test_no_raw_module_reaches_the_snippet(self):
        context, _request = self._eval_context(self.endpoint)
        for name, value in context.items():
            with self.subTest(name=name):
                self.assertNotIsInstance(value, types.ModuleType)

    def test_odoo_objects_of_the_context(self):
        context, request = self._eval_context(self.endpoint)
        # Not the record: its id, name and route, and the snippet's env.
        endpoint = context["endpoint"]
        self.assertEqual(
            (endpoint.id, endpoint.name, endpoint.route),
            (self.endpoint.id, self.endpoint.name, self.endpoint.route),
        )
        self.assertIs(endpoint.env, context["env"])
        self.assertEqual(
            {name for name in dir(endpoint) if not name.startswith("_")},
            {"id", "name", "route", "env"},
        )
        self.assertIs(context["request"], request)
        self.assertIs(context["Response"], Response)
        self.assertEqual(context["user"], context["env"].user)
        self.assertTrue(callable(context["log"]))

    def test_werkzeug_exposes_only_three_exceptions(self):
        context, _request = self._eval_context(self.endpoint)
        wrapped = context["werkzeug"]
        self.assertEqual(public_names(wrapped), {"exceptions"})
        self.assertEqual(
            public_names(wrapped.exceptions), {"NotFound", "BadRequest", "Unauthorized"}
        )
        self.assertIs(wrapped.exceptions.NotFound, werkzeug.exceptions.NotFound)
        self.assertIs(wrapped.exceptions.BadRequest, werkzeug.exceptions.BadRequest)
        self.assertIs(wrapped.exceptions.Unauthorized, werkzeug.exceptions.Unauthorized)
        for name in ("serving", "utils", "Request", "test"):
            self.assertFalse(hasattr(wrapped, name), name)
        self.assertFalse(hasattr(wrapped.exceptions, "InternalServerError"))
        self.assertFalse(hasattr(wrapped.exceptions, "abort"))

    def test_exceptions_exposes_only_user_and_validation_errors(self):
        context, _request = self._eval_context(self.endpoint)
        wrapped = context["exceptions"]
        self.assertEqual(public_names(wrapped), {"UserError", "ValidationError"})
        self.assertIs(wrapped.UserError, UserError)
        self.assertIs(wrapped.ValidationError, ValidationError)
        self.assertFalse(hasattr(wrapped, "AccessError"))

    def test_hashlib_exposes_hash_constructors_only(self):
        context, _request = self._eval_context(self.endpoint)
        wrapped = context["hashlib"]
        names = public_names(wrapped)
        for name in (
            "md5",
            "sha1",
            "sha224",
            "sha256",
            "sha384",
            "sha512",
            "sha3_256",
            "sha3_512",
            "shake_128",
            "shake_256",
            "blake2b",
            "blake2s",
            "new",
        ):
            self.assertIn(name, names)
        for name in (
            "file_digest",
            "pbkdf2_hmac",
            "scrypt",
            "algorithms_available",
            "algorithms_guaranteed",
        ):
            self.assertNotIn(name, names)
            self.assertFalse(hasattr(wrapped, name), name)
        self.assertEqual(
            wrapped.sha256(b"abc").hexdigest(), hashlib.sha256(b"abc").hexdigest()
        )

    def test_hmac_exposes_new_and_compare_digest(self):
        context, _request = self._eval_context(self.endpoint)
        wrapped = context["hmac"]
        self.assertEqual(public_names(wrapped), {"new", "compare_digest"})
        self.assertFalse(hasattr(wrapped, "HMAC"))
        self.assertFalse(hasattr(wrapped, "digest"))

    def test_date_modules_are_the_safe_eval_ones(self):
        context, _request = self._eval_context(self.endpoint)
        self.assertIs(context["datetime"].date, datetime.date)
        self.assertTrue(hasattr(context["dateutil"], "relativedelta"))
        self.assertTrue(hasattr(context["time"], "strftime"))
        self.assertTrue(hasattr(context["json"], "dumps"))
        self.assertFalse(hasattr(context["json"], "decoder"))

    def test_every_name_works_inside_a_snippet(self):
        code = """\
today = datetime.date(2024, 1, 31)
later = today + dateutil.relativedelta.relativedelta(months=1)
digest = hashlib.sha256(b"body").hexdigest()
signature = hmac.new(b"secret", b"body", hashlib.sha256).hexdigest()
result = {
    "payload": {
        "later": later,
        "digest": digest,
        "signed": hmac.compare_digest(signature, request.params["sig"]),
        "json": json.loads(json.dumps({"a": [1]})),
        "clock": time.time() > 0,
        "uid": env.uid,
        "login": user.login,
        "route": endpoint.route,
        "is_response": isinstance(Response("x"), Response),
        "errors": [werkzeug.exceptions.NotFound.code, exceptions.UserError("x").args],
    }
}
"""
        signature = hmac.new(b"secret", b"body", hashlib.sha256).hexdigest()
        result = self._run(code, params={"sig": signature}, route="/test/names")
        payload = result["payload"]
        self.assertEqual(payload["later"], datetime.date(2024, 2, 29))
        self.assertEqual(payload["digest"], hashlib.sha256(b"body").hexdigest())
        self.assertTrue(payload["signed"])
        self.assertEqual(payload["json"], {"a": [1]})
        self.assertTrue(payload["clock"])
        self.assertEqual(payload["uid"], self.env.uid)
        self.assertEqual(payload["login"], self.env.user.login)
        self.assertEqual(payload["route"], "/test/names")
        self.assertTrue(payload["is_response"])
        self.assertEqual(payload["errors"], [404, ("x",)])

    def test_a_wrong_signature_does_not_match(self):
        code = """\
signature = hmac.new(b"secret", b"body", "sha256").hexdigest()
result = {"payload": hmac.compare_digest(signature, request.params["sig"])}
"""
        result = self._run(code, params={"sig": "0" * 64})
        self.assertIs(result["payload"], False)


@tagged("post_install", "-at_install")
class TestSnippetResult(SnippetCase):
    """The snippet must assign a dict to ``result``; the dict makes the answer."""

    def test_snippet_result_is_returned(self):
        result = self._run("result = {'payload': {'ok': True}, 'status_code': 202}")
        self.assertEqual(result, {"payload": {"ok": True}, "status_code": 202})

    def test_result_that_is_not_a_dict_is_an_error(self):
        for code, kind in (
            ("result = 1", "int"),
            ("result = [('payload', 1)]", "list"),
            ("result = None", "NoneType"),
            ("result = 'ok'", "str"),
            ("x = 1", "NoneType"),
        ):
            with self.subTest(code=code):
                endpoint = self._create_endpoint(
                    code_snippet=code, route=f"/test/result/{kind}/{len(code)}"
                )
                with (
                    self._request() as request,
                    self.assertRaises(snippet.SnippetError) as caught,
                ):
                    endpoint._handle_exec__code(request)
                self.assertIn("must assign a dict to `result`", str(caught.exception))
                self.assertIn(kind, str(caught.exception))
                with mute_logger("endpoint.endpoint"):
                    self.assertEqual(
                        endpoint._error_response(caught.exception).status_code, 500
                    )

    def test_payload_status_and_headers_build_a_json_response(self):
        response = response_tools.result_to_response(
            {
                "payload": {"id": 7, "tags": ["a"]},
                "status_code": 201,
                "headers": {"X-Request-Id": "abc"},
            }
        )
        self.assertEqual(response.status_code, 201)
        self.assertEqual(response.mimetype, "application/json")
        self.assertEqual(response.headers["X-Request-Id"], "abc")
        self.assertEqual(self._payload(response), {"id": 7, "tags": ["a"]})

    def test_defaults_are_an_empty_payload_and_200(self):
        response = response_tools.result_to_response({})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self._payload(response), "")

    def test_headers_as_a_list_of_pairs_keep_repeated_names(self):
        response = response_tools.result_to_response(
            {"headers": [("X-Tag", "a"), ("X-Tag", "b"), ("Cache-Control", "no-store")]}
        )
        self.assertEqual(response.headers.getlist("X-Tag"), ["a", "b"])
        self.assertEqual(response.headers["Cache-Control"], "no-store")

    def test_response_object_is_returned_as_is(self):
        answer = Response("plain", status=418, content_type="text/plain")
        self.assertIs(response_tools.result_to_response({"response": answer}), answer)

    def test_dates_and_datetimes_are_encoded_as_odoo_does(self):
        response = response_tools.result_to_response(
            {
                "payload": {
                    "day": datetime.date(2024, 2, 29),
                    "moment": datetime.datetime(2024, 2, 29, 13, 5, 9, 123456),
                    "domain": fields.Domain("name", "=", "x"),
                    "raw": b"bytes",
                }
            }
        )
        self.assertEqual(
            self._payload(response),
            {
                "day": "2024-02-29",
                "moment": "2024-02-29 13:05:09",
                "domain": [["name", "=", "x"]],
                "raw": "bytes",
            },
        )

    def test_json_default_of_the_result_encodes_other_values(self):
        response = response_tools.result_to_response(
            {"payload": {"ids": {3, 1, 2}}, "json_default": sorted}
        )
        self.assertEqual(self._payload(response), {"ids": [1, 2, 3]})

    def test_json_default_from_a_snippet(self):
        code = """\
def encode(value):
    if isinstance(value, set):
        return sorted(value)
    return str(value)
payload = {"ids": {2, 1}, "day": datetime.date(2024, 1, 2)}
result = {"payload": payload, "json_default": encode}
"""
        response = response_tools.result_to_response(self._run(code))
        # The hook replaces Odoo's: dates become str(value), not Odoo's format.
        self.assertEqual(self._payload(response), {"ids": [1, 2], "day": "2024-01-02"})

    def test_result_that_is_not_a_mapping_is_refused(self):
        for result in (None, 1, "payload", [("payload", 1)]):
            with (
                self.subTest(result=result),
                self.assertRaises(response_tools.ResultError) as caught,
            ):
                response_tools.result_to_response(result)
            self.assertIn("must assign a dict", str(caught.exception))

    def test_bad_status_code_is_refused(self):
        for status in ("200", 99, 600, 200.0, None, True):
            with (
                self.subTest(status=status),
                self.assertRaises(response_tools.ResultError) as caught,
            ):
                response_tools.result_to_response({"status_code": status})
            self.assertIn("status_code", str(caught.exception))

    def test_bad_headers_are_refused(self):
        for headers in (42, "X-Token", [("X-Only-Name",)], [("a", "b", "c")]):
            with (
                self.subTest(headers=headers),
                self.assertRaises(response_tools.ResultError) as caught,
            ):
                response_tools.result_to_response({"headers": headers})
            self.assertIn("headers", str(caught.exception))

    def test_response_that_is_not_a_response_is_refused(self):
        for value in ("text", {"body": "x"}, 200):
            with (
                self.subTest(value=value),
                self.assertRaises(response_tools.ResultError) as caught,
            ):
                response_tools.result_to_response({"response": value})
            self.assertIn("must be a Response", str(caught.exception))

    def test_json_default_that_is_not_callable_is_refused(self):
        with self.assertRaises(response_tools.ResultError) as caught:
            response_tools.result_to_response({"payload": 1, "json_default": "str"})
        self.assertIn("json_default", str(caught.exception))

    def test_payload_that_cannot_be_encoded_is_refused(self):
        loop = []
        loop.append(loop)
        with self.assertRaises(response_tools.ResultError) as caught:
            response_tools.result_to_response({"payload": loop})
        self.assertIn("cannot be encoded", str(caught.exception))

    def test_json_default_that_fails_is_refused(self):
        def refuse(value):
            raise TypeError(f"no encoding for {type(value).__name__}")

        with self.assertRaises(response_tools.ResultError) as caught:
            response_tools.result_to_response(
                {"payload": {"ids": {1}}, "json_default": refuse}
            )
        self.assertIn("no encoding for set", str(caught.exception))

    def test_controller_renders_the_result(self):
        from ..controllers.main import EndpointController

        result = self._run("result = {'payload': [1, 2], 'status_code': 207}")
        response = EndpointController()._handle_result(result)
        self.assertEqual(response.status_code, 207)
        self.assertEqual(self._payload(response), [1, 2])


@tagged("post_install", "-at_install")
class TestSnippetLog(SnippetCase):
    """``log()`` writes ir.logging rows in a transaction of its own."""

    def _log_rows(self, endpoint):
        return self.env["ir.logging"].search(
            [("path", "=", endpoint.route)], order="id"
        )

    def test_log_writes_ir_logging_rows_with_their_level(self):
        code = """\
log("first line")
log("careful", level="warning")
log({"n": 1}, level="ERROR")
result = {}
"""
        endpoint = self._create_endpoint(
            code_snippet=code, route="/test/log", name="Logger"
        )
        with self.enter_registry_test_mode(), self._request() as request:
            endpoint._handle_exec__code(request)
        rows = self._log_rows(endpoint)
        self.assertEqual(
            [(row.level, row.message) for row in rows],
            [("INFO", "first line"), ("WARNING", "careful"), ("ERROR", "{'n': 1}")],
        )
        self.assertEqual(rows.mapped("func"), ["Logger"] * 3)
        self.assertEqual(set(rows.mapped("type")), {"server"})
        self.assertEqual(set(rows.mapped("dbname")), {self.env.cr.dbname})


@tagged("post_install", "-at_install")
class TestSnippetUser(SnippetCase):
    """The snippet runs as ``exec_as_user_id``, else as the caller."""

    CODE = "result = {'payload': {'uid': env.uid, 'su': env.su, 'user': user.id}}"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.runner = new_test_user(cls.env, login="endpoint_runner")
        cls.caller = new_test_user(cls.env, login="endpoint_caller")

    def test_snippet_runs_as_exec_as_user(self):
        result = self._run(self.CODE, user=self.caller, exec_as_user_id=self.runner.id)
        self.assertEqual(
            result["payload"],
            {"uid": self.runner.id, "su": False, "user": self.runner.id},
        )

    def test_public_endpoint_runs_as_exec_as_user(self):
        public_user = self.env.ref("base.public_user")
        result = self._run(
            self.CODE,
            user=public_user,
            auth_type="public",
            exec_as_user_id=self.runner.id,
        )
        self.assertEqual(result["payload"]["uid"], self.runner.id)

    def test_snippet_runs_as_the_caller_without_exec_as_user(self):
        result = self._run(self.CODE, user=self.caller)
        self.assertEqual(
            result["payload"],
            {"uid": self.caller.id, "su": False, "user": self.caller.id},
        )

    def test_snippet_has_the_rights_of_its_user_only(self):
        # An internal user cannot read endpoints: neither can its snippet.
        code = "result = {'payload': env['endpoint.endpoint'].search_count([])}"
        with self.assertRaises(AccessError):
            self._run(code, exec_as_user_id=self.runner.id)
        result = self._run(code, route="/test/as-admin")
        self.assertGreaterEqual(result["payload"], 1)


@tagged("post_install", "-at_install")
class TestSnippetErrors(SnippetCase):
    """Errors propagate to the HTTP layer, which maps them to statuses."""

    def _raises(self, code, exception):
        endpoint = self._create_endpoint(code_snippet=code, route="/test/errors")
        with self._request() as request, self.assertRaises(exception) as caught:
            endpoint._handle_exec__code(request)
        return endpoint, caught.exception

    def test_user_error_answers_400_with_its_message(self):
        endpoint, exc = self._raises(
            "raise exceptions.UserError('Add ?name=')", UserError
        )
        response = endpoint._error_response(exc)
        self.assertEqual(response.status_code, 400)
        self.assertEqual(self._payload(response), {"detail": "Add ?name="})

    def test_validation_error_answers_400(self):
        endpoint, exc = self._raises(
            "raise exceptions.ValidationError('bad value')", ValidationError
        )
        self.assertEqual(endpoint._error_response(exc).status_code, 400)

    def test_http_exceptions_keep_their_status(self):
        for name, status in (
            ("NotFound", 404),
            ("BadRequest", 400),
            ("Unauthorized", 401),
        ):
            with self.subTest(name=name):
                exception = getattr(werkzeug.exceptions, name)
                endpoint, exc = self._raises(
                    f"raise werkzeug.exceptions.{name}('because')", exception
                )
                response = endpoint._error_response(exc)
                self.assertEqual(response.status_code, status)
                self.assertEqual(self._payload(response)["detail"], "because")
                endpoint.unlink()

    def test_other_errors_answer_500_without_details(self):
        for code, exception in (
            ("result = 1 / 0", ZeroDivisionError),
            ("result = {}['missing']", KeyError),
            ("result = open('/etc/passwd').read()", NameError),
            ("raise Exception('secret detail')", Exception),
        ):
            with self.subTest(code=code):
                endpoint, exc = self._raises(code, exception)
                with mute_logger("endpoint.endpoint"):
                    response = endpoint._error_response(exc)
                self.assertEqual(response.status_code, 500)
                self.assertEqual(self._payload(response), INTERNAL_ERROR)
                text = response.get_data(as_text=True)
                self.assertNotIn("Traceback", text)
                self.assertNotIn("secret detail", text)
                endpoint.unlink()

    def test_failing_snippet_is_logged_with_its_traceback(self):
        endpoint, exc = self._raises("result = 1 / 0", ZeroDivisionError)
        with self.assertLogs("endpoint.endpoint", level="ERROR") as logs:
            endpoint._error_response(exc)
        self.assertIn("ZeroDivisionError", "\n".join(logs.output))
        self.assertIn("/test/errors", "\n".join(logs.output))
