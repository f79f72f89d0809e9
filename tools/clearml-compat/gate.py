"""Reads the apiserver's access log as the witness of what the SDK got: the SDK swallows many errors.

    python gate.py check   --log LOG --windows FILE --errors ERRORS_TS --scenario VERSION/NAME
    python gate.py summary --log LOG --windows FILE --errors ERRORS_TS

FILE has one window a line, `KIND VERSION NAME START END [ALLOW...]`: START/END are byte offsets of
LOG; KIND `scenario` spans a whole scenario, `sdk` one SDK process inside it. ALLOW entries
`STATUS:ENDPOINT` (e.g. `503:events.add_batch`) are answers a scenario provokes on purpose.

check: fails (exit 1, printing each offending line) on any 404 or 5xx in the scenario's window that
it does not allow, and on any request validation error (HTTP 400 whose code maps to ClearML's
400/11..20: missing or unknown fields, bad values) inside its SDK windows.
summary: per SDK version, every endpoint that answered an SDK process with status >= 400, with the
status, the error code and how often.
"""
import argparse
import collections
import json
import re
import sys

# ClearML's 400 subcodes 11-20: missing_required_fields .. fields_type_error (apierrors/errors.conf).
VALIDATION_SUBCODES = range(11, 21)
CODE_ENTRY = re.compile(r"^\s*(ERR_\w+):\s*\{\s*status:\s*(\d+),\s*result:\s*\[(\d+),\s*(\d+)\]", re.M)


def validation_codes(errors_ts):
    """The error codes Warden answers as ClearML validation errors, read from libs/errors' table."""
    with open(errors_ts, encoding="utf-8") as f:
        table = CODE_ENTRY.findall(f.read())
    return {code for code, status, result, sub in table if status == "400" and int(sub) in VALIDATION_SUBCODES}


def read_windows(path):
    windows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            kind, version, name, start, end, *allow = line.split()
            windows.append({"kind": kind, "version": version, "name": name, "start": int(start), "end": int(end),
                            "allow": set(allow)})
    return windows


def requests_in(log_bytes, start, end):
    """(offset, endpoint, status, error code, raw line) of each access line in [start, end)."""
    offset = start
    for raw in log_bytes[start:end].split(b"\n"):
        here, offset = offset, offset + len(raw) + 1
        try:
            entry = json.loads(raw)
        except ValueError:
            continue
        req, res = entry.get("req"), entry.get("res")
        if not isinstance(req, dict) or not isinstance(res, dict) or "statusCode" not in res:
            continue
        endpoint = re.sub(r"^/v\d+\.\d+/", "/", req.get("path", "")).lstrip("/")
        yield here, endpoint, int(res["statusCode"]), res.get("error_code", ""), raw.decode(errors="replace")


def in_any(offset, windows):
    return any(w["start"] <= offset < w["end"] for w in windows)


def check(log_bytes, windows, scenario, validation):
    version, name = scenario.split("/", 1)
    mine = [w for w in windows if w["version"] == version and w["name"] == name]
    spans = [w for w in mine if w["kind"] == "scenario"]
    sdk = [w for w in mine if w["kind"] == "sdk"]
    allow = set().union(*(w["allow"] for w in mine)) if mine else set()
    bad = []
    for span in spans:
        for offset, endpoint, status, code, raw in requests_in(log_bytes, span["start"], span["end"]):
            if (status == 404 or status >= 500) and f"{status}:{endpoint}" not in allow:
                bad.append(f"{status} {code or '-'} {endpoint}")
            elif status == 400 and code in validation and in_any(offset, sdk):
                bad.append(f"{status} {code} {endpoint} (validation error answered to the SDK)")
    if bad:
        counts = collections.Counter(bad)
        print(f"clearml-compat: {version} {name}: the apiserver answered {len(bad)} request(s) the suite does not accept:")
        for line, n in sorted(counts.items()):
            print(f"    {n:4d} x {line}")
        return 1
    return 0


def summary(log_bytes, windows):
    per_version = collections.defaultdict(collections.Counter)
    allowed = {(w["version"], w["name"]): w["allow"] for w in windows if w["kind"] == "scenario"}
    for w in windows:
        if w["kind"] != "sdk":
            continue
        for _, endpoint, status, code, _ in requests_in(log_bytes, w["start"], w["end"]):
            if status >= 400:
                provoked = f"{status}:{endpoint}" in allowed.get((w["version"], w["name"]), ())
                per_version[w["version"]][(endpoint, status, code or "-", w["name"] + (", provoked on purpose" if provoked else ""))] += 1
    versions = sorted({w["version"] for w in windows})
    for version in versions:
        calls = per_version.get(version, {})
        print(f"clearml-compat: SDK {version}: {sum(calls.values()) if calls else 0} SDK call(s) answered an error")
        for (endpoint, status, code, name), n in sorted(calls.items()):
            print(f"    {n:4d} x {status} {code} {endpoint}   (scenario {name})")
    return 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=("check", "summary"))
    parser.add_argument("--log", required=True)
    parser.add_argument("--windows", required=True)
    parser.add_argument("--errors", required=True)
    parser.add_argument("--scenario")
    args = parser.parse_args()
    with open(args.log, "rb") as f:
        log_bytes = f.read()
    windows = read_windows(args.windows)
    if args.mode == "check":
        sys.exit(check(log_bytes, windows, args.scenario, validation_codes(args.errors)))
    sys.exit(summary(log_bytes, windows))


if __name__ == "__main__":
    main()
