"""Helpers of the repository's commands (``.ci/dev.py``, ``.bench/``, ``.dev/``).

Standard library only: the commands must be able to explain what is missing,
and set up Odoo's environment, before anything else is installed. One concern
per module: ``output`` (messages, progress, the tally), ``procs`` (processes
and ports), ``pg`` (PostgreSQL), ``odoo_source`` (getting Odoo's source),
``odoo_env`` (the Python env that runs Odoo), ``odoo_log`` (reading Odoo's
log) and ``suites`` (the parts of the test command).
"""

import os
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent.parent
ADDON = "endpoint"
ODOO_SERIES = "19.0"
DEV_DIR = Path(os.environ.get("ENDPOINT_DEV_DIR") or REPO / ".odoo-dev").resolve()
