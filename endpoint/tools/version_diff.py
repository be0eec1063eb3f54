# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Per-field differences between two sets of published endpoint values."""

import difflib
import json

from markupsafe import Markup, escape

# Long texts read better as a line diff than as a before/after pair.
TEXT_FIELDS = ("code_snippet", "request_content_schema")


def _text(value):
    if value in (None, False):
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True)


def changed_fields(left, right):
    """The keys whose values differ, in a stable order."""
    keys = sorted(set(left) | set(right))
    return [key for key in keys if _text(left.get(key)) != _text(right.get(key))]


def text_diff(left, right, key):
    """The unified diff lines of one text field."""
    return list(
        difflib.unified_diff(
            _text(left).splitlines(),
            _text(right).splitlines(),
            fromfile=f"{key} (before)",
            tofile=f"{key} (after)",
            lineterm="",
        )
    )


def diff_html(left, right, labels=None):
    """HTML listing each changed field: a line diff for texts, the two
    values for the others; a sentence when nothing differs."""
    labels = labels or {}
    changed = changed_fields(left, right)
    if not changed:
        return Markup('<p class="o_endpoint_diff_same">No difference.</p>')
    parts = []
    for key in changed:
        label = escape(labels.get(key, key))
        parts.append(Markup('<h5 class="mt-2">%s</h5>') % label)
        if key in TEXT_FIELDS:
            lines = []
            for line in text_diff(left.get(key), right.get(key), key):
                css = ""
                if line.startswith("+") and not line.startswith("+++"):
                    css = "text-success"
                elif line.startswith("-") and not line.startswith("---"):
                    css = "text-danger"
                lines.append(Markup('<span class="%s">%s</span>') % (css, line))
            parts.append(
                Markup('<pre class="o_endpoint_diff_text">%s</pre>')
                % Markup("\n").join(lines)
            )
        else:
            parts.append(
                Markup(
                    '<p><span class="text-danger">%s</span> &#8594; '
                    '<span class="text-success">%s</span></p>'
                )
                % (_text(left.get(key)) or "-", _text(right.get(key)) or "-")
            )
    return Markup("").join(parts)
