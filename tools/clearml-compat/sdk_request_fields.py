#!/usr/bin/env python3
"""Lists the request fields the ClearML SDK (or clearml-agent) can send, per endpoint of the services Warden's
experiments library serves (projects, tasks, models, queues, workers).

Reads the generated API service modules (clearml/ or clearml_agent/backend_api/services/v2_*/<service>.py)
from an installed package directory or straight from a wheel, without importing them: each
request class names its endpoint (_service, _action) and its body (_schema.properties). The
union over every API version the SDK ships is what that SDK release may send.

    python3 sdk_request_fields.py clearml-1.16.5-py2.py3-none-any.whl > sdk-fields-1.16.5.json
    python3 sdk_request_fields.py <site-packages>/clearml > sdk-fields-2.1.12.json
    python3 sdk_request_fields.py <site-packages>/clearml_agent > clearml-agent-3.0.3.json

(Requests the agent builds by hand with session.send_request are not in these modules.)

Warden's request schemas must know every one of these fields (libs/experiments'
sdk-request-fields.spec.ts reads the committed output): a field the server refuses as unknown
is an error the SDK swallows, and the data it carried is lost.
"""
import ast
import json
import re
import sys
import zipfile
from pathlib import Path

SERVICES = ("projects", "tasks", "models", "queues", "workers")
MODULE = re.compile(r"(?:^|/)clearml(?:_agent)?/backend_api/services/(v2_\d+)/(%s)\.py$" % "|".join(SERVICES))


def sources(location):
    """(path, text) of every service module in a wheel or a clearml package directory."""
    path = Path(location)
    if path.is_file():
        with zipfile.ZipFile(path) as wheel:
            for name in wheel.namelist():
                if MODULE.search(name):
                    yield name, wheel.read(name).decode("utf-8")
        return
    for file in sorted(path.glob("backend_api/services/v2_*/*.py")):
        if MODULE.search(file.as_posix()):
            yield file.as_posix(), file.read_text(encoding="utf-8")


def request_classes(text):
    """(endpoint, field names) of each request class in one module."""
    for node in ast.parse(text).body:
        if not isinstance(node, ast.ClassDef):
            continue
        attrs = {}
        for item in node.body:
            if isinstance(item, ast.Assign) and len(item.targets) == 1 and isinstance(item.targets[0], ast.Name):
                name = item.targets[0].id
                if name in ("_service", "_action", "_schema"):
                    attrs[name] = ast.literal_eval(item.value)
        if not {"_service", "_action", "_schema"} <= attrs.keys():
            continue
        if not node.name.endswith("Request"):
            continue
        yield "%s.%s" % (attrs["_service"], attrs["_action"]), attrs["_schema"].get("properties", {}).keys()


def main(location):
    endpoints = {}
    versions = set()
    for path, text in sources(location):
        versions.add(MODULE.search(path).group(1))
        for endpoint, fields in request_classes(text):
            endpoints.setdefault(endpoint, set()).update(fields)
    if not endpoints:
        sys.exit("no clearml service modules found in %s" % location)
    result = {"api_versions": sorted(versions), "endpoints": {k: sorted(v) for k, v in sorted(endpoints.items())}}
    json.dump(result, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: sdk_request_fields.py <clearml or clearml-agent wheel or package directory>")
    main(sys.argv[1])
