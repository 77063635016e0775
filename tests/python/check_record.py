#!/usr/bin/env python3
"""Reads session records as a Python service would, and checks their fields.

Used by src/core/session_codec_python_test.cc for records that sessionkit encodes
(EncodeSession) and rewrites (RewriteSessionTimes): they must be strict JSON that
Python's json module loads, with times that datetime.fromisoformat parses.

Usage: check_record.py EXPECTED_CASES < cases

Each stdin line is one case, a JSON object:
  {"record_hex": "<the record's bytes in hex>",
   "expect": {"<field>": <value>, ...},
   "whole_seconds_utc": ["<time field>", ...]}
The record must be UTF-8, a JSON object without duplicate keys, NaN or Infinity.
Each expected field must be present with the same JSON type and value; the time
fields (created_at, expires_at, last_seen) are compared as instants, so
"2025-01-20T17:00:00+07:00" equals "2025-01-20T10:00:00Z". Fields listed in
whole_seconds_utc must be written exactly as YYYY-MM-DDTHH:MM:SSZ.

Exits 0 and prints "N records ok" when every case passes and there were exactly
EXPECTED_CASES of them; otherwise prints what failed and exits 1.
"""

import json
import re
import sys
from datetime import datetime

TIME_FIELDS = ("created_at", "expires_at", "last_seen")
WHOLE_SECONDS_UTC = re.compile(r"\A\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\Z")


class CheckError(Exception):
    pass


def reject_duplicates(pairs):
    seen = {}
    for key, value in pairs:
        if key in seen:
            raise CheckError(f"duplicate key {key!r}")
        seen[key] = value
    return seen


def reject_constant(name):
    raise CheckError(f"non-JSON constant {name}")


def parse_time(field, text):
    if not isinstance(text, str):
        raise CheckError(f"{field} is not a string: {text!r}")
    try:
        t = datetime.fromisoformat(text)
    except ValueError as e:
        raise CheckError(f"{field}: fromisoformat rejects {text!r}: {e}") from e
    if t.tzinfo is None:
        raise CheckError(f"{field}: {text!r} has no offset")
    return t


def check_case(case):
    raw = bytes.fromhex(case["record_hex"])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise CheckError(f"record is not UTF-8: {e}") from e
    try:
        record = json.loads(text, object_pairs_hook=reject_duplicates,
                            parse_constant=reject_constant)
    except json.JSONDecodeError as e:
        raise CheckError(f"json.loads fails: {e}: {text!r}") from e
    if not isinstance(record, dict):
        raise CheckError(f"record is not an object: {text!r}")

    for field in TIME_FIELDS:
        if field in record:
            parse_time(field, record[field])

    for field, want in case["expect"].items():
        if field not in record:
            raise CheckError(f"{field} is missing")
        got = record[field]
        if field in TIME_FIELDS:
            if parse_time(field, got) != parse_time(field + " (expected)", want):
                raise CheckError(f"{field}: got {got!r}, want the instant {want!r}")
        elif type(got) is not type(want) or got != want:
            raise CheckError(f"{field}: got {got!r}, want {want!r}")

    for field in case.get("whole_seconds_utc", []):
        if not WHOLE_SECONDS_UTC.match(record.get(field, "")):
            raise CheckError(f"{field}: {record.get(field)!r} is not whole seconds UTC with Z")


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    expected_cases = int(sys.argv[1])
    count = failures = 0
    for number, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        count += 1
        try:
            check_case(json.loads(line))
        except (CheckError, KeyError, ValueError) as e:
            failures += 1
            print(f"case {number}: {e}", file=sys.stderr)
    if count != expected_cases:
        print(f"got {count} cases, expected {expected_cases}", file=sys.stderr)
        return 1
    if failures:
        print(f"{failures} of {count} records failed", file=sys.stderr)
        return 1
    print(f"{count} records ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
