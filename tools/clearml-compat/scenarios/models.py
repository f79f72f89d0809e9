"""Models with metadata and scalars, then found by metadata from another process.

    python scenarios/models.py write          two OutputModels of one task: weights uploaded, metadata,
                                              report_scalar and report_single_value on the model
    python scenarios/models.py read '<JSON>'  Model.query_models(metadata=...) finds exactly the right model,
                                              its metadata reads back, its weights download unchanged
"""
import os
import sys

from clearml import InputModel, Model, OutputModel

from common import arg, done, equal, expect, init, project, sha256_file, token, work_dir

ITERATIONS = 5


def write():
    tok = token()
    task = init("models", f"models-{tok}", reuse_last_task_id=False, output_uri=True)
    folder = work_dir("models")
    models = {}
    for label, accuracy in (("a", "0.91"), ("b", "0.85")):
        path = os.path.join(folder, f"weights-{label}.bin")
        with open(path, "wb") as f:
            f.write(os.urandom(32 * 1024))
        model = OutputModel(task=task, name=f"model-{label}-{tok}", framework="PyTorch", tags=["warden-compat"])
        model.update_weights(weights_filename=path, async_enable=False)
        expect(model.set_metadata("accuracy", accuracy, "float"), f"set_metadata on model {label} returned False")
        expect(model.set_metadata("dataset", f"ds-{label}-{tok}", "str"), f"set_metadata on model {label} returned False")
        for i in range(ITERATIONS):
            model.report_scalar("model-metrics", "loss", value=round(1.0 / (i + 1), 4), iteration=i)
        model.report_single_value("final_accuracy", float(accuracy))
        models[label] = {"id": model.id, "sha256": sha256_file(path), "accuracy": accuracy, "dataset": f"ds-{label}-{tok}",
                         "url": model.url}
    task.flush(wait_for_uploads=True)
    task_id = task.id
    task.close()
    done({"task_id": task_id, "models": models, "iterations": ITERATIONS})


def read(result):
    for label, want in result["models"].items():
        found = Model.query_models(project_name=project("models"), metadata={"dataset": want["dataset"]})
        equal(f"Model.query_models(metadata={{'dataset': {want['dataset']!r}}})", [m.id for m in found], [want["id"]])
        model = Model(model_id=want["id"])
        equal(f"model {label} metadata accuracy", model.get_metadata("accuracy"), want["accuracy"])
        equal(f"model {label} metadata (cast)", model.get_all_metadata_casted().get("accuracy"),
              float(want["accuracy"]))
        equal(f"model {label} url", model.url, want["url"])
        local = InputModel(model_id=want["id"]).get_weights()
        expect(local, f"model {label}'s get_weights returned nothing")
        equal(f"model {label} weights sha256", sha256_file(local), want["sha256"])
    none = Model.query_models(project_name=project("models"), metadata={"dataset": "no-such-dataset"})
    equal("Model.query_models for metadata no model has", [m.id for m in none], [])
    done(result)


if __name__ == "__main__":
    {"write": lambda: write(), "read": lambda: read(arg())}[sys.argv[1]]()
