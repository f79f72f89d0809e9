"""REST verification of the datasets scenario: both versions finalized, their artifacts intact and tenant-private."""
from common import api, download, equal, expect, main, refused_to_other_tenant, second_api, task_hidden_from


def verify(result):
    client, other = api(), second_api()
    for version in ("parent", "child"):
        task_id = result[version]["id"]
        task = client.data("tasks.get_by_id", task=task_id)["task"]
        expect(task.get("status") in ("completed", "published"), f"the {version} version's status is {task.get('status')!r}")
        expect("dataset" in (task.get("system_tags") or []), f"the {version} version's system_tags lack dataset")
        artifacts = {a["key"]: a for a in (task.get("execution") or {}).get("artifacts", [])}
        expect("state" in artifacts, f"the {version} version has no state artifact (has {sorted(artifacts)})")
        data = [key for key in artifacts if key.startswith("data")]
        expect(data, f"the {version} version has no data artifact (has {sorted(artifacts)})")
        for key in ["state", *data]:
            artifact = artifacts[key]
            what = f"{version} artifact {key}"
            equal(f"sha256 of {what}", download(client, artifact["uri"], what), artifact.get("hash"))
            refused_to_other_tenant(other, artifact["uri"], what)
        task_hidden_from(other, task_id)
    return "parent and child versions finalized; state and data artifacts intact (sha256); tenant isolation"


if __name__ == "__main__":
    main(verify, "datasets")
