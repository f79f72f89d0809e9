"""An offline session recorded without the server, then imported.

    python scenarios/offline.py record            Task.set_offline(True): Task.init, parameters, scalars,
                                                  console; the session is zipped on close
    python scenarios/offline.py import '<JSON>'   Task.import_offline_session(zip) sends it to the server
"""
import glob
import os
import sys

from clearml import Task

from common import arg, done, equal, expect, init, token

ITERATIONS = 10
PARAMS = {"lr": 0.05, "epochs": 3}
CONSOLE_LINE = "warden-compat offline console line"


def record():
    Task.set_offline(offline_mode=True)
    expect(Task.is_offline(), "Task.is_offline() is False after set_offline(True)")
    name = f"offline-{token()}"
    task = init("offline", name, reuse_last_task_id=False)
    task.connect(dict(PARAMS))
    for i in range(ITERATIONS):
        task.get_logger().report_scalar("offline", "loss", value=round(1.0 / (i + 1), 4), iteration=i)
    print(CONSOLE_LINE)
    folder = task.get_offline_mode_folder()
    task.close()
    zips = glob.glob(f"{folder}*.zip")
    equal("zipped offline sessions", len(zips), 1)
    done({"zip": zips[0], "name": name})


def import_session(result):
    expect(os.path.isfile(result["zip"]), f"the offline session {result['zip']} is gone")
    task_id = Task.import_offline_session(session_folder_zip=result["zip"])
    expect(task_id, "Task.import_offline_session returned no task id")
    task = Task.get_task(task_id=task_id)
    equal("the imported task's name", task.name, result["name"])
    done({"task_id": task_id, "name": result["name"], "params": PARAMS, "iterations": ITERATIONS,
          "log_line": CONSOLE_LINE})


if __name__ == "__main__":
    {"record": lambda: record(), "import": lambda: import_session(arg())}[sys.argv[1]]()
