# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Compile a code snippet once, then run it for every request.

Odoo's ``safe_eval`` compiles and checks its text on every call. A snippet
runs on every request, so here it is compiled and checked once with the very
same primitives ``safe_eval`` uses (its opcode whitelist, dunder ban and
builtins), and the checked code object is run with ``safe_eval``'s builtins.
"""

import ast
import hashlib as _hashlib
import hmac as _hmac
import io
import tokenize

import werkzeug.exceptions

from odoo import exceptions as odoo_exceptions
from odoo.tools import safe_eval as _safe_eval_mod
from odoo.tools.safe_eval import (
    _BUILTINS,
    _SAFE_OPCODES,
    _UNSAFE_ATTRIBUTES,
    assert_valid_codeobj,
    check_values,
    compile_codeobj,
    wrap_module,
)

from ..exceptions import SnippetError

FILENAME = "<endpoint snippet>"

_HASH_CONSTRUCTORS = [
    name
    for name in sorted(_hashlib.algorithms_guaranteed)
    if name.startswith(("sha", "shake_", "blake2", "md5"))
] + ["new"]

# The modules a snippet sees, each limited to what an endpoint needs.
SAFE_MODULES = {
    "datetime": _safe_eval_mod.datetime,
    "dateutil": _safe_eval_mod.dateutil,
    "time": _safe_eval_mod.time,
    "json": _safe_eval_mod.json,
    "werkzeug": wrap_module(
        werkzeug, {"exceptions": ["NotFound", "BadRequest", "Unauthorized"]}
    ),
    "exceptions": wrap_module(odoo_exceptions, ["UserError", "ValidationError"]),
    "hashlib": wrap_module(_hashlib, _HASH_CONSTRUCTORS),
    "hmac": wrap_module(_hmac, ["new", "compare_digest"]),
}


def has_statement(code):
    """Tell whether ``code`` holds a line that is neither blank nor a comment."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(code or "").readline))
    except (tokenize.TokenError, SyntaxError):
        # Not tokenizable: let the compiler report the real error.
        return bool((code or "").strip())
    ignored = {
        tokenize.COMMENT,
        tokenize.NL,
        tokenize.NEWLINE,
        tokenize.INDENT,
        tokenize.DEDENT,
        tokenize.ENDMARKER,
    }
    return any(tok.type not in ignored for tok in tokens)


# str.format() and format_map() read attributes named in the format string at
# run time ("{0.__class__}"), where safe_eval's name checks cannot see them.
_FORMAT_METHODS = frozenset({"format", "format_map"})


# Constructs whose opcodes safe_eval refuses, to name their line.
_REFUSED_NODES = (
    ((ast.Import, ast.ImportFrom), "import statements are not allowed"),
    ((ast.ClassDef,), "class definitions are not allowed"),
    ((ast.With, ast.AsyncWith), "`with` statements are not allowed"),
    ((ast.AsyncFunctionDef, ast.AsyncFor, ast.Await), "async code is not allowed"),
    ((ast.YieldFrom,), "`yield from` is not allowed"),
    ((ast.Assert,), "assert is not allowed, raise an exception instead"),
    ((ast.AnnAssign,), "annotations are not allowed"),
    (tuple(filter(None, [getattr(ast, "TryStar", None)])), "`except*` is not allowed"),
)


def _refusal(node):
    """Tell why safe_eval refuses ``node``, or ``None``."""
    for types, what in _REFUSED_NODES:
        if isinstance(node, types):
            return what
    name = (
        getattr(node, "attr", None)
        or getattr(node, "id", None)
        or (getattr(node, "name", None) if hasattr(node, "lineno") else None)
        or ""
    )
    # The same names safe_eval's assert_no_dunder_name bans.
    if "__" in name or name in _UNSAFE_ATTRIBUTES:
        return f"access to `{name}` is not allowed"
    return None


def _forbidden_line(code):
    """Return (lineno, what) of the first construct safe_eval refuses."""
    tree = ast.parse(code)
    found = [
        (node.lineno, what)
        for node in ast.walk(tree)
        if hasattr(node, "lineno") and (what := _refusal(node))
    ]
    # A function may read globals, not assign them.
    found += [
        (node.lineno, "`global` is not allowed in a function")
        for func in ast.walk(tree)
        if isinstance(func, ast.FunctionDef)
        for node in ast.walk(func)
        if isinstance(node, ast.Global)
    ]
    return min(found, key=lambda item: item[0]) if found else (None, None)


def _format_call_line(code):
    """Return the line number of the first str.format()-like attribute."""
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Attribute) and node.attr in _FORMAT_METHODS:
            return node.lineno
    return None


def compile_snippet(code):
    """Return the checked code object for ``code`` or raise ``SnippetError``."""
    if not has_statement(code):
        raise SnippetError(
            "The code snippet has no statement: write at least one line that is "
            "neither blank nor a comment, and assign a dict to `result`."
        )
    try:
        code_obj = compile_codeobj(code, filename=FILENAME, mode="exec")
    except SyntaxError as exc:
        if not exc.lineno:
            raise SnippetError(exc.msg) from exc
        raise SnippetError(
            f"Line {exc.lineno}: {exc.msg}: {(exc.text or '').strip()}", exc.lineno
        ) from exc
    except (TypeError, ValueError) as exc:
        raise SnippetError(str(exc)) from exc
    try:
        assert_valid_codeobj(_SAFE_OPCODES, code_obj, code)
    except (NameError, ValueError, SyntaxError) as exc:
        lineno, what = _forbidden_line(code)
        if lineno:
            line = code.splitlines()[lineno - 1].strip()
            raise SnippetError(f"Line {lineno}: {what}: {line}", lineno) from exc
        raise SnippetError(str(exc).split("\n", 1)[0]) from exc
    lineno = _format_call_line(code)
    if lineno:
        line = code.splitlines()[lineno - 1].strip()
        raise SnippetError(
            f"Line {lineno}: str.format() is not allowed, use an f-string: {line}",
            lineno,
        )
    return code_obj


def run_snippet(code_obj, context):
    """Run a code object from ``compile_snippet`` with ``context`` as globals.

    Returns the globals after the run. Odoo's user errors and HTTP exceptions
    propagate as they are; any other exception propagates too, for the
    caller to answer a 500 and log it.
    """
    check_values(context)
    globals_dict = dict(context, __builtins__=dict(_BUILTINS))
    # The code object went through safe_eval's own checks in compile_snippet.
    exec(code_obj, globals_dict)  # noqa: S102 # pylint: disable=exec-used
    del globals_dict["__builtins__"]
    return globals_dict


__all__ = [
    "SAFE_MODULES",
    "SnippetError",
    "compile_snippet",
    "has_statement",
    "run_snippet",
]
