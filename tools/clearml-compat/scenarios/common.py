"""What every scenario script shares: how it starts a task, states its contract, and hands over its result.

Each script runs with the unmodified SDK under run.sh (configured only through CLEARML_* variables) and
prints, as its last line, one JSON object: the input of the next step or of the REST verification.
A failed expectation exits non-zero with one line naming what differs.
"""
import hashlib
import json
import os
import secrets
import sys

import clearml
from clearml import Task

SDK = clearml.__version__


RUN = os.environ.get("SCENARIO_RUN", "")


def project(family):
    """One project per family, SDK release and suite run (SCENARIO_RUN), so that no two runs meet."""
    return f"warden-compat/{family}-{SDK}{'-' + RUN if RUN else ''}"


def token():
    return secrets.token_hex(4)


def init(family, name, **kwargs):
    """Task.init as scenario.py does it: nothing that needs GPUs, ML frameworks or a CLI parser."""
    options = dict(auto_connect_frameworks=False, auto_connect_arg_parser=False, auto_resource_monitoring=False)
    options.update(kwargs)
    return Task.init(project_name=project(family), task_name=name, **options)


def expect(condition, message):
    if not condition:
        sys.exit(f"scenario ({SDK}): {message}")


def equal(what, got, want):
    expect(got == want, f"{what} is {got!r}, expected {want!r}")


def close(got, want, what):
    """Scalars come back as the events store keeps them (32-bit floats, as in ClearML)."""
    expect(got is not None and len(got) == len(want) and all(abs(g - w) <= 1e-6 * max(1.0, abs(w)) for g, w in zip(got, want)),
           f"{what} is {got!r}, expected {want!r}")


def sha256_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()


def arg(index=2):
    """The JSON result of the step before, as run.sh passes it."""
    return json.loads(sys.argv[index])


def done(result):
    result.setdefault("sdk", SDK)
    print(json.dumps(result, sort_keys=True))


def work_dir(name):
    path = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"compat-{name}-{token()}")
    os.makedirs(path)
    return path
