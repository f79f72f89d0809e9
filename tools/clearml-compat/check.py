"""Checks through the REST API, not the SDK, that a scenario.py run left the right things on the server.

    CLEARML_API_HOST=... CLEARML_FILES_HOST=... CLEARML_API_ACCESS_KEY=... CLEARML_API_SECRET_KEY=... \
    CHECK_SECOND_ACCESS_KEY=... CHECK_SECOND_SECRET_KEY=... \
    python check.py '<the JSON line scenario.py printed last>'

The second key pair must belong to another tenant: it must see neither the task, nor its events,
nor its artifacts. When CHECK_TOKEN_SIGNATURES names a file, the signature of every token this
process obtains is appended to it, so a caller can make sure no server logged one. Uses only
`requests` (a dependency of clearml, so the harness venv has it). Exits non-zero with a one-line
reason naming the call, its request and the server's answer.
"""
import collections
import hashlib
import json
import os
import sys

import requests

API_VERSION = "2.23"  # what clearml 2.1.x asks for; see SURVEY.md
TIMEOUT = 30


class CheckFailed(Exception):
    pass


def note_token(token):
    path = os.environ.get("CHECK_TOKEN_SIGNATURES")
    if path:
        with open(path, "a") as f:
            f.write(token.rsplit(".", 1)[-1] + "\n")


def envelope(endpoint, request, res):
    """The response's (meta, data); an answer without ClearML's envelope fails, naming the call."""
    try:
        payload = res.json()
        return payload["meta"], payload.get("data") or {}
    except (ValueError, KeyError, TypeError):
        raise CheckFailed(f"{endpoint} {request} answered {res.status_code} without a {{meta, data}} envelope: "
                          f"{res.text[:200]!r}") from None


def failure(endpoint, request, status, meta):
    code = (meta.get("error_data") or {}).get("code")
    return CheckFailed(f"{endpoint} {request} answered {status} {code}: {meta.get('result_msg')}")


class Api:
    def __init__(self, host, access_key, secret_key):
        self.host = host.rstrip("/")
        res = requests.post(f"{self.host}/v{API_VERSION}/auth.login", auth=(access_key, secret_key), timeout=TIMEOUT)
        meta, data = envelope("auth.login", "(Basic auth)", res)
        if res.status_code != 200 or "token" not in data:
            raise failure("auth.login", "(Basic auth)", res.status_code, meta)
        self.token = data["token"]
        note_token(self.token)

    def post(self, endpoint, body, content_type="application/json"):
        """Returns (HTTP status, response meta, response data)."""
        res = requests.post(f"{self.host}/v{API_VERSION}/{endpoint}", data=body, timeout=TIMEOUT,
                            headers={"Authorization": f"Bearer {self.token}", "Content-Type": content_type})
        return (res.status_code, *envelope(endpoint, shorten(body), res))

    def call(self, endpoint, **body):
        return self.post(endpoint, json.dumps(body))

    def data(self, endpoint, **body):
        status, meta, data = self.call(endpoint, **body)
        if status != 200:
            raise failure(endpoint, shorten(json.dumps(body)), status, meta)
        return data

    def add_batch(self, events):
        """events.add_batch as the SDK sends it: one JSON event per line."""
        return self.post("events.add_batch", "\n".join(json.dumps(e) for e in events), "application/json-lines")


def shorten(text, limit=300):
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"


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
    check_scalars_once(api, task_id, expected)


MAX_PAGES = 100


def scalar_events(api, task_id):
    """Every stored scalar event of the task, as events.get_task_events pages through them."""
    events, body = [], {"task": task_id, "event_type": "training_stats_scalar", "batch_size": 500}
    for _ in range(MAX_PAGES):
        data = api.data("events.get_task_events", **body)
        page = data.get("events", [])
        events += page
        if not page or len(events) >= (data.get("total") or 0):
            return events
        body["scroll_id"] = data.get("scroll_id")
    raise CheckFailed(f"events.get_task_events kept paging past {MAX_PAGES} pages for task {task_id}")


def check_scalars_once(api, task_id, expected):
    """The histogram merges points of one iteration; the raw events show a scalar stored twice."""
    events = scalar_events(api, task_id)
    stored = collections.Counter((e.get("metric"), e.get("variant"), e.get("iter")) for e in events)
    for series in expected["series"]:
        counts = {key[2]: n for key, n in stored.items() if key[:2] == (expected["title"], series)}
        twice = sorted(i for i, n in counts.items() if n > 1)
        if twice:
            raise CheckFailed(f"series {series!r} of task {task_id} holds iterations {twice[:5]} more than once")
        if len(counts) != expected["points"]:
            raise CheckFailed(f"series {series!r} of task {task_id} has {len(counts)} scalar events, "
                              f"expected {expected['points']}")
    return events


def check_log(api, task_id, lines):
    data = api.data("events.get_task_log", task=task_id, batch_size=10000, navigate_earlier=False)
    logged = "\n".join(e.get("msg", "") for e in data.get("events", []))
    missing = [line for line in lines if line not in logged]
    if missing:
        raise CheckFailed(f"console log of task {task_id} lacks {len(missing)} line(s), e.g. {missing[0]!r}")


def check_artifacts(api, task, expected, metadata=None):
    """Each expected artifact by sha256 through the authenticated fileserver; metadata: {name: display_data}."""
    stored = {a["key"]: a for a in task.get("execution", {}).get("artifacts", [])}
    for name, want in (metadata or {}).items():
        pairs = stored.get(name, {}).get("display_data")
        got = {k: v for k, v in pairs or []}
        if got != want:
            raise CheckFailed(f"artifact {name!r} display_data is {pairs!r}, expected the pairs of {want}")
    for name, want in expected.items():
        if name not in stored:
            raise CheckFailed(f"task has no artifact {name!r} (has {sorted(stored)})")
        url = stored[name].get("uri")
        if url != want["url"]:
            raise CheckFailed(f"artifact {name!r} uri is {url!r}, the SDK reported {want['url']!r}")
        anonymous = requests.get(url, timeout=TIMEOUT)
        if anonymous.status_code != 401:
            raise CheckFailed(f"downloading artifact {name!r} from {url} without a token answered "
                              f"{anonymous.status_code}, expected 401 (fileserver auth must be on)")
        res = requests.get(url, headers={"Authorization": f"Bearer {api.token}"}, timeout=TIMEOUT)
        if res.status_code != 200:
            raise CheckFailed(f"downloading artifact {name!r} from {url} answered {res.status_code}")
        digest = hashlib.sha256(res.content).hexdigest()
        if digest != want["sha256"]:
            raise CheckFailed(f"artifact {name!r} from {url} has sha256 {digest}, expected {want['sha256']}")


def check_isolation(host, task_id, artifacts):
    other = Api(host, os.environ["CHECK_SECOND_ACCESS_KEY"], os.environ["CHECK_SECOND_SECRET_KEY"])
    status, meta, data = other.call("tasks.get_by_id", task=task_id)
    if status == 200:
        raise CheckFailed(f"a second tenant can read task {task_id} through tasks.get_by_id")
    found = other.data("tasks.get_all", id=[task_id]).get("tasks", [])
    if found:
        raise CheckFailed(f"a second tenant finds task {task_id} through tasks.get_all")
    status, meta, data = other.call("events.get_task_events", task=task_id, event_type="training_stats_scalar")
    if status == 200 and data.get("events"):
        raise CheckFailed(f"a second tenant reads {len(data['events'])} scalar events of task {task_id}")
    for name, want in artifacts.items():
        res = requests.get(want["url"], headers={"Authorization": f"Bearer {other.token}"}, timeout=TIMEOUT)
        if res.status_code == 200:
            raise CheckFailed(f"a second tenant downloads artifact {name!r} from {want['url']}")


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
    check_artifacts(api, task, result["artifacts"], result.get("metadata", {}))
    check_isolation(host, task_id, result["artifacts"])
    scalars = result["scalars"]
    print(f"clearml-compat: OK task {task_id}: completed, {len(scalars['series'])} x {scalars['points']} scalars "
          f"each stored once, log, {len(result['artifacts'])} artifacts (sha256, metadata), tenant isolation")


def run(entry, doing=""):
    """Runs a harness script's main: any failure becomes one line on stderr and exit status 1."""
    try:
        entry()
    except (CheckFailed, KeyError, ValueError, requests.RequestException) as err:
        reason = str(err) if isinstance(err, CheckFailed) else f"{type(err).__name__}: {err}"
        print(f"clearml-compat: FAIL: {doing}{reason}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    run(main)
