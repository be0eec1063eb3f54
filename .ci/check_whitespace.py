#!/usr/bin/env python3
"""Check-only twin of the trailing-whitespace and end-of-file fixers.

Reports text files with trailing blanks or without exactly one final newline,
and changes nothing. Usage: check_whitespace.py FILE...
"""

import sys


def problems(path):
    with open(path, "rb") as fh:
        data = fh.read()
    if not data:
        return []
    found = []
    for number, line in enumerate(data.split(b"\n"), start=1):
        if line.rstrip(b"\r").rstrip(b" \t") != line.rstrip(b"\r"):
            found.append(f"{path}:{number}: trailing whitespace")
    if not data.endswith(b"\n"):
        found.append(f"{path}: no newline at end of file")
    elif data.endswith(b"\n\n"):
        found.append(f"{path}: blank lines at end of file")
    return found


def main(paths):
    found = [p for path in paths for p in problems(path)]
    for line in found:
        print(line)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
