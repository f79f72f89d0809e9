"""The agent scenario's SDK and REST side (agent-scenario.sh runs the agent daemon around it).

    python agent_scenario.py queue NAME          creates the queue through the REST API, prints its id
    python agent_scenario.py run NAME QUEUE_ID   SDK: creates two standalone script tasks (no git
                                                 repository) and enqueues them; REST: verifies

What `run` verifies, through the REST API and the authenticated fileserver only:
  - the agent registered as a worker listening on the queue;
  - the first task ran to completed: its scalars (each stored once), its console lines, and its
    artifact downloaded with a token (and refused without one) with the sha256 the task derived;
  - the second task, once running, stopped by tasks.stop, reaches status stopped within a bound,
    and the agent goes on as a registered worker.
Any failure ends it with one line on stderr and exit status 1.
"""
import hashlib
import json
import os
import shutil
import sys
import time

from clearml import Task

import check
from agent_task import POINTS, artifact_bytes
from check import Api, CheckFailed

HERE = os.path.dirname(os.path.abspath(__file__))
PROJECT = "warden-agent-scenario"
WORKER_WAIT_SEC = 90
RUN_WAIT_SEC = 150
ABORT_WAIT_SEC = 60


def api():
    return Api(os.environ["CLEARML_API_HOST"], os.environ["CLEARML_API_ACCESS_KEY"], os.environ["CLEARML_API_SECRET_KEY"])


def say(text):
    print(f"agent-scenario: {text}", flush=True)


def wait_for(what, seconds, probe):
    """Polls probe() until it returns something truthy; CheckFailed naming `what` after `seconds`."""
    deadline = time.time() + seconds
    while True:
        value = probe()
        if value:
            return value
        if time.time() > deadline:
            raise CheckFailed(f"{what} did not happen within {seconds} s")
        time.sleep(1)


def log_tail(rest, task_id, lines=8):
    """The last console lines of a task, on one line (a failure reason is one line)."""
    data = rest.data("events.get_task_log", task=task_id, batch_size=200, navigate_earlier=True)
    events = sorted(data.get("events", []), key=lambda e: e.get("timestamp", 0))
    text = [line.strip()[-200:] for e in events for line in e.get("msg", "").splitlines() if line.strip()]
    return " | ".join(text[-lines:])


def create_task(name, queue_name):
    """A standalone script task, as Task.create makes it from a file outside any git repository."""
    script = os.path.join(os.getcwd(), "agent_task.py")
    shutil.copyfile(os.path.join(HERE, "agent_task.py"), script)
    task = Task.create(
        project_name=PROJECT,
        task_name=name,
        script=script,
        packages=[f"clearml=={__import__('clearml').__version__}"],
        add_task_init_call=False,
    )
    Task.enqueue(task, queue_name=queue_name)
    return task.id


def status_of(rest, task_id):
    return rest.data("tasks.get_by_id", task=task_id)["task"]


def wait_status(rest, task_id, wanted, seconds):
    def probe():
        task = status_of(rest, task_id)
        if task["status"] in ("failed", "completed", "stopped", "published") and task["status"] not in wanted:
            raise CheckFailed(f"task {task_id} ended {task['status']} ({task.get('status_message')!r}), expected "
                              f"{'/'.join(wanted)}; its console ends: {log_tail(rest, task_id)}")
        return task if task["status"] in wanted else None
    return wait_for(f"task {task_id} reaching {'/'.join(wanted)}", seconds, probe)


def check_worker(rest, queue_id):
    def probe():
        workers = rest.data("workers.get_all").get("workers", [])
        return next((w for w in workers if any(q.get("id") == queue_id for q in w.get("queues", []))), None)
    return wait_for(f"a worker listening on queue {queue_id}", WORKER_WAIT_SEC, probe)


def check_completed_run(rest, task_id):
    task = wait_status(rest, task_id, ("completed",), RUN_WAIT_SEC)
    if task.get("script", {}).get("repository"):
        raise CheckFailed(f"task {task_id} names a repository {task['script']['repository']!r}; expected a standalone script")
    check.check_scalars(rest, task_id, {"title": "agent", "series": ["loss", "accuracy"], "points": POINTS})
    lines = [f"agent-scenario: iteration {i} of task {task_id}" for i in range(1, POINTS + 1)]
    check.check_log(rest, task_id, lines + [f"agent-scenario: task {task_id} done"])
    artifacts = {a["key"]: a for a in task.get("execution", {}).get("artifacts", [])}
    if "payload" not in artifacts:
        raise CheckFailed(f"task {task_id} has no artifact 'payload' (has {sorted(artifacts)})")
    url = artifacts["payload"].get("uri") or ""
    if not url.startswith(os.environ["CLEARML_FILES_HOST"].rstrip("/")):
        raise CheckFailed(f"artifact 'payload' of task {task_id} is at {url!r}, not on the fileserver")
    sha256 = hashlib.sha256(artifact_bytes(task_id)).hexdigest()
    check.check_artifacts(rest, task, {"payload": {"url": url, "sha256": sha256}})


def check_abort(rest, task_id, worker_id):
    wait_status(rest, task_id, ("in_progress",), RUN_WAIT_SEC)
    marker = f"agent-scenario: task {task_id} waits to be aborted"

    def waiting():
        logged = rest.data("events.get_task_log", task=task_id, batch_size=500, navigate_earlier=False)
        return any(marker in e.get("msg", "") for e in logged.get("events", []))
    wait_for(f"task {task_id} reaching its wait loop", RUN_WAIT_SEC, waiting)
    asked = time.time()
    answer = rest.data("tasks.stop", task=task_id, status_reason="agent scenario abort")
    say(f"tasks.stop answered {json.dumps(answer.get('fields', {}).get('status_message'))}")
    wait_status(rest, task_id, ("stopped",), ABORT_WAIT_SEC)
    say(f"task {task_id} stopped {time.time() - asked:.1f} s after tasks.stop")
    workers = rest.data("workers.get_all").get("workers", [])
    if not any(w.get("id") == worker_id for w in workers):
        raise CheckFailed(f"worker {worker_id} is no longer registered after the abort")


def run_scenario(queue_name, queue_id):
    rest = api()
    started = time.time()
    done_id = create_task(f"agent-run-{queue_name}", queue_name)
    abort_id = create_task(f"agent-run-{queue_name}-abort", queue_name)
    say(f"SDK created standalone tasks {done_id} and {abort_id} and enqueued them on {queue_name}")
    worker = check_worker(rest, queue_id)
    say(f"worker {worker['id']} registered, listening on {queue_name}")
    check_completed_run(rest, done_id)
    say(f"task {done_id} completed by the agent: {POINTS} x 2 scalars each stored once, console, artifact sha256 "
        f"via the authenticated fileserver ({time.time() - started:.0f} s)")
    check_abort(rest, abort_id, worker["id"])
    say(f"OK in {time.time() - started:.0f} s")


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "queue":
        print(api().data("queues.create", name=sys.argv[2])["id"])
    elif len(sys.argv) == 4 and sys.argv[1] == "run":
        run_scenario(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    check.run(main, "agent scenario: ")
