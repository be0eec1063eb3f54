# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Endpoint records: fields, save-time constraints, duplication, sync state."""

import io
import re

from psycopg2 import IntegrityError

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, new_test_user, tagged
from odoo.tools import file_open, mute_logger
from odoo.tools.convert import convert_xml_import

from ..tools import body
from .common import SNIPPET_NAMES, EndpointRecordCase

JSON_SCHEMA_YAML = """\
type: object
required: [name]
properties:
  name: {type: string}
"""
JSON_SCHEMA_JSON = '{"type": "object", "required": ["name"]}'
XSD = """\
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">
  <xs:element name="ping" type="xs:string"/>
</xs:schema>
"""


@tagged("post_install", "-at_install")
class TestEndpointSnippetConstraints(EndpointRecordCase):
    """Exec mode ``code`` needs a snippet safe_eval accepts."""

    def test_valid_snippet_is_saved(self):
        endpoint = self._create_endpoint(sync=False)
        self.assertEqual(endpoint.exec_mode, "code")
        self.assertEqual(endpoint.code_snippet, "result = {'payload': {'ok': True}}")

    def test_missing_snippet_is_refused(self):
        for value in (False, ""):
            with (
                self.subTest(value=value),
                self.assertUserError("no statement"),
            ):
                self._create_endpoint(sync=False, code_snippet=value)

    def test_blank_snippet_is_refused(self):
        with self.assertUserError("no statement"):
            self._create_endpoint(sync=False, code_snippet="  \n\t\n   \n")

    def test_comments_only_snippet_is_refused(self):
        with self.assertUserError("no statement"):
            self._create_endpoint(
                sync=False, code_snippet="# result = {}\n\n    # indented comment\n"
            )

    def test_clearing_the_snippet_of_a_saved_endpoint_is_refused(self):
        endpoint = self._create_endpoint(sync=False)
        with self.assertUserError("no statement"):
            endpoint.write({"code_snippet": "# nothing left"})

    def test_one_statement_among_comments_is_enough(self):
        endpoint = self._create_endpoint(
            sync=False, code_snippet="# answer\n\nresult = {}  # empty\n# end\n"
        )
        self.assertTrue(endpoint)

    def test_syntax_error_is_refused_naming_the_line(self):
        with self.assertRaises(UserError) as caught:
            self._create_endpoint(
                sync=False, name="Broken", code_snippet="x = 1\nif x\n    result = {}"
            )
        message = str(caught.exception)
        self.assertIn("Broken", message)
        self.assertIn("Line 2", message)
        self.assertIn("if x", message)

    def test_unclosed_bracket_is_refused_naming_the_line(self):
        with self.assertUserError("Line 3"):
            self._create_endpoint(
                sync=False, code_snippet="a = 1\nb = 2\nresult = {'payload': [a, b}\n"
            )

    def test_import_is_refused_naming_the_line(self):
        for code in (
            "x = 1\nimport os\nresult = {}",
            "x = 1\nfrom os import path\nresult = {}",
        ):
            with self.subTest(code=code), self.assertRaises(UserError) as caught:
                self._create_endpoint(sync=False, code_snippet=code)
            message = str(caught.exception)
            self.assertIn("Line 2", message)
            self.assertIn("import", message)

    def test_dunder_access_is_refused_naming_the_line(self):
        for code, name in (
            ("result = {}\nklass = ().__class__", "__class__"),
            ("result = {}\n\nsubs = object.__subclasses__()", "__subclasses__"),
            ("result = {'payload': __builtins__}", "__builtins__"),
            ("f = __import__('os')\nresult = {}", "__import__"),
        ):
            with self.subTest(code=code), self.assertRaises(UserError) as caught:
                self._create_endpoint(sync=False, code_snippet=code)
            message = str(caught.exception)
            lineno = code.split(name)[0].count("\n") + 1
            self.assertIn(f"Line {lineno}", message)
            self.assertIn(name, message)

    def test_frame_attribute_is_refused_naming_the_line(self):
        # Not a dunder, but safe_eval bans it: generators lead to frames.
        code = "gen = (x for x in [1])\nframe = gen.gi_frame\nresult = {}"
        with self.assertRaises(UserError) as caught:
            self._create_endpoint(sync=False, code_snippet=code)
        self.assertIn("Line 2", str(caught.exception))
        self.assertIn("gi_frame", str(caught.exception))

    def test_str_format_is_refused_naming_the_line(self):
        # A format string reads attributes by name at run time, dunders
        # included, out of reach of safe_eval's compile-time checks.
        code = "x = 1\nresult = {'payload': '{0.__class__}'.format(x)}"
        with self.assertRaises(UserError) as caught:
            self._create_endpoint(sync=False, code_snippet=code)
        self.assertIn("Line 2", str(caught.exception))
        self.assertIn("f-string", str(caught.exception))

    def test_refused_constructs_name_their_line(self):
        for code, lineno, what in (
            ("result = {}\nassert result", 2, "assert"),
            ("result = {}\n\nwith endpoint as e:\n    pass", 3, "`with`"),
            ("result = {}\nclass Hack:\n    pass", 2, "class"),
            ("result = {}\nasync def f():\n    await f()", 2, "async"),
            ("def g():\n    yield 1\n    yield from [2]\nresult = {}", 3, "yield from"),
            ("result = {}\ncount: int = 1", 2, "annotations"),
            ("def f():\n    global result\n    result = {}\nf()", 2, "`global`"),
        ):
            with self.subTest(code=code), self.assertRaises(UserError) as caught:
                self._create_endpoint(sync=False, code_snippet=code)
            message = str(caught.exception)
            self.assertIn(f"Line {lineno}:", message)
            self.assertIn(what, message)

    def test_null_byte_is_refused_without_a_line(self):
        # The form checks it before the database (which refuses NUL) sees it.
        draft = self.env["endpoint.endpoint"].new(
            self._endpoint_vals(code_snippet="result = {}\x00")
        )
        with self.assertRaises(UserError) as caught:
            draft._validate_exec_mode()
        self.assertIn("null bytes", str(caught.exception))
        self.assertNotIn("Line None", str(caught.exception))

    def test_bad_snippet_on_write_is_refused(self):
        endpoint = self._create_endpoint(sync=False)
        with self.assertUserError("Line 1"):
            endpoint.write({"code_snippet": "import os"})
        with self.assertUserError("Line 1"):
            endpoint.write({"code_snippet": "result = {"})

    def test_unknown_exec_mode_is_refused(self):
        endpoint = self._create_endpoint(sync=False)
        # A mode whose module was uninstalled: the row keeps the value.
        self.env.cr.execute(
            "UPDATE endpoint_endpoint SET exec_mode = 'gone' WHERE id = %s",
            [endpoint.id],
        )
        endpoint.invalidate_recordset(["exec_mode"])
        with self.assertUserError("exec mode gone is not supported"):
            endpoint._validate_exec_mode()


@tagged("post_install", "-at_install")
class TestEndpointRequestConstraints(EndpointRecordCase):
    """Auth, method and content type rules checked at save time."""

    def test_public_auth_requires_exec_as_user(self):
        with self.assertUserError("Exec as user"):
            self._create_endpoint(sync=False, auth_type="public")

    def test_public_auth_with_exec_as_user_is_saved(self):
        endpoint = self._create_endpoint(
            sync=False,
            auth_type="public",
            exec_as_user_id=self.env.ref("base.user_admin").id,
        )
        self.assertEqual(endpoint.auth_type, "public")

    def test_public_endpoint_cannot_lose_its_exec_as_user(self):
        endpoint = self._create_endpoint(
            sync=False,
            auth_type="public",
            exec_as_user_id=self.env.ref("base.user_admin").id,
        )
        with self.assertUserError("Exec as user"):
            endpoint.exec_as_user_id = False
        with self.assertUserError("Exec as user"):
            self._create_endpoint(
                sync=False, route="/test/other", exec_as_user_id=False
            ).auth_type = "public"

    def test_user_auth_needs_no_exec_as_user(self):
        endpoint = self._create_endpoint(sync=False, auth_type="user_endpoint")
        self.assertFalse(endpoint.exec_as_user_id)

    def test_post_and_put_require_a_content_type(self):
        for method in ("POST", "PUT"):
            with (
                self.subTest(method=method),
                self.assertUserError("content type is required"),
            ):
                self._create_endpoint(sync=False, request_method=method)

    def test_post_with_content_type_is_saved(self):
        for method in ("POST", "PUT"):
            with self.subTest(method=method):
                endpoint = self._create_endpoint(
                    sync=False,
                    route=f"/test/{method.lower()}",
                    request_method=method,
                    request_content_type="application/json",
                )
                self.assertEqual(endpoint.request_content_type, "application/json")

    def test_get_and_delete_need_no_content_type(self):
        for method in ("GET", "DELETE"):
            with self.subTest(method=method):
                endpoint = self._create_endpoint(
                    sync=False, route=f"/test/{method.lower()}", request_method=method
                )
                self.assertFalse(endpoint.request_content_type)

    def test_removing_the_content_type_of_a_post_is_refused(self):
        endpoint = self._post_endpoint()
        with self.assertUserError("content type is required"):
            endpoint.request_content_type = False

    def test_deprecated_charset_content_type_is_not_offered(self):
        # Content types are compared by media type: "; charset" adds nothing.
        field = self.env["endpoint.endpoint"]._fields["request_content_type"]
        values = [value for value, _label in field._description_selection(self.env)]
        self.assertIn("application/json", values)
        self.assertIn("application/xml", values)
        self.assertFalse([value for value in values if ";" in value])


@tagged("post_install", "-at_install")
class TestEndpointSchema(EndpointRecordCase):
    """Request schemas: checked at save, cleared when the content type changes."""

    def test_yaml_json_schema_is_saved(self):
        endpoint = self._post_endpoint(schema=JSON_SCHEMA_YAML)
        self.assertEqual(endpoint.request_content_schema, JSON_SCHEMA_YAML)

    def test_json_syntax_json_schema_is_saved(self):
        endpoint = self._post_endpoint(schema=JSON_SCHEMA_JSON)
        self.assertEqual(endpoint.request_content_schema, JSON_SCHEMA_JSON)

    def test_xsd_is_saved(self):
        endpoint = self._post_endpoint(content_type="application/xml", schema=XSD)
        self.assertEqual(endpoint.request_content_schema, XSD)

    def test_blank_schema_means_no_schema(self):
        endpoint = self._post_endpoint(schema="  \n")
        self.assertIsNone(endpoint._get_runtime().schema)

    def test_malformed_yaml_is_refused(self):
        with self.assertRaises(UserError) as caught:
            self._post_endpoint(schema="type: [object\nrequired: name: x")
        message = str(caught.exception)
        self.assertIn("request schema is invalid", message)
        self.assertIn("neither valid JSON nor YAML", message)

    def test_malformed_json_is_refused(self):
        with self.assertUserError("neither valid JSON nor YAML"):
            self._post_endpoint(schema='{"type": "object",, }')

    def test_schema_that_is_not_a_mapping_is_refused(self):
        for source, kind in (("- type\n- object\n", "list"), ("42", "int")):
            with self.subTest(source=source), self.assertRaises(UserError) as caught:
                self._post_endpoint(schema=source)
            message = str(caught.exception)
            self.assertIn("must be an object", message)
            self.assertIn(kind, message)

    def test_invalid_draft_2020_12_schema_is_refused(self):
        with self.assertRaises(UserError) as caught:
            self._post_endpoint(schema='{"type": "foo"}')
        message = str(caught.exception)
        self.assertIn("not a valid Draft 2020-12 schema", message)
        self.assertIn("foo", message)

    def test_invalid_nested_keyword_names_its_place(self):
        schema = "type: object\nproperties:\n  age: {type: integer, minimum: low}\n"
        with self.assertUserError("properties/age/minimum"):
            self._post_endpoint(schema=schema)

    def test_json_schema_with_a_dangling_ref_is_refused(self):
        # Left to validation time, every request would answer 500.
        for ref in ("#/$defs/missing", "https://example.com/remote.json"):
            schema = f"type: object\nproperties:\n  a: {{$ref: '{ref}'}}\n"
            with self.subTest(ref=ref), self.assertRaises(UserError) as caught:
                self._post_endpoint(schema=schema)
            self.assertIn(ref, str(caught.exception))
            self.assertIn("cannot be resolved", str(caught.exception))

    def test_json_schema_with_local_refs_is_saved(self):
        schema = (
            "$defs:\n  qty: {type: integer, minimum: 1}\n"
            "type: object\n"
            "properties:\n  qty: {$ref: '#/$defs/qty'}\n"
        )
        endpoint = self._post_endpoint(schema=schema)
        runtime_schema = endpoint._get_runtime().schema
        self.assertEqual(runtime_schema.validate(b'{"qty": 2}'), {"qty": 2})
        with self.assertRaises(body.BodyError) as caught:
            runtime_schema.validate(b'{"qty": 0}')
        self.assertEqual(caught.exception.detail[0]["type"], "minimum")

    def test_malformed_xsd_is_refused(self):
        with self.assertRaises(UserError) as caught:
            self._post_endpoint(
                content_type="application/xml",
                schema='<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">',
            )
        self.assertIn("XSD is not well-formed XML", str(caught.exception))

    def test_xml_that_is_not_an_xsd_is_refused(self):
        with self.assertRaises(UserError) as caught:
            self._post_endpoint(content_type="application/xml", schema="<order/>")
        self.assertIn("XSD does not compile", str(caught.exception))

    def test_xsd_with_an_unknown_type_is_refused(self):
        xsd = (
            '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">'
            '<xs:element name="a" type="xs:nothing"/></xs:schema>'
        )
        with self.assertUserError("XSD does not compile"):
            self._post_endpoint(content_type="application/xml", schema=xsd)

    def test_xsd_with_a_doctype_is_refused(self):
        xsd = '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n' + XSD
        with self.assertUserError("DOCTYPE"):
            self._post_endpoint(content_type="application/xml", schema=xsd)

    def test_json_schema_on_xml_content_type_is_refused(self):
        with self.assertUserError("XSD is not well-formed"):
            self._post_endpoint(content_type="application/xml", schema=JSON_SCHEMA_JSON)

    def test_schema_of_a_request_that_takes_none_is_kept_and_ignored(self):
        # Records written for OCA's module carry such schemas: they load as
        # they are, and requests are not checked against them.
        for content_type in (
            "text/plain",
            "text/csv",
            "application/x-www-form-urlencoded",
        ):
            with self.subTest(content_type=content_type):
                endpoint = self._post_endpoint(
                    content_type=content_type,
                    schema="not a schema at all: [",
                    route=f"/test/kept/{content_type.replace('/', '-')}",
                )
                self.assertEqual(
                    endpoint.request_content_schema, "not a schema at all: ["
                )
                self.assertFalse(endpoint.request_content_schema_applicable)
                self.assertIsNone(endpoint._get_runtime().schema)
        endpoint = self._create_endpoint(
            sync=False, request_method="GET", request_content_schema=JSON_SCHEMA_JSON
        )
        self.assertEqual(endpoint.request_content_schema, JSON_SCHEMA_JSON)
        self.assertIsNone(endpoint._get_runtime().schema)

    def test_kept_schema_is_checked_once_it_applies(self):
        endpoint = self._create_endpoint(
            sync=False,
            request_method="GET",
            request_content_type="application/json",
            request_content_schema="[1, 2",
        )
        with self.assertUserError("the request schema is invalid"):
            endpoint.request_method = "POST"

    def test_changing_the_content_type_clears_the_schema(self):
        endpoint = self._post_endpoint(schema=JSON_SCHEMA_JSON)
        endpoint.request_content_type = "application/xml"
        self.assertFalse(endpoint.request_content_schema)
        endpoint.write({"request_content_schema": XSD})
        endpoint.request_content_type = "text/plain"
        self.assertFalse(endpoint.request_content_schema)

    def test_same_content_type_keeps_the_schema(self):
        endpoint = self._post_endpoint(schema=JSON_SCHEMA_JSON)
        endpoint.write({"request_content_type": "application/json", "name": "Renamed"})
        self.assertEqual(endpoint.request_content_schema, JSON_SCHEMA_JSON)
        endpoint.write({"route": "/test/moved"})
        self.assertEqual(endpoint.request_content_schema, JSON_SCHEMA_JSON)

    def test_new_content_type_with_new_schema_keeps_the_new_schema(self):
        endpoint = self._post_endpoint(schema=JSON_SCHEMA_JSON)
        endpoint.write(
            {"request_content_type": "application/xml", "request_content_schema": XSD}
        )
        self.assertEqual(endpoint.request_content_schema, XSD)

    def test_content_type_change_on_many_records_clears_only_changed_ones(self):
        json_one = self._post_endpoint(schema=JSON_SCHEMA_JSON, route="/test/a")
        xml_one = self._post_endpoint(
            content_type="application/xml", schema=XSD, route="/test/b"
        )
        (json_one | xml_one).write({"request_content_type": "application/xml"})
        self.assertFalse(json_one.request_content_schema)
        self.assertEqual(xml_one.request_content_schema, XSD)

    def test_form_onchange_clears_the_schema_when_the_content_type_changes(self):
        endpoint = self._post_endpoint(schema=JSON_SCHEMA_JSON)
        with Form(endpoint) as form:
            form.request_content_type = "application/xml"
            self.assertFalse(form.request_content_schema)
            form.request_content_schema = XSD
        self.assertEqual(endpoint.request_content_type, "application/xml")
        self.assertEqual(endpoint.request_content_schema, XSD)

    def test_form_keeps_the_schema_when_the_content_type_is_unchanged(self):
        endpoint = self._post_endpoint(schema=JSON_SCHEMA_JSON)
        with Form(endpoint) as form:
            form.name = "Renamed"
            form.request_method = "PUT"
            self.assertEqual(form.request_content_schema, JSON_SCHEMA_JSON)
        self.assertEqual(endpoint.request_content_schema, JSON_SCHEMA_JSON)

    def test_form_of_a_new_record_clears_the_schema_of_another_type(self):
        form = Form(self.env["endpoint.endpoint"])
        form.name = "New"
        form.route = "/test/new"
        form.request_method = "POST"
        form.request_content_type = "application/json"
        form.request_content_schema = JSON_SCHEMA_JSON
        form.code_snippet = "result = {}"
        form.request_content_type = "application/xml"
        self.assertFalse(form.request_content_schema)
        endpoint = form.save()
        self.assertFalse(endpoint.request_content_schema)

    def test_form_hides_the_schema_when_it_does_not_apply(self):
        form = Form(self.env["endpoint.endpoint"])
        form.request_method = "GET"
        form.request_content_type = "application/json"
        with self.assertRaisesRegex(AssertionError, "invisible"):
            form.request_content_schema = JSON_SCHEMA_JSON

    def test_schema_applicable_for_each_method_and_content_type(self):
        field = self.env["endpoint.endpoint"]._fields["request_content_type"]
        content_types = [value for value, _ in field._description_selection(self.env)]
        methods = ["GET", "POST", "PUT", "DELETE"]
        for method in methods:
            for content_type in [*content_types, False]:
                expected = method in ("POST", "PUT") and content_type in (
                    "application/json",
                    "application/xml",
                )
                with self.subTest(method=method, content_type=content_type):
                    record = self.env["endpoint.endpoint"].new(
                        {"request_method": method, "request_content_type": content_type}
                    )
                    self.assertEqual(record.request_content_schema_applicable, expected)

    def test_schema_applicable_follows_saved_changes(self):
        endpoint = self._post_endpoint()
        self.assertTrue(endpoint.request_content_schema_applicable)
        endpoint.request_content_type = "text/plain"
        self.assertFalse(endpoint.request_content_schema_applicable)
        endpoint.write(
            {"request_method": "GET", "request_content_type": "application/xml"}
        )
        self.assertFalse(endpoint.request_content_schema_applicable)
        endpoint.request_method = "PUT"
        self.assertTrue(endpoint.request_content_schema_applicable)

    def test_demo_schema_loaded_from_a_file_compiles(self):
        endpoint = self.env.ref(
            "endpoint.endpoint_demo_order", raise_if_not_found=False
        )
        if not endpoint:
            self.skipTest("demo data not installed")
        with file_open("endpoint/demo/order.xsd") as xsd_file:
            self.assertEqual(endpoint.request_content_schema, xsd_file.read())
        schema = endpoint._get_runtime().schema
        self.assertIsInstance(schema, body.XmlBodySchema)
        with file_open("endpoint/demo/order.xml", "rb") as sample:
            self.assertEqual(schema.validate(sample.read()).tag, "order")
        with self.assertRaises(body.BodyError):
            schema.validate(b"<order/>")

    def test_xml_data_loads_a_schema_from_a_file(self):
        data = b"""<odoo>
            <record id="test_endpoint_from_file" model="endpoint.endpoint">
                <field name="name">Schema from a file</field>
                <field name="route">/test/from-file</field>
                <field name="request_method">POST</field>
                <field name="request_content_type">application/xml</field>
                <field name="request_content_schema" type="char"
                       file="endpoint/demo/order.xsd"/>
                <field name="code_snippet">result = {}</field>
            </record>
        </odoo>"""
        xml_file = io.BytesIO(data)
        xml_file.name = "test_endpoint_from_file.xml"
        convert_xml_import(self.env, "endpoint", xml_file, mode="init")
        endpoint = self.env.ref("endpoint.test_endpoint_from_file")
        self.assertIn('<xs:element name="order">', endpoint.request_content_schema)
        self.assertIsInstance(endpoint._get_runtime().schema, body.XmlBodySchema)

    def test_xml_data_with_a_broken_schema_file_is_refused(self):
        # A JSON endpoint pointing at the XSD: the load fails loudly.
        data = b"""<odoo>
            <record id="test_endpoint_bad_file" model="endpoint.endpoint">
                <field name="name">Wrong schema file</field>
                <field name="route">/test/bad-file</field>
                <field name="request_method">POST</field>
                <field name="request_content_type">application/json</field>
                <field name="request_content_schema" type="char"
                       file="endpoint/demo/order.xsd"/>
                <field name="code_snippet">result = {}</field>
            </record>
        </odoo>"""
        xml_file = io.BytesIO(data)
        xml_file.name = "test_endpoint_bad_file.xml"
        with (
            mute_logger("odoo.tools.convert"),
            self.assertRaises(Exception) as caught,
            self.env.cr.savepoint(),
        ):
            convert_xml_import(self.env, "endpoint", xml_file, mode="init")
        messages = []
        exc = caught.exception
        while exc is not None:
            messages.append(str(exc))
            exc = exc.__cause__ or exc.__context__
        self.assertIn(
            "the request schema is invalid. The JSON schema", "\n".join(messages)
        )
        self.assertFalse(
            self.env.ref("endpoint.test_endpoint_bad_file", raise_if_not_found=False)
        )


@tagged("post_install", "-at_install")
class TestEndpointRecordFields(EndpointRecordCase):
    """Duplication, routes, computed fields."""

    def test_a_new_endpoint_answers_get(self):
        form = Form(self.env["endpoint.endpoint"])
        self.assertEqual(form.request_method, "GET")
        form.name = "First"
        form.route = "/test/first"
        form.code_snippet = "result = {'payload': 1}"
        self.assertEqual(form.save().request_method, "GET")

    def test_public_proposes_the_current_user_to_run_as(self):
        other = new_test_user(self.env, login="h13_runner")
        form = Form(self.env["endpoint.endpoint"])
        self.assertFalse(form.exec_as_user_id)
        form.auth_type = "public"
        self.assertEqual(form.exec_as_user_id, self.env.user)
        # A proposal: the admin picks another, and it stays.
        form.exec_as_user_id = other
        form.auth_type = "user_endpoint"
        form.auth_type = "public"
        self.assertEqual(form.exec_as_user_id, other)

    def test_code_and_schemas_do_not_start_with_blank_lines(self):
        # As XML data writes them: the text starts on the line after the tag.
        endpoint = self._post_endpoint(
            schema="\n  \ntype: object\n",
            code_snippet="\n\n    \nresult = {}\n",
            response_example="\n{}\n",
        )
        self.assertEqual(endpoint.request_content_schema, "type: object\n")
        self.assertEqual(endpoint.code_snippet, "result = {}\n")
        self.assertEqual(endpoint.response_example, "{}\n")
        endpoint.code_snippet = "\n# first line\nresult = {}"
        self.assertEqual(endpoint.code_snippet, "# first line\nresult = {}")
        # The indentation of the first line is the code's own.
        endpoint.code_snippet = "\nif True:\n    result = {}"
        self.assertEqual(endpoint.code_snippet, "if True:\n    result = {}")
        demo = self.env.ref("endpoint.endpoint_demo_json", raise_if_not_found=False)
        if demo:
            self.assertTrue(demo.code_snippet.startswith("# Dates"))

    def test_copy_appends_copy_fixme_to_the_route(self):
        endpoint = self._create_endpoint(sync=True, route="/test/original")
        copy = endpoint.copy()
        self.assertEqual(copy.route, "/test/original/COPY_FIXME")
        self.assertIn("(copy)", copy.name)
        self.assertEqual(copy.code_snippet, endpoint.code_snippet)
        self.assertFalse(copy.registry_sync, "a copy is not live before a sync")

    def test_copy_of_a_public_endpoint_with_schema_is_valid(self):
        endpoint = self._post_endpoint(
            schema=JSON_SCHEMA_YAML,
            auth_type="public",
            exec_as_user_id=self.env.ref("base.user_admin").id,
        )
        copy = endpoint.copy()
        self.assertEqual(copy.request_content_schema, JSON_SCHEMA_YAML)
        self.assertEqual(copy.exec_as_user_id, endpoint.exec_as_user_id)
        self.assertIsInstance(copy._get_runtime().schema, body.JsonBodySchema)
        self._sync(copy)
        self.assertEqual(self._route_row(copy), f"{endpoint.route}/COPY_FIXME")

    def test_copy_with_explicit_route_and_name_keeps_them(self):
        endpoint = self._create_endpoint(sync=False)
        copy = endpoint.copy({"route": "/test/chosen", "name": "Chosen"})
        self.assertEqual(copy.route, "/test/chosen")
        self.assertEqual(copy.name, "Chosen")

    def test_copy_of_many_records(self):
        first = self._create_endpoint(sync=False, route="/test/one")
        second = self._create_endpoint(sync=False, route="/test/two")
        copies = (first | second).copy()
        self.assertEqual(
            copies.mapped("route"), ["/test/one/COPY_FIXME", "/test/two/COPY_FIXME"]
        )

    def test_copying_again_numbers_the_route(self):
        endpoint = self._create_endpoint(sync=False, route="/test/again")
        first = endpoint.copy()
        first.active = False  # an archived copy still holds its route
        second = endpoint.copy()
        third = endpoint.copy()
        self.assertEqual(
            (first | second | third).mapped("route"),
            [
                "/test/again/COPY_FIXME",
                "/test/again/COPY_FIXME_2",
                "/test/again/COPY_FIXME_3",
            ],
        )
        # Routes that only start alike are no reason to number.
        other = self._create_endpoint(sync=False, route="/test/again_x")
        self.assertEqual(other.copy().route, "/test/again_x/COPY_FIXME")

    def test_route_is_unique(self):
        self._create_endpoint(sync=False, route="/test/same")
        with (
            self.assertRaises(IntegrityError),
            mute_logger("odoo.sql_db"),
        ):
            self._create_endpoint(sync=False, name="Twin", route="/test/same")
            self.env.flush_all()

    def test_trailing_slash_is_dropped(self):
        endpoint = self._create_endpoint(sync=False, route="/test/slash/")
        self.assertEqual(endpoint.route, "/test/slash")
        endpoint.route = "test/other/"
        self.assertEqual(endpoint.route, "/test/other")

    def test_trailing_slash_does_not_dodge_uniqueness(self):
        self._create_endpoint(sync=False, route="/test/same")
        # Refused at save with a message, before the database would.
        with self.assertUserError("both match /test/same"):
            self._create_endpoint(sync=False, name="Twin", route="/test/same/")
            self.env.flush_all()

    def test_blacklisted_routes_are_refused(self):
        for route in ("/", "/web", "/web/", "//", " /web/ "):
            with self.subTest(route=route), self.assertRaises(UserError):
                self._create_endpoint(sync=False, route=route)

    def test_moving_to_a_blacklisted_route_is_refused(self):
        endpoint = self._create_endpoint(sync=False, route="/test/here")
        for route in ("/web", "/web/", "web/"):
            with self.subTest(route=route), self.assertRaises(UserError):
                endpoint.write({"route": route})
        self.assertEqual(endpoint.route, "/test/here")

    def test_endpoint_url_is_the_full_address(self):
        endpoint = self._create_endpoint(sync=False, route="/test/url")
        self.assertEqual(endpoint.endpoint_url, f"{endpoint.get_base_url()}/test/url")

    def test_code_snippet_docs_lists_every_snippet_name(self):
        endpoint = self._create_endpoint(sync=False)
        docs = endpoint.code_snippet_docs
        for name in SNIPPET_NAMES:
            with self.subTest(name=name):
                self.assertRegex(docs, rf"(?m)^{re.escape(name)}\b")

    def test_code_snippet_docs_is_read_only(self):
        field = self.env["endpoint.endpoint"]._fields["code_snippet_docs"]
        self.assertTrue(field.readonly)
        self.assertFalse(field.store)

    def test_exec_mode_defaults_to_code(self):
        field = self.env["endpoint.endpoint"]._fields["exec_mode"]
        self.assertTrue(field.required)
        self.assertEqual(
            dict(field._description_selection(self.env)), {"code": "Execute code"}
        )
        endpoint = self.env["endpoint.endpoint"].create(
            {
                "name": "Default mode",
                "route": "/test/default",
                "request_method": "GET",
                "code_snippet": "result = {}",
            }
        )
        self.assertEqual(endpoint.exec_mode, "code")


@tagged("post_install", "-at_install")
class TestEndpointMultiCompany(EndpointRecordCase):
    """The global record rule: no company, or one of the user's companies."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a = cls.env.ref("base.main_company")
        cls.company_b = cls.env["res.company"].create({"name": "Endpoint Company B"})
        cls.user_b = new_test_user(
            cls.env,
            login="endpoint_admin_b",
            groups="base.group_user,base.group_system",
            company_id=cls.company_b.id,
            company_ids=[Command.set(cls.company_b.ids)],
        )
        cls.endpoint_a = cls._create_endpoint(
            sync=False, route="/test/company-a", company_id=cls.company_a.id
        )
        cls.endpoint_b = cls._create_endpoint(
            sync=False, route="/test/company-b", company_id=cls.company_b.id
        )
        cls.endpoint_shared = cls._create_endpoint(sync=False, route="/test/shared")

    def test_user_of_company_b_sees_shared_and_own_endpoints_only(self):
        found = (
            self.env["endpoint.endpoint"]
            .with_user(self.user_b)
            .search([("route", "like", "/test/")])
        )
        self.assertIn(self.endpoint_b, found)
        self.assertIn(self.endpoint_shared, found)
        self.assertNotIn(self.endpoint_a, found)

    def test_user_of_company_b_cannot_read_an_endpoint_of_company_a(self):
        with self.assertRaises(AccessError):
            self.endpoint_a.with_user(self.user_b).read(["name"])

    def test_user_of_company_b_cannot_write_an_endpoint_of_company_a(self):
        with self.assertRaises(AccessError):
            self.endpoint_a.with_user(self.user_b).write({"name": "Taken"})

    def test_user_of_company_b_can_edit_a_shared_endpoint(self):
        self.endpoint_shared.with_user(self.user_b).write({"name": "Edited by B"})
        self.assertEqual(self.endpoint_shared.name, "Edited by B")

    def test_user_of_both_companies_sees_all(self):
        self.user_b.company_ids = [Command.link(self.company_a.id)]
        found = (
            self.env["endpoint.endpoint"]
            .with_user(self.user_b)
            .with_context(allowed_company_ids=[self.company_b.id, self.company_a.id])
            .search([("route", "like", "/test/")])
        )
        self.assertIn(self.endpoint_a, found)
        self.assertIn(self.endpoint_b, found)
        self.assertIn(self.endpoint_shared, found)
