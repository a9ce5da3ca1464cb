#!/usr/bin/env python3
"""Checks that the golden files of the machine-read formats parse: every
tests/golden/*.json is one strict JSON document (no NaN or Infinity) ending
in a newline, and every *.svg is well-formed XML. The golden tests prove
that the renderers print these bytes; this proves the bytes are valid."""
import json
import pathlib
import sys
import xml.etree.ElementTree as ElementTree


def no_constant(name):
    raise ValueError(f"{name} is not JSON")


def main():
    golden = pathlib.Path(sys.argv[1])
    files = sorted(golden.glob("*.json")) + sorted(golden.glob("*.svg"))
    failed = 0
    for path in files:
        try:
            if path.suffix == ".json":
                text = path.read_text(encoding="utf-8")
                if not text.endswith("\n"):
                    raise ValueError("no newline at the end")
                json.loads(text, parse_constant=no_constant)
            else:
                ElementTree.parse(path)
        except (ValueError, ElementTree.ParseError) as e:
            print(f"{path}: {e}")
            failed += 1
    print(f"{len(files)} golden files checked, {failed} invalid")
    return 1 if failed or not files else 0


if __name__ == "__main__":
    sys.exit(main())
