"""REST verification of the offline scenario: the imported session holds everything the offline run recorded."""
from check import check_log, check_scalars_once
from common import api, equal, main, second_api, settled, task_hidden_from


def verify(result):
    client = api()
    task_id = result["task_id"]
    task = client.data("tasks.get_by_id", task=task_id)["task"]
    equal("the imported task's name", task.get("name"), result["name"])
    equal("the imported task's status", task.get("status"), "completed")
    general = (task.get("hyperparams") or {}).get("General") or {}
    equal("the imported task's parameters", {k: v.get("value") for k, v in general.items()},
          {k: str(v) for k, v in result["params"].items()})
    settled(check_scalars_once, client, task_id, {"title": "offline", "series": ["loss"], "points": result["iterations"]})
    settled(check_log, client, task_id, [result["log_line"]])
    task_hidden_from(second_api(), task_id)
    return f"imported task {task_id}: completed, parameters, {result['iterations']} scalars each once, console; tenant isolation"


if __name__ == "__main__":
    main(verify, "offline")
