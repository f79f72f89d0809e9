"""REST verification of the workflows scenario: what the SDK read back is stored in ClearML's shape."""
import requests

from check import TIMEOUT
from common import api, equal, expect, main, second_api, task_hidden_from


def verify(result):
    client = api()
    tok = result["token"]
    train = client.data("tasks.get_by_id", task=result["train_id"])["task"]
    equal("trained task status (published last)", train.get("status"), "published")
    series = client.data("events.get_scalar_metrics_and_variants", task=result["train_id"])["metrics"]
    equal("the published task's scalar series (none added after publishing)", series, {"loss": ["train"]})
    equal("trained task tags", sorted(train.get("tags") or []), ["baseline", "reviewed", "workflows"])
    equal("trained task comment", train.get("comment"), f"baseline run {tok}")
    last = {v.get("variant"): v for m in (train.get("last_metrics") or {}).values() for v in m.values()}
    equal("last_metrics loss/train min_value", last.get("train", {}).get("min_value"), 0.3)

    failed = client.data("tasks.get_by_id", task=result["failed_id"])["task"]
    equal("failed task (status, status_reason, status_message, type)",
          [failed.get(k) for k in ("status", "status_reason", "status_message", "type")],
          ["failed", "evaluation crashed", "warden-compat failure", "testing"])
    clone = client.data("tasks.get_by_id", task=result["clone_id"])["task"]
    equal("clone parent and status", [clone.get("parent"), clone.get("status")], [result["train_id"], "created"])
    lr = ((clone.get("hyperparams") or {}).get("General") or {}).get("lr", {})
    equal("clone General/lr", lr.get("value"), "0.05")

    status, _, _ = client.call("models.get_by_id", model=result["model_id"])
    expect(status == 400, f"models.get_by_id of the removed model answered {status}")
    expect(result["model_id"] not in [m.get("model") for m in (train.get("models") or {}).get("output", [])],
           "the removed model is still an output model of its task")
    gone = requests.get(result["model_url"], headers={"Authorization": f"Bearer {client.token}"}, timeout=TIMEOUT)
    equal("downloading the removed model's weights: status", gone.status_code, 404)

    pipe = result["pipeline_tasks"]
    controller = client.data("tasks.get_by_id", task=pipe["controller"])["task"]
    expect("pipeline" in (controller.get("system_tags") or []), f"controller system_tags {controller.get('system_tags')}")
    project = client.data("projects.get_all", id=[controller["project"]], search_hidden=True,
                          only_fields=["name", "system_tags"])["projects"]
    equal("the pipeline project found with search_hidden", len(project), 1)
    expect({"pipeline", "hidden"} <= set(project[0].get("system_tags") or []),
           f"pipeline project system_tags {project[0].get('system_tags')}")
    # Asked for by name (not id, which always finds it): hidden unless search_hidden, as in ClearML.
    by_name = {"name": f"^{project[0]['name']}$", "only_fields": ["id"]}
    equal("the pipeline project listed by name without search_hidden", client.data("projects.get_all", **by_name)["projects"], [])
    equal("the pipeline project listed by name with search_hidden",
          client.data("projects.get_all", search_hidden=True, **by_name)["projects"], [{"id": controller["project"]}])

    task_hidden_from(second_api(), result["train_id"])
    return f"tasks {result['train_id']}, {result['failed_id']}, {result['clone_id']}; pipeline {pipe['controller']}"


if __name__ == "__main__":
    main(verify, "workflows")
