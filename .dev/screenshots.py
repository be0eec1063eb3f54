#!/usr/bin/env python3
"""Take the README screenshots of the Endpoints list and form.

    python3 .dev/screenshots.py [--db NAME] [--port 8069] [-- ODOO OPTIONS...]

Creates a new database with the addon and its demo data, starts Odoo on
127.0.0.1, logs in as admin in headless Chromium (driven over the Chrome
DevTools Protocol) and writes:

    endpoint/static/description/endpoint_list.png
    endpoint/static/description/endpoint_form.png
    endpoint/static/description/endpoint_export.png
    endpoint/static/description/endpoint_limits.png

Options after ``--`` go to every Odoo command, e.g. the database connection:
``-- --db_host 127.0.0.1 --db_user odoo``. Odoo 19 comes as for
``.ci/dev.py`` (this Python's, ``ODOO_SRC``, or the private env that
``.ci/dev.py test`` sets up, with ``websocket-client``). The database must
not exist yet (``--recreate`` replaces it); it is dropped afterwards unless
``--keep-db``.
"""

import argparse
import base64
import contextlib
import itertools
import json
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / ".ci"))

from devkit import REPO
from devkit.odoo_env import ensure_odoo
from devkit.output import Abort, step
from devkit.procs import port_in_use
from devkit.suites import BROWSERS, find_browser

OUTPUT = REPO / "endpoint" / "static" / "description"
ACTION = "/odoo/action-endpoint.endpoint_endpoint_act_window"
# Developer mode, as the README says: the navbar shows Settings > Technical.
DEBUG = "?debug=1"
# The demo endpoint shown in the form: a GET one, so that the Code tab opens.
FORM_RECORD = "endpoint.endpoint_demo_json"
LIMITS_RECORD = "endpoint.endpoint_demo_limited"
VIEWPORT = {"width": 1280, "height": 860}
WAIT_SECONDS = 60


def wait_until(predicate, what, timeout=WAIT_SECONDS):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise Abort(f"gave up waiting for {what} after {timeout}s")


# --------------------------------------------------------------------------
# Odoo
# --------------------------------------------------------------------------


ODOO = []  # the argv prefix running Odoo, set by main()


def odoo_cmd(*args):
    # Odoo adds its own addons folders to this path.
    return [*ODOO, f"--addons-path={REPO}", *args]


def prepare_database(db, extra, recreate):
    step(f"new database {db} with the endpoint demo data")
    init = ["db", *extra, "init", db, "--with-demo"]
    if recreate:
        init.append("--force")
    if subprocess.run(odoo_cmd(*init), check=False).returncode:
        raise Abort(
            f"could not create database {db} (it may exist already: "
            "pick another with --db, or pass --recreate to replace it)"
        )
    subprocess.run(
        odoo_cmd(
            "-d",
            db,
            *extra,
            "-i",
            "endpoint",
            "--with-demo",
            "--stop-after-init",
            "--http-interface=127.0.0.1",
            "--log-level=warn",
        ),
        check=True,
    )


def drop_database(db, extra):
    subprocess.run(odoo_cmd("db", *extra, "drop", db), check=False)


@contextlib.contextmanager
def odoo_server(db, port, extra):
    cmd = odoo_cmd(
        "-d",
        db,
        *extra,
        f"--db-filter=^{db}$",
        "--http-interface=127.0.0.1",
        f"--http-port={port}",
        "--log-level=warn",
        "--max-cron-threads=0",
    )
    step(f"starting Odoo on http://127.0.0.1:{port}")
    proc = subprocess.Popen(cmd)
    try:

        def healthy():
            if proc.poll() is not None:
                raise Abort(f"Odoo exited with status {proc.returncode}")
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/web/health", timeout=2
                ) as resp:
                    return resp.status == 200
            except OSError:
                return False

        wait_until(healthy, "Odoo to answer /web/health")
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# --------------------------------------------------------------------------
# Chromium over the DevTools Protocol
# --------------------------------------------------------------------------


class Browser:
    """Just enough of the DevTools Protocol to log in and take screenshots."""

    def __init__(self, ws):
        self.ws = ws
        self.ids = itertools.count(1)

    def call(self, method, **params):
        msg_id = next(self.ids)
        self.ws.send(json.dumps({"id": msg_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") != msg_id:
                continue  # an event
            if "error" in msg:
                raise Abort(f"{method} failed: {msg['error']}")
            return msg.get("result", {})

    def evaluate(self, expression):
        result = self.call(
            "Runtime.evaluate",
            expression=expression,
            awaitPromise=True,
            returnByValue=True,
        )
        if "exceptionDetails" in result:
            raise Abort(f"JavaScript failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def goto(self, url):
        self.call("Page.navigate", url=url)

    def wait_for(self, selector):
        """Wait for ``selector``, then for the web client to be idle."""
        wait_until(
            lambda: self.evaluate(f"!!document.querySelector({json.dumps(selector)})"),
            selector,
        )
        # Let pending RPCs land and the fonts and the code editor paint.
        self.evaluate(
            "new Promise(resolve => setTimeout("
            "() => requestAnimationFrame(() => resolve(true)), 500))"
        )

    def screenshot(self, path):
        data = self.call("Page.captureScreenshot", format="png")["data"]
        path.write_bytes(base64.b64decode(data))
        step(f"wrote {path.relative_to(REPO)}")


def browser_path():
    found = find_browser()
    if not found:
        raise Abort(f"no browser found: install one of {', '.join(BROWSERS)}")
    return found


@contextlib.contextmanager
def chromium():
    try:
        import websocket
    except ImportError as exc:
        raise Abort("install the Python package websocket-client") from exc
    profile = tempfile.mkdtemp(prefix="endpoint_shots_")
    cmd = [
        browser_path(),
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-extensions",
        "--hide-scrollbars",
        "--no-first-run",
        "--remote-debugging-address=127.0.0.1",
        "--remote-debugging-port=0",
        f"--user-data-dir={profile}",
        f"--window-size={VIEWPORT['width']},{VIEWPORT['height']}",
        "about:blank",
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        port_file = Path(profile, "DevToolsActivePort")
        wait_until(
            lambda: port_file.is_file() and port_file.read_text().strip(),
            "Chromium's DevTools port",
        )
        port = int(port_file.read_text().split()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list") as resp:
            targets = json.load(resp)
        page = next(t for t in targets if t["type"] == "page")
        ws = websocket.create_connection(
            page["webSocketDebuggerUrl"], suppress_origin=True, timeout=WAIT_SECONDS
        )
        try:
            browser = Browser(ws)
            browser.call("Page.enable")
            browser.call(
                "Emulation.setDeviceMetricsOverride",
                deviceScaleFactor=1,
                mobile=False,
                **VIEWPORT,
            )
            yield browser
        finally:
            ws.close()
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(profile, ignore_errors=True)


# --------------------------------------------------------------------------
# The screenshots
# --------------------------------------------------------------------------


def log_in(browser, base_url, db):
    browser.goto(f"{base_url}/web/login?db={db}")
    browser.wait_for("form.oe_login_form input[name=password]")
    browser.evaluate(
        """(() => {
            const form = document.querySelector("form.oe_login_form");
            form.querySelector("input[name=login]").value = "admin";
            form.querySelector("input[name=password]").value = "admin";
            form.submit();
            return true;
        })()"""
    )
    browser.wait_for(".o_main_navbar")


def take_screenshots(browser, base_url, db):
    log_in(browser, base_url, db)
    OUTPUT.mkdir(parents=True, exist_ok=True)

    browser.goto(f"{base_url}{ACTION}{DEBUG}")
    browser.wait_for(".o_list_view .o_data_row")
    browser.screenshot(OUTPUT / "endpoint_list.png")

    browser.goto(f"{base_url}{ACTION}/{record_id(browser, FORM_RECORD)}{DEBUG}")
    browser.wait_for(".o_form_view .o_field_code .ace_editor .ace_line")
    browser.screenshot(OUTPUT / "endpoint_form.png")

    # The Limits tab, on the rate-limited demo endpoint.
    browser.goto(f"{base_url}{ACTION}/{record_id(browser, LIMITS_RECORD)}{DEBUG}")
    browser.wait_for(".o_form_view .o_notebook .nav-link")
    browser.evaluate(
        """[...document.querySelectorAll(".o_notebook .nav-link")]
            .find(link => link.textContent.trim() === "Limits").click()"""
    )
    browser.wait_for(".o_form_view .tab-pane.active [name=rate_limit_period]")
    browser.evaluate(
        """document.querySelector(".o_notebook").scrollIntoView({block: "start"})"""
    )
    browser.screenshot(OUTPUT / "endpoint_limits.png")

    # Export as module data, on the endpoints of the demo route group.
    browser.goto(f"{base_url}{ACTION}{DEBUG}")
    browser.wait_for(".o_list_view .o_data_row")
    browser.evaluate(
        """(() => {
            for (const row of document.querySelectorAll(".o_data_row")) {
                const text = row.innerText;
                if (text.includes("/demo/hello") || text.includes("/demo/order")) {
                    row.querySelector(".o_list_record_selector input").click();
                }
            }
            return true;
        })()"""
    )
    browser.wait_for(".o_cp_action_menus button")
    browser.evaluate(
        'document.querySelector(".o_cp_action_menus button").click() || true'
    )
    browser.wait_for(".o-dropdown--menu .o-dropdown-item")
    browser.evaluate(
        """(() => {
            const menu = ".o-dropdown--menu .o-dropdown-item";
            const items = document.querySelectorAll(menu);
            const item = [...items].find(
                el => el.innerText.trim() === "Export as module data"
            );
            item.click();
            return true;
        })()"""
    )
    browser.wait_for(".modal .o_field_code .ace_editor .ace_line")
    browser.screenshot(OUTPUT / "endpoint_export.png")


def record_id(browser, xmlid):
    """The id of the demo record ``xmlid``, read through the web client."""
    module, name = xmlid.split(".")
    found = browser.evaluate(
        f"""fetch("/web/dataset/call_kw/ir.model.data/search_read", {{
            method: "POST",
            headers: {{"Content-Type": "application/json"}},
            body: JSON.stringify({{
                jsonrpc: "2.0",
                method: "call",
                params: {{
                    model: "ir.model.data",
                    method: "search_read",
                    args: [[["module", "=", "{module}"], ["name", "=", "{name}"]]],
                    kwargs: {{fields: ["res_id"]}},
                }},
            }}),
        }}).then(resp => resp.json()).then(data => data.result[0]?.res_id)"""
    )
    if not found:
        raise Abort(f"demo record {xmlid} not found")
    return found


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="Options after -- go to Odoo, e.g. -- --db_host 127.0.0.1",
    )
    parser.add_argument("--db", default="endpoint_screenshots")
    parser.add_argument("--port", type=int, default=8069)
    parser.add_argument(
        "--recreate", action="store_true", help="replace the database if it exists"
    )
    parser.add_argument(
        "--keep-db", action="store_true", help="keep the database afterwards"
    )
    parser.add_argument("odoo_options", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    extra = tuple(args.odoo_options)
    try:
        ODOO[:] = ensure_odoo(sys.argv[1:], script=sys.argv[0]).cmd
        port = args.port
        if port_in_use(port):
            raise Abort(f"port {port} is in use: pick another with --port")
        browser_path()
        prepare_database(args.db, extra, args.recreate)
        try:
            with odoo_server(args.db, port, extra) as base_url, chromium() as browser:
                take_screenshots(browser, base_url, args.db)
        finally:
            if not args.keep_db:
                drop_database(args.db, extra)
    except (Abort, subprocess.CalledProcessError) as exc:
        print(f"screenshots: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
