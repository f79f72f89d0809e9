"""The ClearML SDK scenario Warden must serve: one training-like task, run with the unmodified SDK.

Configured only through CLEARML_* environment variables (run.sh sets them up). Prints, as its last
line, a JSON object for check.py:
    {"task_id": ..., "artifacts": {name: {"url": ..., "sha256": ...}}, "scalars": {...}, "log_lines": [...]}
The numbers below are the contract with check.py, which reads them from that line.
"""
import hashlib
import json
import os
import sys
import tempfile

from clearml import Task

PROJECT = os.environ.get("SCENARIO_PROJECT", "warden-compat")
TASK_NAME = os.environ.get("SCENARIO_TASK", "sdk-scenario")
SERIES = ("train", "validation")
ITERATIONS = 100  # per series: 2 x 100 = 200 scalars
LOG_LINES = [f"warden-compat console line {i}" for i in range(5)]
ARTIFACT_METADATA = {"source": "warden", "epoch": 3}


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def main() -> None:
    # Everything that needs GPUs, ML frameworks or a CLI parser is off: the scenario runs on a bare machine.
    task = Task.init(
        project_name=PROJECT,
        task_name=TASK_NAME,
        reuse_last_task_id=False,  # each run is a new task, so a re-run cannot pass on an old one
        auto_connect_frameworks=False,
        auto_connect_arg_parser=False,
        auto_resource_monitoring=False,
        auto_connect_streams=True,  # stdout/stderr are what the console logger reports
    )

    logger = task.get_logger()
    for i in range(ITERATIONS):
        logger.report_scalar(title="loss", series=SERIES[0], value=1.0 / (i + 1), iteration=i)
        logger.report_scalar(title="loss", series=SERIES[1], value=1.5 / (i + 1), iteration=i)
    for line in LOG_LINES:
        print(line)

    # The three kinds of artifact check.py verifies byte for byte.
    text = "warden compat string artifact\n"
    workdir = tempfile.mkdtemp(prefix="clearml-compat-")
    file_path = os.path.join(workdir, "payload.bin")
    file_bytes = os.urandom(64 * 1024)
    with open(file_path, "wb") as f:
        f.write(file_bytes)
    task.upload_artifact("config", artifact_object={"lr": 0.001, "layers": [64, 32], "name": "warden"},
                         wait_on_upload=True)
    task.upload_artifact("note", artifact_object=text, wait_on_upload=True)
    task.upload_artifact("payload", artifact_object=file_path, wait_on_upload=True)
    # An artifact with metadata (stored as display_data pairs), then one more: the SDK re-sends the whole
    # list each time, so a refused metadata artifact would silently lose every later one.
    task.upload_artifact("tagged", artifact_object="warden tagged artifact\n", metadata=ARTIFACT_METADATA,
                         wait_on_upload=True)
    task.upload_artifact("after-tagged", artifact_object={"after": True}, wait_on_upload=True)
    task.flush(wait_for_uploads=True)

    artifacts = {name: {"url": a.url, "sha256": a.hash} for name, a in task.artifacts.items()}
    # The SDK hashes what it uploads; where we know the bytes ourselves, make sure it hashed those.
    expected = {"note": sha256(text.encode()), "payload": sha256(file_bytes)}
    for name, digest in expected.items():
        if artifacts.get(name, {}).get("sha256") != digest:
            sys.exit(f"scenario: artifact {name!r} recorded as {artifacts.get(name)}, expected sha256 {digest}")

    # Read one artifact back through the SDK, as a user's next script would.
    with open(task.artifacts["payload"].get_local_copy(), "rb") as f:
        if sha256(f.read()) != expected["payload"]:
            sys.exit("scenario: the downloaded payload artifact differs from the uploaded one")

    task_id = task.id
    task.close()
    result = {
        "task_id": task_id,
        "artifacts": artifacts,
        "scalars": {"title": "loss", "series": list(SERIES), "points": ITERATIONS},
        "log_lines": LOG_LINES,
        "metadata": {"tagged": {k: str(v) for k, v in ARTIFACT_METADATA.items()}},
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
