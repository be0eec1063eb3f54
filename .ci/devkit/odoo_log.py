"""Reading Odoo's log: test counts, skips, and the problems that matter."""

import re

LOG_LINE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} \d+ (?P<level>[A-Z]+) (?P<db>\S+) "
    r"(?P<logger>\S+?): (?P<msg>.*)$"
)
TEST_SUMMARY = re.compile(
    r"(?P<failed>\d+) failed, (?P<errors>\d+) error\(s\) of (?P<run>\d+) tests "
    r"when loading database"
)


class OdooLog:
    """Reads an Odoo log: test counts, skips, errors and warnings that matter."""

    NOISE = (
        "At least one test failed when loading the modules.",
        "when loading database",
    )

    def __init__(self, lines):
        self.lines = lines
        self.summary = None
        self.skipped = 0
        self.test_failures = []  # "FAIL: ..." / "ERROR: ..." records
        # Problems logged by Odoo or the addon, not by the test cases. A clean
        # install logs no error and no warning. Tests mute the errors they
        # provoke on purpose (odoo.tools.mute_logger), as Odoo's CI demands;
        # warnings logged while tests run are listed, not counted.
        self.errors = []
        self.install_warnings = []
        self.test_warnings = []
        self._read()

    @staticmethod
    def is_test_logger(logger):
        return (
            logger.startswith("odoo.tests")
            or ".tests." in logger
            or logger.endswith(".tests")
        )

    def _read(self):
        tests_started = False
        for line in self.lines:
            m = LOG_LINE.match(line)
            if not m:
                continue
            level, logger, msg = m["level"], m["logger"], m["msg"]
            if self.is_test_logger(logger):
                tests_started = tests_started or msg.startswith("Starting ")
                summary = TEST_SUMMARY.search(msg)
                if summary:
                    self.summary = {k: int(v) for k, v in summary.groupdict().items()}
                elif level == "INFO" and msg.startswith("skipped "):
                    self.skipped += 1
                elif level != "WARNING" and msg.startswith(("FAIL:", "ERROR:")):
                    self.test_failures.append(msg)
                continue
            if level not in ("WARNING", "ERROR", "CRITICAL"):
                continue
            if any(n in msg for n in self.NOISE) or re.match(
                r"Module \S+: \d+ failures?", msg
            ):
                continue
            if level in ("ERROR", "CRITICAL"):
                self.errors.append(line)
            elif tests_started:
                self.test_warnings.append(line)
            else:
                self.install_warnings.append(line)


def show_odoo_line(verbose):
    """Filter for Odoo's output: problems with their tracebacks, and test progress."""
    state = {"keep": False}

    def show(line):
        if verbose:
            return True
        m = LOG_LINE.match(line)
        if not m:
            return state["keep"]  # continuation line (traceback) of the last record
        logger, msg = m["logger"], m["msg"]
        keep = (
            m["level"] in ("WARNING", "ERROR", "CRITICAL")
            or (
                OdooLog.is_test_logger(logger)
                and msg.startswith(("Starting ", "skipped "))
            )
            or logger in ("odoo.tests.stats", "odoo.tests.result")
            or re.match(r"(loading \d+ modules|Modules loaded|\d+ post-tests)", msg)
            is not None
        )
        state["keep"] = keep
        return keep

    return show
