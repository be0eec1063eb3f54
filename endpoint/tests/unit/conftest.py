"""Plain pytest tests of the addon's ORM-free helpers (no Odoo, no database).

Importing the addon package would import Odoo, so these tests reach the
addon's files through ``endpoint_addon``, a stand-in package whose folders are
the addon's folders but whose ``__init__.py`` files are never run:

    from endpoint_addon.tools import body          # endpoint/tools/body.py
    from endpoint_addon.exceptions import RequestValidationError

Relative imports between helper modules work as in the addon. A helper that
imports ``odoo`` itself is not ORM-free: test it in ``endpoint/tests/`` with
Odoo's test cases instead.

Run them with ``python3 .ci/dev.py test`` (with everything else), or alone with
``cd endpoint/tests/unit && python3 -m pytest``.
"""

import sys
import types
from pathlib import Path

ADDON_DIR = Path(__file__).resolve().parents[2]
STAND_IN = "endpoint_addon"
SKIP_DIRS = {"tests", "static", "i18n", "readme", "__pycache__"}


def _stand_in_package(name, folder):
    module = types.ModuleType(name)
    module.__path__ = [str(folder)]
    module.__file__ = None
    module.__package__ = name
    sys.modules[name] = module
    return module


def _register():
    root = _stand_in_package(STAND_IN, ADDON_DIR)
    for folder in sorted(ADDON_DIR.rglob("*")):
        rel = folder.relative_to(ADDON_DIR)
        if not folder.is_dir() or SKIP_DIRS.intersection(rel.parts):
            continue
        name = ".".join((STAND_IN, *rel.parts))
        parent = sys.modules[name.rpartition(".")[0]]
        setattr(parent, rel.parts[-1], _stand_in_package(name, folder))
    return root


_register()
