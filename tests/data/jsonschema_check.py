#!/usr/bin/env python3
"""Validates JSON documents against one of docs/*.schema.json with python-jsonschema.

Usage: jsonschema_check.py SCHEMA FILE...   (FILE may be JSON with comments and trailing commas,
as .v15check.json is). Exit 0 when every file is valid, 1 with the errors otherwise, 77 when
the jsonschema module is not installed.
"""
import json
import sys

try:
    import jsonschema
except ImportError:
    sys.exit(77)


def strip_jsonc(text):
    """JSON with comments and trailing commas as plain JSON (strings left alone)."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
        elif text.startswith("//", i):
            while i < n and text[i] != "\n":
                i += 1
        elif text.startswith("/*", i):
            i = text.index("*/", i + 2) + 2
        else:
            out.append(c)
            i += 1
    plain = "".join(out)
    result, k = [], 0
    while k < len(plain):  # drop a comma that only whitespace separates from } or ]
        c = plain[k]
        if c == '"':
            j = k + 1
            while j < len(plain) and plain[j] != '"':
                j += 2 if plain[j] == "\\" else 1
            result.append(plain[k:j + 1])
            k = j + 1
            continue
        if c == ",":
            rest = plain[k + 1:].lstrip()
            if rest[:1] in ("}", "]"):
                k += 1
                continue
        result.append(c)
        k += 1
    return "".join(result)


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        schema = json.load(f)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    validator = cls(schema)
    bad = 0
    for path in sys.argv[2:]:
        with open(path, encoding="utf-8") as f:
            doc = json.loads(strip_jsonc(f.read()))
        for error in validator.iter_errors(doc):
            bad += 1
            print(f"{path}: {'/'.join(map(str, error.absolute_path))}: {error.message}")
    sys.exit(1 if bad else 0)


main()
