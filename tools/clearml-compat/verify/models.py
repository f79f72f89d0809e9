"""REST verification of the models scenario: metadata filters, model scalars, weights through the fileserver."""
from common import api, download, equal, equal_values, expect, main, refused_to_other_tenant, second_api


def verify(result):
    client, other = api(), second_api()
    for label, want in result["models"].items():
        model = client.data("models.get_by_id", model=want["id"])["model"]
        equal(f"model {label}'s task", model.get("task"), result["task_id"])
        metadata = {m.get("key"): m.get("value") for m in (model.get("metadata") or {}).values()}
        equal(f"model {label} metadata", metadata, {"accuracy": want["accuracy"], "dataset": want["dataset"]})
        found = client.data("models.get_all", **{"metadata.dataset.value": [want["dataset"]], "only_fields": ["id"]})
        equal(f"models.get_all filtered by metadata.dataset.value", [m["id"] for m in found.get("models", [])], [want["id"]])

        data = client.data("events.scalar_metrics_iter_histogram", task=want["id"], model_events=True, samples=0, key="iter")
        loss = data.get("model-metrics", {}).get("loss", {})
        equal(f"model {label}'s scalar iterations", loss.get("x"), list(range(result["iterations"])))
        tasks = client.data("events.get_task_single_value_metrics", tasks=[want["id"]], model_events=True).get("tasks", [])
        values = {v.get("variant"): v.get("value") for t in tasks for v in t.get("values", [])}
        equal_values(f"model {label}'s single values", values, {"final_accuracy": float(want["accuracy"])})

        equal(f"model {label} weights sha256", download(client, want["url"], f"model {label} weights"), want["sha256"])
        refused_to_other_tenant(other, want["url"], f"model {label} weights")
        status, _, _ = other.call("models.get_by_id", model=want["id"])
        expect(status != 200, f"a second tenant reads model {label} through models.get_by_id")
    return f"{len(result['models'])} models: metadata, metadata filter, model scalars and single values, weights (sha256); tenant isolation"


if __name__ == "__main__":
    main(verify, "models")
