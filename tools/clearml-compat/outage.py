"""The Elasticsearch-outage checks that need direct events.add_batch calls (suite.sh's es-outage step).

    CLEARML_API_HOST=... CLEARML_API_ACCESS_KEY=... CLEARML_API_SECRET_KEY=... \
    python outage.py refused '<scenario JSON of an earlier run>'   # while Elasticsearch is stopped
    python outage.py resend '<scenario JSON of the run made during the outage>'   # once it is back

refused: a new task in the earlier run's project gets a batch of scalars; the answer must be 503
(ClearML's SDK retries a 503 until it succeeds, so the batch is not lost).
resend: the run's stored scalar events are sent again, twice, as the SDK re-sends a batch whose
answer it did not get; each scalar must still be stored exactly once.
"""
import json
import os
import sys
import time

from check import Api, CheckFailed, check_scalars_once, run, scalar_events

# The SDK's own fields of a scalar event; the server adds the rest.
SCALAR_FIELDS = ("timestamp", "type", "task", "iter", "metric", "variant", "value")
# The SDK resends what the outage refused from a background thread: checks are retried this long.
SETTLE_SEC = 3


def api():
    return Api(os.environ["CLEARML_API_HOST"], os.environ["CLEARML_API_ACCESS_KEY"], os.environ["CLEARML_API_SECRET_KEY"])


def refused(result):
    client = api()
    project = client.data("tasks.get_by_id", task=result["task_id"])["task"].get("project")
    task = client.data("tasks.create", name="es-outage probe", type="training", project=project)["id"]
    now_ms = int(time.time() * 1000)
    batch = [{"timestamp": now_ms, "type": "training_stats_scalar", "task": task, "iter": i,
              "metric": "probe", "variant": "probe", "value": float(i)} for i in range(3)]
    status, meta, _ = client.add_batch(batch)
    code = (meta.get("error_data") or {}).get("code")
    if status != 503:
        raise CheckFailed(f"events.add_batch (3 scalars for task {task}) answered {status} {code} "
                          f"while Elasticsearch is down, expected 503: {meta.get('result_msg')}")
    print(f"clearml-compat: OK events.add_batch answered 503 {code} while Elasticsearch is down")


def resend(result):
    client = api()
    task = result["task_id"]
    stored = scalar_events(client, task)
    batch = [{k: e[k] for k in SCALAR_FIELDS if k in e} for e in stored]
    for attempt in (1, 2):
        status, meta, _ = client.add_batch(batch)
        if status != 200:
            code = (meta.get("error_data") or {}).get("code")
            raise CheckFailed(f"re-sending {len(batch)} scalars of task {task} (attempt {attempt}): events.add_batch "
                              f"answered {status} {code}: {meta.get('result_msg')}")
    deadline = time.monotonic() + SETTLE_SEC
    while time.monotonic() < deadline:
        check_scalars_once(client, task, result["scalars"])
        time.sleep(0.5)
    print(f"clearml-compat: OK re-sending {len(batch)} scalars twice left each stored once")


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("refused", "resend"):
        sys.exit("usage: outage.py refused|resend '<scenario JSON result>'")
    {"refused": refused, "resend": resend}[sys.argv[1]](json.loads(sys.argv[2]))


if __name__ == "__main__":
    run(main, "es-outage: ")
