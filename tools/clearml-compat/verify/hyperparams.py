"""REST verification of the hyperparams scenario: what the SDK connected is stored in ClearML's shape."""
import json

from clearml.utilities.pyhocon import ConfigFactory, HOCONConverter

from common import api, equal, expect, main, second_api, task_hidden_from


def flat(params, prefix=""):
    """connect() stores a nested dict as section/name with '/'-joined names and str() values."""
    out = {}
    for key, value in params.items():
        if isinstance(value, dict):
            out.update(flat(value, f"{prefix}{key}/"))
        else:
            out[f"{prefix}{key}"] = str(value)
    return out


def hocon(text):
    """The SDK stores a connected dict as HOCON text; its bundled parser reads it (only the text, not the server)."""
    return json.loads(HOCONConverter.to_json(ConfigFactory.parse_string(text)))


def verify(result):
    client = api()
    task_id = result["task_id"]
    task = client.data("tasks.get_by_id", task=task_id)["task"]
    hyper = task.get("hyperparams") or {}
    for section, params in (("General", result["params"]), ("Optimizer", result["section_params"])):
        stored = {name: p.get("value") for name, p in (hyper.get(section) or {}).items()}
        equal(f"task.hyperparams.{section} values", stored, flat(params))
    props = {name: p.get("value") for name, p in (hyper.get("properties") or {}).items()}
    equal("task.hyperparams.properties values", props, result["properties"])

    listed = client.data("tasks.get_hyper_params", tasks=[task_id]).get("params", [])
    equal("tasks.get_hyper_params tasks", [p.get("task") for p in listed], [task_id])
    pairs = {(p["section"], p["name"]): p.get("value") for p in listed[0].get("hyperparams", [])}
    equal("tasks.get_hyper_params General/lr", pairs.get(("General", "lr")), "0.01")
    expect(("properties", "owner") not in pairs, "the deleted user property owner is still listed")

    config = task.get("configuration") or {}
    expect("model-config" in config and "text-config" in config, f"task.configuration has {sorted(config)}")
    equal("configuration model-config (parsed)", hocon(config["model-config"]["value"]), result["config"])
    equal("configuration text-config", config["text-config"]["value"], result["text_config"])
    listed = client.data("tasks.get_configurations", tasks=[task_id], names=["text-config"]).get("configurations", [])
    items = listed[0].get("configuration", []) if listed else []
    equal("tasks.get_configurations names", [c.get("name") for c in items], ["text-config"])
    equal("tasks.get_configurations description", items[0].get("description"), "a configuration file")

    other = second_api()
    task_hidden_from(other, task_id)
    status, _, data = other.call("tasks.get_hyper_params", tasks=[task_id])
    expect(status != 200 or not any(p.get("hyperparams") for p in data.get("params", [])),
           "a second tenant reads the task's hyperparameters through tasks.get_hyper_params")
    return f"task {task_id}: 2 sections, user properties, 2 configuration objects in ClearML's shape; tenant isolation"


if __name__ == "__main__":
    main(verify, "hyperparams")
