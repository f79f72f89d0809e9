"""The script clearml-agent runs for the agent scenario (agent_scenario.py creates a task from it).

Under the agent, Task.init() attaches to the queued task. It reports AGENT_SCALAR_POINTS scalars
and console lines, uploads an artifact whose bytes the checker can derive from the task id, and
then either finishes, or, for a task named "...-abort", keeps running until the agent stops it.
"""
import hashlib
import os
import sys
import tempfile
import time

from clearml import Task

POINTS = 5


def artifact_bytes(task_id):
    """Deterministic content the checker can recompute: 64 KiB derived from the task id."""
    block = hashlib.sha256(f"warden-agent-artifact:{task_id}".encode()).digest()
    return block * 2048


def main():
    task = Task.init()
    logger = task.get_logger()
    for i in range(1, POINTS + 1):
        logger.report_scalar("agent", "loss", value=1.0 / i, iteration=i)
        logger.report_scalar("agent", "accuracy", value=1.0 - 1.0 / (i + 1), iteration=i)
        print(f"agent-scenario: iteration {i} of task {task.id}")
    path = os.path.join(tempfile.mkdtemp(), "payload.bin")
    with open(path, "wb") as f:
        f.write(artifact_bytes(task.id))
    task.upload_artifact("payload", artifact_object=path, wait_on_upload=True)
    logger.flush()
    if task.name.endswith("-abort"):
        print(f"agent-scenario: task {task.id} waits to be aborted")
        sys.stdout.flush()
        deadline = time.time() + 600
        while time.time() < deadline:
            time.sleep(1)
        sys.exit("agent-scenario: nobody aborted this task within 10 minutes")
    print(f"agent-scenario: task {task.id} done")


if __name__ == "__main__":
    main()
