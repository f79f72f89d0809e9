"""Hyperparameters, configuration objects and user properties, written by one process, read by another.

    python scenarios/hyperparams.py write          Task.init, connect(dict), connect_configuration, user properties
    python scenarios/hyperparams.py read '<JSON>'  another process: reads everything back through the SDK,
                                                   deletes one user property, sets another
"""
import os
import sys

from clearml import Task

from common import arg, done, equal, expect, init, token

PARAMS = {"lr": 0.01, "batch_size": 32, "optimizer": "adam", "augment": True, "schedule": {"warmup": 5, "decay": 0.5}}
SECTION_PARAMS = {"momentum": 0.9, "nesterov": False}
CONFIG = {"model": {"layers": [64, 32], "dropout": 0.1}, "seed": 7}
TEXT_CONFIG = "# warden text configuration\nthreshold: 0.75\nlabels: [cat, dog]\n"
PROPERTIES = {"owner": "warden", "stage": {"value": "train", "description": "pipeline stage"}}


def write():
    task = init("hyperparams", f"hyperparams-{token()}", reuse_last_task_id=False)
    general = task.connect(dict(PARAMS))
    equal("connect(dict) returned", dict(general), PARAMS)
    task.connect(dict(SECTION_PARAMS), name="Optimizer")
    equal("connect_configuration(dict) returned", task.connect_configuration(dict(CONFIG), name="model-config"), CONFIG)
    text_file = os.path.join(os.environ["TMPDIR"], "text-config.yaml")
    with open(text_file, "w") as f:
        f.write(TEXT_CONFIG)
    task.connect_configuration(text_file, name="text-config", description="a configuration file")
    expect(task.set_user_properties(**PROPERTIES), "set_user_properties returned False")
    task_id = task.id
    task.close()
    done({"task_id": task_id})


def read(result):
    task = Task.get_task(task_id=result["task_id"])
    params = task.get_parameters_as_dict(cast=True)
    general = params.get("General", {})
    equal("General section (cast)", {k: general.get(k) for k in ("lr", "batch_size", "optimizer", "augment")},
          {k: PARAMS[k] for k in ("lr", "batch_size", "optimizer", "augment")})
    # A nested dict is flattened into dotted names by connect().
    equal("General/schedule/warmup", general.get("schedule", {}).get("warmup"), 5)
    equal("Optimizer section (cast)", params.get("Optimizer"), SECTION_PARAMS)
    equal("get_parameter('General/lr')", task.get_parameter("General/lr", cast=True), 0.01)
    equal("configuration object model-config", task.get_configuration_object_as_dict("model-config"), CONFIG)
    equal("configuration object text-config", task.get_configuration_object("text-config"), TEXT_CONFIG)
    props = task.get_user_properties(value_only=True)
    equal("user properties", props, {"owner": "warden", "stage": "train"})
    full = task.get_user_properties()
    equal("user property stage's description", full.get("stage", {}).get("description"), "pipeline stage")

    expect(task.delete_user_properties([("properties", "owner")]), "delete_user_properties returned False")
    expect(task.set_user_properties(reviewed="yes"), "set_user_properties (second process) returned False")
    again = Task.get_task(task_id=result["task_id"]).get_user_properties(value_only=True)
    equal("user properties after deleting owner and adding reviewed", again, {"stage": "train", "reviewed": "yes"})
    done({"task_id": result["task_id"], "params": PARAMS, "section_params": SECTION_PARAMS, "config": CONFIG,
          "text_config": TEXT_CONFIG, "properties": again})


if __name__ == "__main__":
    {"write": lambda: write(), "read": lambda: read(arg())}[sys.argv[1]]()
