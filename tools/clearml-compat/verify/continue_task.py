"""REST verification of the continue scenario: both runs' scalars are there, each once, none overwritten."""
import collections

from check import scalar_events
from common import api, equal, expect, main, settled


def check_events(client, result):
    task_id = result["task_id"]
    events = [e for e in scalar_events(client, task_id) if (e.get("metric"), e.get("variant")) == ("progress", "value")]
    values = collections.Counter(e.get("value") for e in events)
    equal("scalar values of both runs, each once", sorted(values.elements()), sorted(result["values"]))
    iterations = collections.Counter(e.get("iter") for e in events)
    twice = sorted(i for i, n in iterations.items() if n > 1)
    expect(not twice, f"iterations {twice[:5]} hold more than one scalar: the second run overwrote the first")
    first_run = max(e["iter"] for e in events if e["value"] < 2000)
    second_run = min(e["iter"] for e in events if e["value"] >= 2000)
    expect(second_run > first_run, f"the second run starts at iteration {second_run}, not after the first run's {first_run}")
    task = client.data("tasks.get_by_id", task=task_id)["task"]
    equal("task.last_iteration", task.get("last_iteration"), max(iterations))
    return events


def verify(result):
    task_id = result["task_id"]
    events = settled(check_events, api(), result)
    return f"task {task_id}: {len(events)} scalars of two runs, each once, the second after the first"


if __name__ == "__main__":
    main(verify, "continue_task")
