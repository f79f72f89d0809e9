"""REST verification of the reports scenario: every report kind is stored, and readable without the SDK."""
from common import api, download, equal, equal_values, expect, main, refused_to_other_tenant, second_api, task_hidden_from


def check_task_metrics(client, task_id, result):
    task = client.data("tasks.get_by_id", task=task_id)["task"]
    equal("task.last_iteration", task.get("last_iteration"), result["iterations"] - 1)
    last = {(v.get("metric"), v.get("variant")): v.get("value")
            for metric in (task.get("last_metrics") or {}).values() for v in metric.values()}
    for series in result["scalars"]:
        expect(("metrics", series) in last, f"task.last_metrics lacks metrics/{series} (has {sorted(last)})")


def check_scalars(client, task_id, result):
    data = client.data("events.get_scalar_metric_data", task=task_id, metric="metrics")
    events = data.get("events", [])
    per_series = {}
    for e in events:
        per_series.setdefault(e.get("variant"), set()).add(e.get("iter"))
    for series in result["scalars"]:
        equal(f"events.get_scalar_metric_data iterations of metrics/{series}", sorted(per_series.get(series, ())),
              list(range(result["iterations"])))
    latest = client.data("events.get_task_latest_scalar_values", task=task_id).get("metrics", [])
    names = sorted(m.get("name") for m in latest)
    expect("metrics" in names, f"events.get_task_latest_scalar_values lists metrics {names}")


def check_single_values(client, task_id, result):
    tasks = client.data("events.get_task_single_value_metrics", tasks=[task_id]).get("tasks", [])
    equal("events.get_task_single_value_metrics tasks", [t.get("task") for t in tasks], [task_id])
    values = {v.get("variant"): v.get("value") for v in tasks[0].get("values", [])}
    equal_values("single values", values, result["single_values"])


def check_plots(client, task_id, result):
    plots = client.data("events.get_task_plots", task=task_id, iters=10).get("plots", [])
    found = sorted({(p.get("metric"), p.get("variant")) for p in plots})
    for metric, variant in result["plots"]:
        expect((metric, variant) in found, f"events.get_task_plots lacks {metric}/{variant} (has {found})")


def check_samples(client, other, task_id, result):
    data = client.data("events.debug_images", metrics=[{"task": task_id, "metric": "images"}], iters=10)
    listed = {}
    for metric in data.get("metrics", []):
        equal("events.debug_images task", metric.get("task"), task_id)
        for iteration in metric.get("iterations", []):
            for event in iteration.get("events", []):
                listed[f"{event.get('metric')}/{event.get('variant')}/{event.get('iter')}"] = event.get("url")
    images = {k: v for k, v in result["samples"].items() if k.startswith("images/")}
    equal("events.debug_images samples", sorted(listed), sorted(images))
    for key, sample in result["samples"].items():
        if key in listed:
            equal(f"url of debug sample {key}", listed[key], sample["url"])
        equal(f"sha256 of debug sample {key}", download(client, sample["url"], f"debug sample {key}"), sample["sha256"])
        refused_to_other_tenant(other, sample["url"], f"debug sample {key}")


def verify(result):
    client, other = api(), second_api()
    task_id = result["task_id"]
    check_task_metrics(client, task_id, result)
    check_scalars(client, task_id, result)
    check_single_values(client, task_id, result)
    check_plots(client, task_id, result)
    check_samples(client, other, task_id, result)
    task_hidden_from(other, task_id)
    status, _, data = other.call("events.get_task_plots", task=task_id, iters=10)
    expect(status != 200 or not data.get("plots"), "a second tenant reads the task's plots")
    return (f"task {task_id}: last_metrics, scalars, {len(result['single_values'])} single values, "
            f"{len(result['plots'])} plots, {len(result['samples'])} debug samples (sha256); tenant isolation")


if __name__ == "__main__":
    main(verify, "reports")
