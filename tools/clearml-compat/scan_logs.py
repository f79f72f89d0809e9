"""Makes sure no secret, password or token reached the apps' logs; prints them redacted on request.

    python scan_logs.py --secrets FILE [--secrets FILE...] --signatures FILE [--print [--tail N]] LOG...

--secrets: shell lines NAME=value (the generated secrets, the tenants' keys and passwords); access
keys (names ending in _USER_KEY or _ACCESS_KEY) are identifiers the servers log on purpose and are
not looked for. --signatures: one token signature a line. Any JWT is a finding too, whoever got it
(the SDK's own tokens are not known to the suite). Findings name the log, the line and what leaked,
never the value. --print writes every log (its last N lines with --tail) to stdout with each of
these values replaced. Missing files are skipped. Exits 1 when anything was found.
"""
import argparse
import re
import sys
from pathlib import Path

JWT = re.compile(r"eyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]{16,}")
IDENTIFIER = re.compile(r"_(USER|ACCESS)_KEY$")
# Shorter values would match by chance.
MIN_LENGTH = 12


def lines_of(paths):
    return [line for path in map(Path, paths) if path.exists() for line in path.read_text().splitlines()]


def load_values(secret_files, signature_files):
    values = {}
    for line in lines_of(secret_files):
        name, sep, value = line.partition("=")
        if sep and not IDENTIFIER.search(name) and len(value) >= MIN_LENGTH:
            values[value] = name
    for line in lines_of(signature_files):
        if len(line) >= MIN_LENGTH:
            values[line] = "a token signature"
    return values


def findings(log, values):
    for number, line in enumerate(log.read_text(errors="replace").splitlines(), 1):
        for value, name in values.items():
            if value in line:
                yield f"{log.name} line {number} holds {name}"
        if JWT.search(line):
            yield f"{log.name} line {number} holds a JWT"


def redacted(text, values):
    for value, name in values.items():
        text = text.replace(value, f"[{name}]")
    return JWT.sub("[a JWT]", text)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--secrets", action="append", default=[])
    parser.add_argument("--signatures", action="append", default=[])
    parser.add_argument("--print", action="store_true")
    parser.add_argument("--tail", type=int, default=0)
    parser.add_argument("logs", nargs="+", type=Path)
    args = parser.parse_args()
    values = load_values(args.secrets, args.signatures)
    if args.print:
        for log in args.logs:
            lines = log.read_text(errors="replace").splitlines()[-args.tail:]
            print(f"----- {log.name}, last {len(lines)} lines (secrets and tokens redacted)")
            print(redacted("\n".join(lines), values))
    found = [f for log in args.logs for f in findings(log, values)]
    for finding in found:
        print(f"clearml-compat: LEAK: {finding}", file=sys.stderr)
    sys.exit(1 if found else 0)


if __name__ == "__main__":
    main()
