"""Checks through the REST API, not the SDK, that a scenario.py run left the right things on the server.

    CLEARML_API_HOST=... CLEARML_FILES_HOST=... CLEARML_API_ACCESS_KEY=... CLEARML_API_SECRET_KEY=... \
    CHECK_SECOND_ACCESS_KEY=... CHECK_SECOND_SECRET_KEY=... \
    python check.py '<the JSON line scenario.py printed last>'

The second key pair must belong to another tenant: it must not see the task. Uses only `requests`
(a dependency of clearml, so the harness venv has it). Exits non-zero with a one-line reason.
"""
import hashlib
import json
import os
import sys

import requests

API_VERSION = "2.23"  # what clearml 2.1.x asks for; see SURVEY.md
TIMEOUT = 30


class CheckFailed(Exception):
    pass


class Api:
    def __init__(self, host, access_key, secret_key):
        self.host = host.rstrip("/")
        res = requests.post(f"{self.host}/v{API_VERSION}/auth.login", auth=(access_key, secret_key), timeout=TIMEOUT)
        if res.status_code != 200:
            raise CheckFailed(f"auth.login answered {res.status_code}: {res.text[:200]}")
        self.token = res.json()["data"]["token"]

    def call(self, endpoint, **body):
        """Returns (HTTP status, response meta, response data)."""
        res = requests.post(f"{self.host}/v{API_VERSION}/{endpoint}", json=body,
                            headers={"Authorization": f"Bearer {self.token}"}, timeout=TIMEOUT)
        payload = res.json()
        return res.status_code, payload.get("meta", {}), payload.get("data", {})

    def data(self, endpoint, **body):
        status, meta, data = self.call(endpoint, **body)
        if status != 200:
            raise CheckFailed(f"{endpoint} answered {status}: {meta.get('result_msg')}")
        return data


def check_task(api, task_id):
    task = api.data("tasks.get_by_id", task=task_id)["task"]
    if task.get("status") != "completed":
        raise CheckFailed(f"task {task_id} status is {task.get('status')!r}, expected 'completed'")
    return task


def check_scalars(api, task_id, expected):
    data = api.data("events.scalar_metrics_iter_histogram", task=task_id, samples=0, key="iter")
    series = data.get(expected["title"], {})
    if sorted(series) != sorted(expected["series"]):
        raise CheckFailed(f"scalar series under {expected['title']!r} are {sorted(series)}, expected {expected['series']}")
    for name, points in series.items():
        if len(points.get("x", [])) != expected["points"] or len(points.get("y", [])) != expected["points"]:
            raise CheckFailed(f"series {name!r} has {len(points.get('x', []))} points, expected {expected['points']}")


def check_log(api, task_id, lines):
    data = api.data("events.get_task_log", task=task_id, batch_size=10000, navigate_earlier=False)
    logged = "\n".join(e.get("msg", "") for e in data.get("events", []))
    missing = [line for line in lines if line not in logged]
    if missing:
        raise CheckFailed(f"console log of task {task_id} lacks {len(missing)} line(s), e.g. {missing[0]!r}")


def check_artifacts(api, task, expected):
    stored = {a["key"]: a for a in task.get("execution", {}).get("artifacts", [])}
    for name, want in expected.items():
        if name not in stored:
            raise CheckFailed(f"task has no artifact {name!r} (has {sorted(stored)})")
        url = stored[name].get("uri")
        if url != want["url"]:
            raise CheckFailed(f"artifact {name!r} uri is {url!r}, the SDK reported {want['url']!r}")
        res = requests.get(url, headers={"Authorization": f"Bearer {api.token}"}, timeout=TIMEOUT)
        if res.status_code != 200:
            raise CheckFailed(f"downloading artifact {name!r} from {url} answered {res.status_code}")
        digest = hashlib.sha256(res.content).hexdigest()
        if digest != want["sha256"]:
            raise CheckFailed(f"artifact {name!r} from {url} has sha256 {digest}, expected {want['sha256']}")


def check_isolation(host, task_id):
    other = Api(host, os.environ["CHECK_SECOND_ACCESS_KEY"], os.environ["CHECK_SECOND_SECRET_KEY"])
    status, meta, data = other.call("tasks.get_by_id", task=task_id)
    if status == 200:
        raise CheckFailed(f"a second tenant can read task {task_id} through tasks.get_by_id")
    found = other.data("tasks.get_all", id=[task_id]).get("tasks", [])
    if found:
        raise CheckFailed(f"a second tenant finds task {task_id} through tasks.get_all")


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: check.py '<scenario JSON result>'")
    result = json.loads(sys.argv[1])
    host = os.environ["CLEARML_API_HOST"]
    api = Api(host, os.environ["CLEARML_API_ACCESS_KEY"], os.environ["CLEARML_API_SECRET_KEY"])
    task_id = result["task_id"]
    task = check_task(api, task_id)
    check_scalars(api, task_id, result["scalars"])
    check_log(api, task_id, result["log_lines"])
    check_artifacts(api, task, result["artifacts"])
    check_isolation(host, task_id)
    print(f"clearml-compat: OK task {task_id}: completed, scalars, log, {len(result['artifacts'])} artifacts, "
          "tenant isolation")


if __name__ == "__main__":
    try:
        main()
    except (CheckFailed, KeyError, ValueError, requests.RequestException) as err:
        reason = str(err) if isinstance(err, CheckFailed) else f"{type(err).__name__}: {err}"
        print(f"clearml-compat: FAIL: {reason}", file=sys.stderr)
        sys.exit(1)
