#!/usr/bin/env python3
"""Write an addon's README.rst from its readme/ fragments and its manifest.

    python3 .ci/addon_readme.py endpoint           # (re)write endpoint/README.rst
    python3 .ci/addon_readme.py --check endpoint   # fail if it is not up to date

The fragments are Markdown files in ``<addon>/readme/`` (DESCRIPTION.md,
USAGE.md, ...); pandoc, from the PyPI package pypandoc_binary, turns each one
into reStructuredText, one heading level below the section it lands in.
pre-commit runs this script (see .pre-commit-config.yaml), so edit the
fragments, never README.rst itself.
"""

import argparse
import ast
import re
import sys
from pathlib import Path

# fragment file, section title; in the order they appear
SECTIONS = (
    ("INSTALL", "Installation"),
    ("CONFIGURE", "Configuration"),
    ("USAGE", "Usage"),
    ("SECURITY", "Security"),
    ("ROADMAP", "Known issues / Roadmap"),
    ("HISTORY", "Changelog"),
)
CREDITS = (("CONTRIBUTORS", "Contributors"), ("CREDITS", "Other credits"))
KNOWN = {"DESCRIPTION", "CONTEXT"} | {n for n, _ in SECTIONS + CREDITS}


def heading(title, char, over=False):
    line = char * len(title)
    return f"{line}\n{title}\n{line}\n" if over else f"{title}\n{line}\n"


def top_heading_level(markdown):
    """Level of the biggest Markdown heading outside code blocks, or None."""
    levels, fenced = [], False
    for line in markdown.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        elif not fenced and re.match(r"#{1,6} ", line):
            levels.append(len(line.split(" ", 1)[0]))
    return min(levels, default=None)


def to_rst(markdown, level):
    """Markdown to reStructuredText, its biggest headings at ``level``."""
    import pypandoc

    top = top_heading_level(markdown)
    shift = level - top if top else 0
    rst = pypandoc.convert_text(
        markdown,
        "rst",
        format="gfm",
        extra_args=[f"--shift-heading-level-by={shift}", "--wrap=preserve"],
    )
    return rst.strip() + "\n"


def build(addon_dir):
    manifest = ast.literal_eval((addon_dir / "__manifest__.py").read_text("utf-8"))
    readme = addon_dir / "readme"
    fragments = {}
    for path in sorted(readme.glob("*.md")):
        if path.stem not in KNOWN:
            print(f"{path}: not a known fragment name, left out", file=sys.stderr)
            continue
        text = path.read_text(encoding="utf-8").strip()
        # Fragments link the addon's files from readme/; README.rst sits one
        # folder up.
        text = text.replace("](../", "](")
        if text:
            fragments[path.stem] = text

    name = manifest.get("name", addon_dir.name)
    out = [
        ".. This file is written by .ci/addon_readme.py from readme/*.md and",
        "   __manifest__.py: edit those, then run pre-commit.",
        "",
        heading(name, "=", over=True),
    ]
    if manifest.get("summary"):
        out += [f"*{manifest['summary']}*", ""]
    status = manifest.get("development_status")
    facts = [f"Odoo {manifest.get('version', '?')[:4]}", manifest.get("license", "")]
    if status:
        facts.append(f"status: {status}")
    out += [" | ".join(f for f in facts if f), ""]
    for key in ("CONTEXT", "DESCRIPTION"):
        if key in fragments:
            out += [to_rst(fragments[key], 2)]
    out += ["**Table of contents**", "", ".. contents::", "   :local:", ""]
    for key, title in SECTIONS:
        if key in fragments:
            out += [heading(title, "="), to_rst(fragments[key], 2)]
    out += [heading("Credits", "=")]
    authors = [a.strip() for a in manifest.get("author", "").split(",") if a.strip()]
    if authors:
        out += [heading("Authors", "-")] + [f"* {a}" for a in authors] + [""]
    for key, title in CREDITS:
        if key in fragments:
            out += [heading(title, "-"), to_rst(fragments[key], 3)]
    maintainers = manifest.get("maintainers") or []
    if maintainers:
        out += [heading("Maintainers", "-")]
        out += [f"* `{m} <https://github.com/{m}>`_" for m in maintainers] + [""]
    return "\n".join(out).rstrip() + "\n"


def to_html(rst):
    """static/description/index.html, the page Odoo's Apps screen shows."""
    import docutils.core

    rst = rst.replace("image:: static/description/", "image:: ")
    return docutils.core.publish_string(
        rst,
        writer_name="html5",
        settings_overrides={
            "report_level": 4,
            "embed_stylesheet": False,
            "stylesheet_path": "",
            "_disable_config": True,
        },
    ).decode("utf-8")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="change nothing")
    parser.add_argument("addons", nargs="+", type=Path)
    args = parser.parse_args(argv)
    stale = []
    for addon_dir in args.addons:
        if not (addon_dir / "readme").is_dir():
            continue
        readme = build(addon_dir)
        outputs = {
            addon_dir / "README.rst": readme,
            addon_dir / "static" / "description" / "index.html": to_html(readme),
        }
        for target, text in outputs.items():
            old = target.read_text(encoding="utf-8") if target.exists() else None
            if text == old:
                continue
            stale.append(target)
            if not args.check:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text, encoding="utf-8")
                print(f"wrote {target}")
    if stale and args.check:
        for target in stale:
            print(f"{target} is not up to date with readme/: run pre-commit")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
