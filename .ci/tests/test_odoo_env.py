"""The private env: what pip's output is read as, and the one-line errors."""

import pytest
from devkit import odoo_env


def collected(line):
    m = odoo_env.COLLECTING.match(line)
    return m and (m[1] or m[2])


@pytest.mark.parametrize(
    ("line", "name"),
    [
        ("Collecting Jinja2==3.1.2 (from -r requirements.txt (line 30))", "Jinja2"),
        ("Collecting odoo-addon-rpc_helper==19.0.*", "odoo-addon-rpc_helper"),
        ("Collecting zope.interface", "zope.interface"),
        ("Requirement already satisfied: lxml in ./venv/lib", "lxml"),
        ("Processing /opt/files/asn1crypto-1.5.1-py2.py3-none-any.whl (from -r x)",
         "asn1crypto"),
        ("  Downloading Jinja2-3.1.2-py3-none-any.whl (133 kB)", None),
    ],
)  # fmt: skip
def test_requirement_lines(line, name):
    assert collected(line) == name


def test_requirement_names_are_compared_canonically():
    assert odoo_env.canonical("Odoo_Addon.RPC-helper") == "odoo-addon-rpc-helper"


class TestPipFailures:
    def test_build_needing_a_debian_package_prints_the_apt_line(self):
        lines = [
            "Collecting psycopg2==2.9.5",
            "  Building wheel for psycopg2 (setup.py): started",
            "  Error: pg_config executable not found.",
            "  error: subprocess-exited-with-error",
            "Failed to build psycopg2",
        ]
        err = odoo_env._pip_failure(lines, "requirements 2/3")
        assert "apt-get install -y libpq-dev" in str(err)
        assert "psycopg2" in str(err)

    def test_build_failure_found_before_the_failed_to_build_line(self):
        lines = [
            "Collecting python-ldap==3.4.0",
            "  Getting requirements to build wheel: started",
            "  error: subprocess-exited-with-error",
        ]
        err = str(odoo_env._pip_failure(lines, "requirements 2/3"))
        assert "apt-get install -y libldap2-dev libsasl2-dev" in err

    def test_unknown_build_says_where_the_log_is(self):
        err = str(odoo_env._pip_failure(["Failed to build mystery"], "x"))
        assert "could not build mystery" in err and "env-pip.log" in err

    def test_no_index_says_network(self):
        lines = ["ERROR: No matching distribution found for Babel==2.10.3"]
        assert "could not reach the package index" in str(
            odoo_env._pip_failure(lines, "requirements 2/3")
        )

    def test_full_disk(self):
        lines = [
            "ERROR: Could not install packages: [Errno 28] No space left on device"
        ]
        assert "no space left on the disk" in str(odoo_env._pip_failure(lines, "x"))
