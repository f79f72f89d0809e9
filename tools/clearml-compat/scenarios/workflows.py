"""Everyday SDK workflows the other scenarios leave out: a local pipeline, task bookkeeping, queries.

    python scenarios/workflows.py pipeline          PipelineDecorator.run_locally(): two components run as
                                                    their own tasks, their return values passed as artifacts
    python scenarios/workflows.py tasks             a task in a nested project (a/b/c): scalars, a dict
                                                    artifact, a tagged model, mark_completed, then tags, comment;
                                                    Task.create + mark_failed; Task.clone + set/update_parameters
    python scenarios/workflows.py query TASKS PIPE  another process finds them again: Task.query_tasks and
                                                    Task.get_tasks by project, name pattern, tags (and/not),
                                                    status and returned fields; get_last_scalar_metrics,
                                                    get_parameters_as_dict(cast=True), the artifact's value,
                                                    APIClient's events.get_scalar_metrics_and_variants,
                                                    Model.query_models by tags, Model.remove with its
                                                    weights, the pipeline's tasks; publish, then a scalar
                                                    reported to the published task (refused)
"""
import sys

from clearml import Model, OutputModel, PipelineDecorator, Task
from clearml.backend_api.session.client import APIClient

from common import SDK, arg, done, equal, expect, project, token, work_dir

LOSSES = [0.9, 0.5, 0.7, 0.3]
PARAMS = {"lr": 0.01, "epochs": 3, "optimizer": "sgd", "shuffle": True}
STATS = {"rows": 128, "classes": ["cat", "dog"]}


@PipelineDecorator.component(return_values=["rows"], cache=False)
def make_rows(count):
    return [i * i for i in range(count)]


@PipelineDecorator.component(return_values=["total"], cache=False)
def add_up(rows, scale):
    return sum(rows) * scale


def pipeline():
    name = f"pipe-{token()}"

    @PipelineDecorator.pipeline(name=name, project=project("workflows"), version="1.0.0", return_value="total",
                                pool_frequency=0.01)  # minutes: the default polls every 12 s
    def run(count, scale):
        return add_up(make_rows(count), scale)

    PipelineDecorator.run_locally()
    total = run(count=4, scale=2)
    equal("the pipeline's result", total, 28)
    done({"pipeline": name})


def nested():
    return f"{project('workflows')}/team/experiments"


def tasks():
    tok = token()
    task = Task.init(project_name=nested(), task_name=f"train-{tok}", reuse_last_task_id=False, output_uri=True,
                     auto_connect_frameworks=False, auto_connect_arg_parser=False, auto_resource_monitoring=False)
    task.connect(dict(PARAMS))
    for i, loss in enumerate(LOSSES):
        task.get_logger().report_scalar("loss", "train", value=loss, iteration=i)
    expect(task.upload_artifact("stats", artifact_object=dict(STATS), wait_on_upload=True), "upload_artifact returned False")
    weights = f"{work_dir('workflows')}/weights.bin"
    with open(weights, "wb") as f:
        f.write(b"warden" * 512)
    model = OutputModel(task=task, name=f"model-{tok}", framework="PyTorch", tags=["workflows", f"run-{tok}"])
    model.update_weights(weights_filename=weights, async_enable=False)
    task.flush(wait_for_uploads=True)
    task.mark_completed()
    train_id = task.id
    task.close()
    # Tagged once finished: on the running task the SDK's own background reload may put back the tags
    # it read before set_tags, and add_tags then drops them (seen once under load, an SDK race).
    train = Task.get_task(task_id=train_id)
    train.set_tags(["workflows", "baseline"])
    train.add_tags(["reviewed"])
    train.set_comment(f"baseline run {tok}")

    failed = Task.create(project_name=nested(), task_name=f"eval-{tok}", task_type="testing")
    failed.set_tags(["workflows", "eval"])
    failed.mark_started(force=True)
    failed.mark_failed(status_reason="evaluation crashed", status_message="warden-compat failure")

    clone = Task.clone(source_task=train_id, name=f"train-{tok}-sweep", parent=train_id)
    # set_parameters replaces every parameter; update_parameters adds to them.
    clone.set_parameters({"General/lr": 0.05, "General/epochs": 5})
    clone.update_parameters({"General/optimizer": "adam"})
    clone.set_tags(["workflows", "sweep"])
    done({"token": tok, "train_id": train_id, "failed_id": failed.id, "clone_id": clone.id, "model_id": model.id,
          "model_url": model.url})


def ids(found):
    return sorted(t if isinstance(t, str) else t.id for t in found)


def query(result):
    tok, train_id, failed_id, clone_id = result["token"], result["train_id"], result["failed_id"], result["clone_id"]
    where = nested()
    expect(Task.get_project_id(where), f"no project {where}")
    equal("Task.get_task by project and name", Task.get_task(project_name=where, task_name=f"train-{tok}").id, train_id)
    equal("query_tasks by name (partial match)", ids(Task.query_tasks(project_name=where, task_name=f"train-{tok}")),
          sorted([train_id, clone_id]))
    equal("query_tasks by name (regular expression)", ids(Task.query_tasks(project_name=where, task_name=f"^eval-{tok}$")),
          [failed_id])
    equal("query_tasks by tags (any)", ids(Task.query_tasks(project_name=where, tags=["eval", "sweep"])),
          sorted([failed_id, clone_id]))
    equal("query_tasks by tags (all, not)",
          ids(Task.query_tasks(project_name=where, tags=["__$all", "workflows", "__$not", "eval"])), sorted([train_id, clone_id]))
    equal("query_tasks excluding a tag", ids(Task.query_tasks(project_name=where, tags=["-baseline"])),
          sorted([failed_id, clone_id]))
    equal("get_tasks by status failed", ids(Task.get_tasks(project_name=where, task_filter={"status": ["failed"]})),
          [failed_id])
    equal("get_tasks by type testing", ids(Task.get_tasks(project_name=where, task_filter={"type": ["testing"]})),
          [failed_id])
    fields = Task.query_tasks(project_name=where, task_name=f"^train-{tok}$", additional_return_fields=["status", "comment"])
    # The SDK hands the status back as its enum: compared by value.
    fields = [{k: getattr(v, "value", v) for k, v in f.items()} for f in fields]
    equal("query_tasks returned fields", fields, [{"id": train_id, "status": "completed", "comment": f"baseline run {tok}"}])

    train = Task.get_task(task_id=train_id)
    equal("status after mark_completed", train.get_status(), "completed")
    equal("tags after set_tags + add_tags", sorted(train.get_tags()), ["baseline", "reviewed", "workflows"])
    equal("comment", train.comment, f"baseline run {tok}")
    last = train.get_last_scalar_metrics().get("loss", {}).get("train", {})
    equal("get_last_scalar_metrics loss/train", {k: last.get(k) for k in ("last", "min", "max")},
          {"last": LOSSES[-1], "min": min(LOSSES), "max": max(LOSSES)})
    equal("the dict artifact's value", train.artifacts["stats"].get(), STATS)
    equal("get_parameters_as_dict(cast=True) of the trained task", train.get_parameters_as_dict(cast=True).get("General"), PARAMS)
    # Scripts discover a task's series through the SDK's APIClient before fetching them.
    series = APIClient().events.get_scalar_metrics_and_variants(task=train_id)
    equal("APIClient events.get_scalar_metrics_and_variants", getattr(series, "metrics", series), {"loss": ["train"]})

    failed = Task.get_task(task_id=failed_id)
    equal("status after mark_failed", failed.get_status(), "failed")
    equal("status reason after mark_failed", failed.data.status_reason, "evaluation crashed")
    equal("type of Task.create(task_type='testing')", str(failed.task_type), "testing")

    clone = Task.get_task(task_id=clone_id)
    equal("the clone's parent", clone.parent, train_id)
    equal("the clone's parameters after set_parameters + update_parameters (cast)", clone.get_parameters_as_dict(cast=True).get("General"),
          {"lr": 0.05, "epochs": 5, "optimizer": "adam"})

    models = Model.query_models(project_name=where, tags=[f"run-{tok}"])
    equal("Model.query_models by tag", [m.id for m in models], [result["model_id"]])
    equal("the model's tags", sorted(models[0].tags), sorted(["workflows", f"run-{tok}"]))
    # Clean-up as users do it: the model and its weights file on the fileserver.
    expect(Model.remove(models[0], delete_weights_file=True, raise_on_errors=True), "Model.remove returned False")
    equal("Model.query_models by tag after Model.remove", Model.query_models(project_name=where, tags=[f"run-{tok}"]), [])

    # Published results are read-only: a script reporting to them afterwards is refused, as by clearml-server.
    train.publish(ignore_errors=False)
    late = Task.get_task(task_id=train_id)
    late.get_logger().report_scalar("late", "after-publish", value=1.0, iteration=9)
    late.flush(wait_for_uploads=True)

    pipe = query_pipeline(result["pipeline"])
    done(dict(result, pipeline_tasks=pipe, sdk=SDK))


def query_pipeline(name):
    """The controller lives in the hidden <project>/.pipelines/<name>; its steps beside it."""
    controllers = Task.get_tasks(project_name=f"{project('workflows')}/.pipelines/{name}", task_name=f"^{name}$",
                                 task_filter={"type": ["controller"], "search_hidden": True, "_allow_extra_fields_": True})
    equal("pipeline controllers found", len(controllers), 1)
    controller = controllers[0]
    equal("status of the pipeline controller", controller.get_status(), "completed")
    equal("the pipeline's return value", controller.artifacts["total"].get(), 28)
    steps = Task.get_tasks(task_filter={"parent": controller.id, "search_hidden": True, "_allow_extra_fields_": True})
    equal("pipeline steps", sorted(s.name for s in steps), ["add_up", "make_rows"])
    for step in steps:
        equal(f"status of pipeline step {step.name}", step.get_status(), "completed")
    rows = next(s for s in steps if s.name == "make_rows")
    equal("make_rows's returned artifact", rows.artifacts["rows"].get(), [0, 1, 4, 9])
    return {"controller": controller.id, "steps": ids(steps)}


if __name__ == "__main__":
    {"pipeline": pipeline, "tasks": tasks, "query": lambda: query({**arg(2), **arg(3)})}[sys.argv[1]]()
