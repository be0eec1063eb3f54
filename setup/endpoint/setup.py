"""Packaging of the ``endpoint`` addon as the distribution ``odoo-addon-endpoint``.

The classic OCA layout: this folder holds ``odoo/addons/endpoint``, a symlink
to the addon, so the wheel installs it as the ``odoo.addons.endpoint`` package
that Odoo finds through its namespace. Install it with::

    python3 -m pip install ./setup/endpoint           # or -e for a live checkout
    python3 -m pip wheel --no-deps ./setup/endpoint   # just build the wheel

setuptools-odoo, the classic helper, stops at Odoo 16.0, so the metadata
(name, version with the git post-version, dependencies on Odoo and on the OCA
addons of ``depends``, external Python dependencies, classifiers) comes from
manifestoo-core, the library behind the OCA's current packaging.
"""

from pathlib import Path

from manifestoo_core.metadata import metadata_from_addon_dir
from setuptools import find_namespace_packages, setup

HERE = Path(__file__).resolve().parent
ADDON = "endpoint"
ADDON_DIR = HERE / "odoo" / "addons" / ADDON

meta = metadata_from_addon_dir(ADDON_DIR)

setup(
    name=meta["Name"],
    version=meta["Version"],
    description=meta["Summary"],
    long_description=meta.get_payload() or "",
    long_description_content_type=meta.get("Description-Content-Type", "text/x-rst"),
    url=meta.get("Home-page"),
    author=meta.get("Author"),
    author_email=meta.get("Author-email"),
    license=meta.get("License"),
    classifiers=meta.get_all("Classifier") or [],
    python_requires=meta.get("Requires-Python"),
    install_requires=meta.get_all("Requires-Dist") or [],
    packages=find_namespace_packages(
        where=str(HERE),
        include=[f"odoo.addons.{ADDON}", f"odoo.addons.{ADDON}.*"],
        exclude=["*.__pycache__"],
    ),
    # every file of the addon: views, data, static assets, translations...
    package_data={"": ["*"]},
    exclude_package_data={"": ["*.pyc"]},
    zip_safe=False,
)
