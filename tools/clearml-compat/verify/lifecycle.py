"""REST verification of the lifecycle scenario: statuses, reset, clone, tags, archive, move, stop."""
import collections

from check import scalar_events
from common import api, equal, expect, main, second_api, task_hidden_from


def verify(result, running_out):
    client = api()
    task_id, clone_id, running_id = result["task_id"], result["clone_id"], result["running_id"]
    task = client.data("tasks.get_by_id", task=task_id)["task"]
    equal("status of the reused task", task.get("status"), "published")
    equal("tags of the reused task", sorted(task.get("tags") or []), sorted(result["tags"]))
    equal("lr of the reused task", ((task.get("hyperparams") or {}).get("General") or {}).get("lr", {}).get("value"), "0.2")
    # Task.init reset the task before reusing it: only the second run's scalars remain, each once.
    events = scalar_events(client, task_id)
    values = collections.Counter(e.get("value") for e in events)
    equal("scalar values of the reused task (the first run's must be gone after tasks.reset)",
          sorted(values.elements()), sorted(result["values"]))

    clone = client.data("tasks.get_by_id", task=clone_id)["task"]
    equal("status of the clone", clone.get("status"), "created")
    expect("archived" in (clone.get("system_tags") or []), f"the clone's system_tags {clone.get('system_tags')} lack archived")
    equal("lr of the clone", clone["hyperparams"]["General"]["lr"]["value"], "0.3")
    moved = client.data("projects.get_all", name=f"^{result['moved_to']}$").get("projects", [])
    equal("projects named like the move target", len(moved), 1)
    equal("project of the moved clone", clone.get("project"), moved[0]["id"])
    tags = client.data("projects.get_task_tags", projects=[task["project"]]).get("tags", [])
    expect(set(result["tags"]) <= set(tags), f"projects.get_task_tags answers {tags}, lacking {result['tags']}")

    running = client.data("tasks.get_by_id", task=running_id)["task"]
    equal("status of the task stopped by another process", running.get("status"), "stopped")
    with open(running_out, encoding="utf-8", errors="replace") as f:
        output = f.read()
    expect("TASK STOPPED" in output, "the running task's process did not report that it was stopped (its output is above)")
    task_hidden_from(second_api(), clone_id)
    return (f"reused task {task_id} reset then published with tags; clone {clone_id} archived and moved; "
            f"task {running_id} stopped from another process; tenant isolation")


if __name__ == "__main__":
    main(verify, "lifecycle")
