"""continue_last_task: a second run of the same task carries on after the first run's last iteration.

    python scenarios/continue_task.py first            Task.init, N scalars at iterations 0..N-1, close
    python scenarios/continue_task.py again '<JSON>'   the same machine: Task.init(continue_last_task=True)
                                                       must continue that task; N more scalars, again from 0
"""
import sys

from common import arg, done, equal, init

ITERATIONS = 10
NAME = "continue-me"


def run(offset, **kwargs):
    task = init("continue", NAME, **kwargs)
    for i in range(ITERATIONS):
        task.get_logger().report_scalar("progress", "value", value=offset + i, iteration=i)
    task_id = task.id
    task.close()
    return task_id


def first():
    done({"task_id": run(1000.0)})


def again(result):
    task_id = run(2000.0, continue_last_task=True)
    equal("the task continue_last_task continued", task_id, result["task_id"])
    done({"task_id": task_id, "iterations": ITERATIONS,
          "values": [1000.0 + i for i in range(ITERATIONS)] + [2000.0 + i for i in range(ITERATIONS)]})


if __name__ == "__main__":
    {"first": lambda: first(), "again": lambda: again(arg())}[sys.argv[1]]()
