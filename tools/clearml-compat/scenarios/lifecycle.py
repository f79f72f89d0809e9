"""Task lifecycle as users drive it from the SDK.

    python scenarios/lifecycle.py first            Task.init with the default reuse_last_task_id: a new task,
                                                   scalars and a parameter, closed (completed)
    python scenarios/lifecycle.py reuse '<JSON>'   the same script again on the same machine: Task.init must
                                                   reuse that task (tasks.reset), whose earlier scalars are gone
    python scenarios/lifecycle.py running          a task that keeps running until it is stopped from outside;
                                                   writes its id to $SCENARIO_READY_FILE
    python scenarios/lifecycle.py ops '<JSON>' ID  another process: stop request for the running task ID, tags,
                                                   publish, clone, reset, archive, move, Task.get_tasks filters,
                                                   the nested project's parent
"""
import os
import sys
import time

from clearml import Task

from common import SDK, arg, done, equal, expect, init, project

NAME = "lifecycle-reused"
SCALARS = 5


def run_once(lr, offset):
    task = init("lifecycle", NAME)  # reuse_last_task_id left at its default (True)
    task.connect({"lr": lr})
    for i in range(SCALARS):
        task.get_logger().report_scalar("loss", "train", value=offset + i, iteration=i)
    task_id = task.id
    task.close()
    return task_id


def first():
    done({"task_id": run_once(0.1, 100.0), "lr": 0.1})


def reuse(result):
    task_id = run_once(0.2, 200.0)
    equal("the task Task.init reused (same script, same machine, default reuse_last_task_id)", task_id, result["task_id"])
    done({"task_id": task_id, "lr": 0.2, "values": [200.0 + i for i in range(SCALARS)]})


def running():
    task = init("lifecycle", "lifecycle-running", reuse_last_task_id=False)
    task.get_logger().report_scalar("progress", "step", value=1.0, iteration=0)
    task.flush(wait_for_uploads=True)
    with open(os.environ["SCENARIO_READY_FILE"] + ".tmp", "w") as f:
        f.write(task.id)
    os.rename(os.environ["SCENARIO_READY_FILE"] + ".tmp", os.environ["SCENARIO_READY_FILE"])
    print(f"running task {task.id}: waiting to be stopped", flush=True)
    # The SDK's abort monitor polls every 2 s; a stopped task's process ends with os._exit(1).
    time.sleep(90)
    sys.exit("scenario: the running task was not stopped within 90 s")


def request_stop(task):
    if hasattr(task, "mark_stop_request"):  # clearml >= 1.17
        task.mark_stop_request(force=False, status_message="stopped by warden-compat")
        return
    from clearml.backend_api.services import tasks  # 1.16 has no SDK method for tasks.stop: its own API call
    res = task.send(tasks.StopRequest(task=task.id, force=False, status_reason="abort request"), ignore_errors=False)
    expect(res.ok(), f"tasks.stop answered {res.response_data}")


def wait_status(task_id, wanted, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        status = Task.get_task(task_id=task_id).get_status()
        if status == wanted:
            return
        time.sleep(1)
    expect(False, f"task {task_id} is {status!r} after {seconds} s, expected {wanted!r}")


def ops(result, running_id):
    request_stop(Task.get_task(task_id=running_id))
    wait_status(running_id, "stopped")
    # ClearML creates the missing parents of a nested project name (warden-compat/<family>-...).
    parent = project("lifecycle").rsplit("/", 1)[0]
    expect(Task.get_project_id(parent), f"no project {parent}, the parent of {project('lifecycle')}")

    reused = Task.get_task(task_id=result["task_id"])
    equal("status of the reused task", reused.get_status(), "completed")
    reused.add_tags(["compat", "lifecycle"])
    clone = Task.clone(source_task=reused, name="lifecycle-clone", comment="cloned by warden-compat")
    equal("status of the clone", clone.get_status(), "created")
    equal("the clone's lr (copied hyperparameters)", clone.get_parameter("General/lr"), "0.2")
    clone.set_parameter("General/lr", "0.3")
    reused.publish(ignore_errors=False)
    equal("status after publish", Task.get_task(task_id=result["task_id"]).get_status(), "published")

    by_lr = {}
    for lr in ("0.2", "0.3"):
        # A field filter the request model does not declare needs the SDK's _allow_extra_fields_.
        task_filter = {"hyperparams.General.lr.value": [lr], "_allow_extra_fields_": True}
        by_lr[lr] = sorted(t.id for t in Task.get_tasks(project_name=project("lifecycle"), task_filter=task_filter))
    equal("Task.get_tasks filtered by hyperparameter lr", by_lr, {"0.2": [result["task_id"]], "0.3": [clone.id]})
    tagged = sorted(t.id for t in Task.get_tasks(project_name=project("lifecycle"), tags=["compat"]))
    # A clone carries its source's tags (tasks.clone without new_task_tags).
    equal("Task.get_tasks filtered by tag compat", tagged, sorted([result["task_id"], clone.id]))

    clone.mark_started(force=True)
    clone.reset(force=True)
    equal("status of the clone after reset", Task.get_task(task_id=clone.id).get_status(), "created")
    clone.set_archived(True)
    expect(Task.get_task(task_id=clone.id).get_archived(), "the archived clone does not read as archived")
    moved_to = f"{project('lifecycle')}-moved"
    expect(clone.move_to_project(new_project_name=moved_to), "move_to_project returned False")
    equal("project of the moved clone", Task.get_task(task_id=clone.id).get_project_name(), moved_to)
    done({"task_id": result["task_id"], "values": result["values"], "running_id": running_id,
          "clone_id": clone.id, "moved_to": moved_to, "tags": ["compat", "lifecycle"], "sdk": SDK})


if __name__ == "__main__":
    step = sys.argv[1]
    if step == "first":
        first()
    elif step == "reuse":
        reuse(arg())
    elif step == "running":
        running()
    else:
        ops(arg(), sys.argv[3])
