# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Export as module data: the files written, the download, and the round trip
(the exported module installed in a new database answers as the originals,
and an upgrade renaming a route leaves no moment without it)."""

import ast
import base64
import io
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import requests
from lxml import etree

from odoo import sql_db
from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged
from odoo.tools import SQL, config, file_open
from odoo.tools.convert import convert_xml_import

from ..tools import module_export
from .common import EndpointHttpCase, EndpointTransactionCase

DEMO_XML_IDS = (
    "endpoint.endpoint_demo_hello",
    "endpoint.endpoint_demo_json",
    "endpoint.endpoint_demo_echo",
    "endpoint.endpoint_demo_contact",
    "endpoint.endpoint_demo_order",
    "endpoint.endpoint_demo_whoami",
)


def manifest_entries(text):
    """The manifest lines of an export, read as the dict entries they are."""
    return ast.literal_eval("{\n" + text + "}")


class ExportCase(EndpointTransactionCase):
    def _files(self, endpoints, module="my_endpoints"):
        return endpoints._export_module_files(module)

    def _records(self, files):
        root = etree.fromstring(files[module_export.DATA_FILE].encode())
        return {rec.get("id"): rec for rec in root.iter("record")}

    def _field(self, record, name):
        found = record.findall(f"field[@name='{name}']")
        return found[0] if found else None


@tagged("post_install", "-at_install")
class TestEndpointExportFiles(ExportCase):
    """What the export writes: ids from routes, values, schema files, refs."""

    def test_ids_derive_from_the_routes_and_are_stable(self):
        first = self._create_endpoint(route="/shop/orders/<int:order_id>")
        second = self._create_endpoint(route="/shop/orders-x")
        third = self._create_endpoint(route="/shop/orders_x")
        endpoints = first | second | third
        files = self._files(endpoints)
        self.assertEqual(
            sorted(self._records(files)),
            [
                "endpoint_shop_orders_order_id",
                "endpoint_shop_orders_x",
                "endpoint_shop_orders_x_2",
            ],
        )
        # The same records give the same files, whatever their order.
        self.assertEqual(self._files(third | first | second), files)

    def test_values_are_written_as_module_data_reads_them(self):
        user = self.env.ref("base.user_admin")
        endpoint = self._create_endpoint(
            route="/shop/ping",
            request_method="POST",
            request_content_type="application/json",
            auth_type="public",
            exec_as_user_id=user.id,
            cors="",
            code_snippet="result = {'payload': 'a < b & c'}",
        )
        record = self._records(self._files(endpoint))["endpoint_shop_ping"]
        # Selections as values, not labels.
        self.assertEqual(self._field(record, "request_method").text, "POST")
        self.assertEqual(self._field(record, "auth_type").text, "public")
        self.assertEqual(self._field(record, "exec_mode").text, "code")
        self.assertEqual(
            self._field(record, "request_content_type").text, "application/json"
        )
        self.assertEqual(
            self._field(record, "code_snippet").text, endpoint.code_snippet
        )
        self.assertEqual(
            self._field(record, "exec_as_user_id").get("ref"), user_ref(user)
        )
        # Off its default ("*"): written, as False.
        self.assertEqual(self._field(record, "cors").get("eval"), "False")
        # Published when the module is installed or upgraded.
        self.assertEqual(self._field(record, "registry_sync").get("eval"), "True")
        # Bookkeeping, and values at their default, stay out.
        for name in (
            "create_date",
            "write_uid",
            "endpoint_hash",
            "id",
            "request_max_body_size",
            "csrf",
        ):
            self.assertIsNone(self._field(record, name), name)
        endpoint.write({"request_max_body_size": 2048, "csrf": True})
        record = self._records(self._files(endpoint))["endpoint_shop_ping"]
        limit = self._field(record, "request_max_body_size")
        self.assertEqual(limit.get("eval"), "2048")
        self.assertEqual(self._field(record, "csrf").get("eval"), "True")

    def test_schemas_go_to_files_named_after_the_route(self):
        order = self.env.ref("endpoint.endpoint_demo_order")
        contact = self.env.ref("endpoint.endpoint_demo_contact")
        files = self._files(order | contact, module="shop_api")
        records = self._records(files)
        xsd = self._field(records["endpoint_demo_order"], "request_content_schema")
        self.assertEqual(xsd.get("file"), "shop_api/data/schemas/demo_order.xsd")
        self.assertEqual(xsd.get("type"), "char")
        self.assertIsNone(xsd.text)
        self.assertEqual(
            files["data/schemas/demo_order.xsd"], order.request_content_schema
        )
        self.assertEqual(
            files["data/schemas/demo_contact.yaml"], contact.request_content_schema
        )
        response = self._field(records["endpoint_demo_contact"], "response_schema")
        self.assertEqual(
            response.get("file"), "shop_api/data/schemas/demo_contact.response.yaml"
        )
        self.assertEqual(
            files["data/schemas/demo_contact.response.yaml"], contact.response_schema
        )

    def test_a_json_schema_in_json_gets_a_json_file(self):
        endpoint = self._create_endpoint(
            route="/shop/json",
            request_method="POST",
            request_content_type="application/json",
            request_content_schema='{"type": "object"}',
        )
        self.assertIn("data/schemas/shop_json.json", self._files(endpoint))

    def test_a_user_without_xml_id_is_a_note_not_a_reference(self):
        user = new_test_user(self.env, login="export_no_xmlid", name="No XML id")
        endpoint = self._create_endpoint(
            route="/shop/anon", auth_type="public", exec_as_user_id=user.id
        )
        files = self._files(endpoint)
        record = self._records(files)["endpoint_shop_anon"]
        self.assertIsNone(self._field(record, "exec_as_user_id"))
        xml = files[module_export.DATA_FILE]
        self.assertIn(f"No XML id (id {user.id}) has no XML id", xml)
        self.assertIn("/shop/anon", files[module_export.MANIFEST_LINES])

    def test_manifest_lines_name_the_files_and_the_dependencies(self):
        files = self._files(self.env.ref("endpoint.endpoint_demo_hello"))
        entries = manifest_entries(files[module_export.MANIFEST_LINES])
        # base.user_demo comes from base, which endpoint depends on already.
        self.assertEqual(entries["depends"], ["endpoint"])
        self.assertEqual(entries["data"], ["data/endpoints.xml"])

    def test_the_exported_xml_loads_and_publishes(self):
        endpoint = self._create_endpoint(
            route="/shop/loaded", code_snippet="result = {'payload': 1}"
        )
        xml = self._files(endpoint)[module_export.DATA_FILE]
        endpoint.unlink()
        data = io.BytesIO(xml.encode())
        data.name = "endpoints.xml"
        convert_xml_import(self.env, "endpoint", data)
        loaded = self.env.ref("endpoint.endpoint_shop_loaded")
        self.assertRecordValues(
            loaded,
            [
                {
                    "route": "/shop/loaded",
                    "code_snippet": "result = {'payload': 1}",
                    "registry_sync": True,
                }
            ],
        )
        self.assertEqual(self._route_row(loaded), "/shop/loaded")

    def _route_row(self, endpoint):
        self.env.cr.execute(
            "SELECT route FROM endpoint_route WHERE key = %s",
            [f"{endpoint._name}:{endpoint.id}"],
        )
        row = self.env.cr.fetchone()
        return row and row[0]


def user_ref(user):
    return user.get_external_id()[user.id]


@tagged("post_install", "-at_install")
class TestEndpointExportDialog(ExportCase):
    """The dialog: a preview of the files, a clear refusal of a bad name."""

    def _wizard(self, endpoints, **vals):
        action = endpoints.action_export_module_data()
        self.assertEqual(action["res_model"], "endpoint.export")
        return (
            self.env["endpoint.export"].with_context(**action["context"]).create(vals)
        )

    def test_the_server_action_opens_the_dialog_on_the_selection(self):
        endpoints = self.env.ref("endpoint.endpoint_demo_hello") | self.env.ref(
            "endpoint.endpoint_demo_json"
        )
        action = self.env.ref("endpoint.server_action_export_module_data")
        self.assertEqual(action.binding_model_id.model, "endpoint.endpoint")
        result = action.with_context(
            active_model="endpoint.endpoint",
            active_id=endpoints[0].id,
            active_ids=endpoints.ids,
        ).run()
        self.assertEqual(result["res_model"], "endpoint.export")
        self.assertEqual(result["target"], "new")
        wizard = (
            self.env["endpoint.export"].with_context(**result["context"]).create({})
        )
        self.assertEqual(wizard.endpoint_count, 2)
        self.assertIn('id="endpoint_demo_hello"', wizard.data_xml)
        self.assertIn('"data/endpoints.xml"', wizard.manifest_lines)

    def test_a_bad_module_name_is_refused_clearly(self):
        wizard = self._wizard(
            self.env.ref("endpoint.endpoint_demo_hello"), module_name="My Module"
        )
        self.assertFalse(wizard.data_xml)
        with self.assertRaisesRegex(UserError, "technical name"):
            wizard.action_download()
        self.assertFalse(wizard.file_data)

    def test_no_endpoint_left_is_refused_clearly(self):
        endpoint = self._create_endpoint(route="/shop/gone")
        wizard = self._wizard(endpoint)
        endpoint.unlink()
        with self.assertRaisesRegex(UserError, "Select the endpoints"):
            wizard.action_download()


@tagged("post_install", "-at_install")
class TestEndpointExportDownload(EndpointHttpCase):
    """The dialog's button downloads a zip holding the module's files."""

    def test_download_returns_the_zip(self):
        endpoints = self.env.ref("endpoint.endpoint_demo_order") | self.env.ref(
            "endpoint.endpoint_demo_hello"
        )
        action = endpoints.action_export_module_data()
        wizard = (
            self.env["endpoint.export"]
            .with_context(**action["context"])
            .create({"module_name": "shop_api"})
        )
        download = wizard.action_download()
        self.assertEqual(download["type"], "ir.actions.act_url")
        self.authenticate("admin", "admin")
        response = self.url_open(download["url"])
        self.assertEqual(response.status_code, 200)
        self.assertIn("shop_api_endpoints.zip", response.headers["Content-Disposition"])
        archive = zipfile.ZipFile(io.BytesIO(response.content))
        self.assertEqual(
            sorted(archive.namelist()),
            [
                "shop_api/MANIFEST_LINES.txt",
                "shop_api/data/endpoints.xml",
                "shop_api/data/schemas/demo_order.xsd",
            ],
        )
        xml = archive.read("shop_api/data/endpoints.xml").decode()
        self.assertIn('<record id="endpoint_demo_hello"', xml)
        self.assertIn('file="shop_api/data/schemas/demo_order.xsd"', xml)
        # Not for anyone else to download.
        self.opener.cookies.clear()
        self.assertNotEqual(self.url_open(download["url"]).status_code, 200)


@tagged("post_install", "-at_install")
class TestEndpointExportUi(EndpointHttpCase):
    """In a real browser: select endpoints, export them, get the zip."""

    def test_export_two_endpoints_from_the_list(self):
        self.start_tour(
            "/odoo/action-endpoint.endpoint_endpoint_act_window",
            "endpoint_tour_export_module_data",
            login="admin",
        )
        wizard = self.env["endpoint.export"].search([], order="id desc", limit=1)
        self.assertEqual(wizard.module_name, "shop_api")
        self.assertEqual(wizard.file_name, "shop_api_endpoints.zip")
        archive = zipfile.ZipFile(io.BytesIO(base64.b64decode(wizard.file_data)))
        self.assertEqual(
            sorted(archive.namelist()),
            [
                "shop_api/MANIFEST_LINES.txt",
                "shop_api/data/endpoints.xml",
                "shop_api/data/schemas/demo_order.xsd",
            ],
        )


def demo_body(name):
    with file_open(f"endpoint/demo/{name}", "rb") as fh:
        return fh.read()


# The calls compared, as an HTTP client without a session makes them.
ROUND_TRIP_CALLS = (
    ("GET", "/demo/hello", None, None),
    ("GET", "/demo/json", None, None),
    ("GET", "/demo/echo?name=Ada", None, None),
    ("GET", "/demo/echo", None, None),
    ("POST", "/demo/contact", "contact.json", "application/json"),
    ("POST", "/demo/contact", b'{"name": ""}', "application/json"),
    ("POST", "/demo/order", "order.xml", "application/xml"),
    ("POST", "/demo/order", b"<order/>", "application/xml"),
    ("PUT", "/demo/hello", None, None),
    ("GET", "/demo/whoami", None, None),
)
ROUND_TRIP_MODULE = "endpoint_export_round_trip"
# A module loaded after it, as others are in a real upgrade, whose loading
# takes a while: the upgrade's end (the registry reload every worker waits
# for) comes seconds after the exported module's own commit.
LATER_MODULE = "endpoint_export_round_trip_later"
LATER_INIT = """import os
import time

if os.environ.get("ENDPOINT_TEST_SLOW_LOAD"):
    time.sleep(3)
"""
# Installing base, web and endpoint in a new database takes a while on a
# busy machine.
INSTALL_TIMEOUT = 600


@tagged("post_install", "-at_install")
class TestEndpointExportRoundTrip(EndpointHttpCase):
    """Export the demo endpoints, install the result as a module in a new
    database served by another Odoo, call both: the same answers. Then
    rename a route in the module and upgrade it while that Odoo serves."""

    def _calls(self, call):
        answers = []
        for method, path, body, content_type in ROUND_TRIP_CALLS:
            if isinstance(body, str):
                body = demo_body(body)
            headers = {"Content-Type": content_type} if content_type else {}
            response = call(method, path, body, headers)
            answers.append(
                (
                    f"{method} {path}",
                    response.status_code,
                    response.headers.get("Content-Type"),
                    response.content,
                )
            )
        return answers

    def _local_call(self, method, path, body, headers):
        self.opener.cookies.clear()
        return self.url_open(
            path, data=body, headers=headers, method=method, allow_redirects=False
        )

    def test_exported_module_answers_as_the_originals_and_upgrades(self):
        endpoints = self.env["endpoint.endpoint"]
        for xml_id in DEMO_XML_IDS:
            endpoints |= self.env.ref(xml_id)
        # The demo user comes with demo data, which the new database has
        # not: run as the administrator, on both sides.
        admin = self.env.ref("base.user_admin")
        public = endpoints.filtered(lambda e: e.exec_as_user_id)
        public.write({"exec_as_user_id": admin.id, "registry_sync": True})
        # /demo/json answers the company's name: the demo data renames it.
        self.env.ref("base.main_company").name = "My Company"
        expected = self._calls(self._local_call)
        self.assertEqual(expected[0][1], 200, expected[0])

        archive = endpoints._export_module_zip(ROUND_TRIP_MODULE)
        tmp = Path(tempfile.mkdtemp(prefix="endpoint-export-"))
        self.addCleanup(shutil.rmtree, tmp, True)
        addons = tmp / "addons"
        zipfile.ZipFile(io.BytesIO(archive)).extractall(addons)
        module = addons / ROUND_TRIP_MODULE
        entries = manifest_entries((module / module_export.MANIFEST_LINES).read_text())
        manifest = {
            "name": "Exported endpoints",
            "version": "19.0.1.0.0",
            "license": "LGPL-3",
            "author": "Tests",
            **entries,
        }
        (module / "__manifest__.py").write_text(repr(manifest))
        (module / "__init__.py").write_text("")
        later = addons / LATER_MODULE
        later.mkdir()
        (later / "__init__.py").write_text(LATER_INIT)
        later_manifest = {**manifest, "depends": [ROUND_TRIP_MODULE], "data": []}
        (later / "__manifest__.py").write_text(repr(later_manifest))

        db = f"{self.env.cr.dbname}_export_{os.getpid()}"
        self.addCleanup(drop_database, db)
        port = free_port()
        server = self._serve(tmp, addons, db, port)
        base = f"http://127.0.0.1:{port}"

        def remote_call(method, path, body, headers):
            return requests.request(
                method,
                base + path,
                data=body,
                headers=headers,
                allow_redirects=False,
                timeout=60,
            )

        self._wait_installed(server, base, tmp / "odoo.log")
        got = self._calls(remote_call)
        for want, have in zip(expected, got, strict=True):
            self.assertEqual(have, want, want[0])

        # Then the module's author renames a route and upgrades the module
        # while the server answers: the new route answers from the module's
        # commit on, and no call to it is refused once the old one is gone.
        data = module / module_export.DATA_FILE
        data.write_text(data.read_text().replace(">/demo/hello<", ">/demo/hi<"))
        with (
            RoutePoller(base, "/demo/hello") as old,
            RoutePoller(base, "/demo/hi") as new,
        ):
            log = tmp / "upgrade.log"
            modules = f"{ROUND_TRIP_MODULE},{LATER_MODULE}"
            upgrade = subprocess.run(
                self._odoo_cmd(tmp, addons, db, "--update", modules)
                + ["--stop-after-init", "--http-port", str(free_port())]
                + ["--logfile", str(log)],
                env=dict(self._odoo_env(), ENDPOINT_TEST_SLOW_LOAD="1"),
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=INSTALL_TIMEOUT,
                check=False,
            )
            self.assertEqual(upgrade.returncode, 0, tail(log))
            new.wait_for(200)
        gone = old.first_since(lambda status: status == 404)
        self.assertIsNotNone(gone, "the old route still answers after the upgrade")
        refused = [e for e in new.events if e[0] >= gone[1] and e[2] != 200]
        self.assertFalse(refused, "the new route refused calls after the old went")
        # From the module's commit, not from the end of the upgrade: a call
        # was answered before the upgrade told workers to reload.
        answered = new.first_since(lambda status: status == 200)
        reloaded = log_moment(log, "Registry changed, signaling")
        self.assertLess(answered[1], reloaded, tail(log))

    def _odoo_cmd(self, tmp, addons, db, *extra):
        conf = tmp / "odoo.conf"
        if not conf.exists():
            conf.write_text("[options]\n")
        cmd = [
            sys.executable, "-m", "odoo",
            "--config", str(conf),
            "--addons-path", ",".join([str(addons), *config["addons_path"]]),
            "--data-dir", str(tmp / "data"),
            "--database", db, "--db-filter", f"^{db}$",
            "--http-interface", "127.0.0.1",
            "--workers", "0", "--max-cron-threads", "0",
            *extra,
        ]  # fmt: skip
        for option in ("db_host", "db_port", "db_user", "db_password"):
            if config.get(option):
                cmd += [f"--{option}", str(config[option])]
        return cmd

    def _odoo_env(self):
        return dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))

    def _serve(self, tmp, addons, db, port):
        cmd = self._odoo_cmd(
            tmp, addons, db,
            "--init", f"{ROUND_TRIP_MODULE},{LATER_MODULE}",
            "--http-port", str(port),
            "--logfile", str(tmp / "odoo.log"),
        )  # fmt: skip
        server = subprocess.Popen(
            cmd,
            env=self._odoo_env(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

        def stop():
            server.terminate()
            try:
                server.wait(60)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()

        self.addCleanup(stop)
        return server

    def _wait_installed(self, server, base, log):
        deadline = time.monotonic() + INSTALL_TIMEOUT
        while time.monotonic() < deadline:
            if server.poll() is not None:
                self.fail(f"Odoo exited with {server.returncode}: {tail(log)}")
            try:
                status = requests.get(base + "/demo/hello", timeout=10).status_code
            except requests.RequestException:
                status = None  # not listening yet
            if status == 200:
                return
            time.sleep(1)
        self.fail(f"the exported module did not serve /demo/hello in time: {tail(log)}")


class RoutePoller:
    """A thread calling a route back to back; keeps (sent, done, status)."""

    def __init__(self, base, path):
        self.url = base + path
        self.events = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self):
        while not self.stopping.is_set():
            sent = time.time()
            try:
                status = requests.get(self.url, timeout=30).status_code
            except requests.RequestException:
                status = None
            self.events.append((sent, time.time(), status))

    def first_since(self, accept, since=0):
        return next((e for e in self.events if e[0] >= since and accept(e[2])), None)

    def wait_for(self, status, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.first_since(lambda got: got == status):
                return
            time.sleep(0.1)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        self.thread.join(60)


LOG_STAMP = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) ")


def log_moment(log, pattern):
    """When Odoo wrote the first line of ``log`` matching ``pattern`` (UTC)."""
    for line in log.read_text(errors="replace").splitlines():
        stamp = LOG_STAMP.match(line)
        if stamp and re.search(pattern, line):
            moment = datetime.strptime(stamp[1], "%Y-%m-%d %H:%M:%S,%f")
            return moment.replace(tzinfo=UTC).timestamp()
    return None


def drop_database(name):
    """Drop the database ``name`` made by the test, once its server stopped."""
    with closing(sql_db.db_connect("postgres").cursor()) as cr:
        cr._cnx.autocommit = True
        cr.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()",
            [name],
        )
        cr.execute(SQL("DROP DATABASE IF EXISTS %s", SQL.identifier(name)))


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def tail(log, lines=15):
    if not log.exists():
        return "no log"
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
