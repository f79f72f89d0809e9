"""Every Logger report kind, written by one process and read back by another through the SDK's own readers.

    python scenarios/reports.py write          scalars, single values, plotly, scatter, histogram, table,
                                               matplotlib, images and media (debug samples), console text
    python scenarios/reports.py read '<JSON>'  get_reported_scalars/_single_values/_plots/_console_output,
                                               get_debug_samples, each sample's file downloaded and hashed
"""
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 (the backend must be chosen first)
from PIL import Image  # noqa: E402 (a dependency of clearml)

from clearml import StorageManager, Task  # noqa: E402

from common import arg, close, done, equal, expect, init, sha256_file, token, work_dir  # noqa: E402

ITERATIONS = 20
SCALARS = {"acc": lambda i: round(0.5 + i / 100, 4), "loss": lambda i: round(1.0 / (i + 1), 4)}
SINGLE_VALUES = {"best_acc": 0.93, "epochs": 20.0}
PLOTLY = {"data": [{"type": "scatter", "x": [1, 2, 3], "y": [4.0, 1.0, 2.0], "name": "warden"}],
          "layout": {"title": "plotly"}}
TABLE = [["name", "score"], ["warden-a", "0.91"], ["warden-b", "0.87"]]
# (metric, variant) of each plot the writer reports.
PLOTS = [["plotly", "line"], ["scatter", "points"], ["hist", "counts"], ["table", "scores"], ["matplotlib", "sine"]]
IMAGE_ITERATIONS = 3
CONSOLE_LINE = "warden-compat reports console line"


def write():
    task = init("reports", f"reports-{token()}", reuse_last_task_id=False)
    logger = task.get_logger()
    for i in range(ITERATIONS):
        for series, value in SCALARS.items():
            logger.report_scalar("metrics", series, value=value(i), iteration=i)
    for name, value in SINGLE_VALUES.items():
        logger.report_single_value(name, value)
    logger.report_plotly("plotly", "line", figure=PLOTLY, iteration=0)
    logger.report_scatter2d("scatter", "points", scatter=[[0, 1], [1, 3], [2, 2]], iteration=1, mode="lines+markers")
    logger.report_histogram("hist", "counts", values=[3, 5, 1, 7], iteration=2)
    logger.report_table("table", "scores", iteration=3, table_plot=TABLE)
    figure = plt.figure()
    plt.plot([0, 1, 2, 3], [0.0, 0.84, 0.91, 0.14])
    logger.report_matplotlib_figure("matplotlib", "sine", figure=figure, iteration=4, report_image=False)
    plt.close(figure)

    folder = work_dir("reports")
    samples = {}
    for i in range(IMAGE_ITERATIONS):
        path = os.path.join(folder, f"image-{i}.png")
        Image.new("RGB", (16 + i, 16), color=(40 * i, 80, 160)).save(path)
        logger.report_image("images", "png", iteration=i, local_path=path)
        samples[f"images/png/{i}"] = sha256_file(path)
    text = os.path.join(folder, "notes.txt")
    with open(text, "w") as f:
        f.write("warden-compat media sample\n")
    logger.report_media("media", "text", iteration=0, local_path=text)
    samples["media/text/0"] = sha256_file(text)
    logger.report_text(CONSOLE_LINE)
    task.flush(wait_for_uploads=True)
    task_id = task.id
    task.close()
    done({"task_id": task_id, "samples": samples})


def read_plots(task):
    plots = task.get_reported_plots()
    found = sorted({(p.get("metric"), p.get("variant")) for p in plots})
    for metric, variant in PLOTS:
        expect((metric, variant) in found, f"get_reported_plots lacks {metric}/{variant} (has {found})")
    plotly = next(p for p in plots if (p.get("metric"), p.get("variant")) == ("plotly", "line"))
    figure = json.loads(plotly["plot_str"])
    equal("the plotly plot's y values", figure["data"][0]["y"], PLOTLY["data"][0]["y"])
    table = next(p for p in plots if (p.get("metric"), p.get("variant")) == ("table", "scores"))
    expect("warden-b" in table["plot_str"], "the table plot lacks its cells")
    return len(plots)


def read_samples(task, expected):
    downloaded = {}
    for metric, variant in (("images", "png"), ("media", "text")):
        for event in task.get_debug_samples(metric, variant):
            key = f"{metric}/{variant}/{event.get('iter')}"
            url = event.get("url")
            expect(url, f"debug sample {key} has no url: {event}")
            local = StorageManager.get_local_copy(url, extract_archive=False)
            expect(local, f"StorageManager.get_local_copy({url}) returned nothing")
            downloaded[key] = {"url": url, "sha256": sha256_file(local)}
    equal("debug samples (name: sha256)", {k: v["sha256"] for k, v in downloaded.items()}, expected)
    return downloaded


def read(result):
    task = Task.get_task(task_id=result["task_id"])
    scalars = task.get_reported_scalars()
    for series, value in SCALARS.items():
        points = scalars.get("metrics", {}).get(series, {})
        equal(f"scalar series metrics/{series} x", points.get("x"), list(range(ITERATIONS)))
        close(points.get("y"), [value(i) for i in range(ITERATIONS)], f"scalar series metrics/{series} y")
    single = task.get_reported_single_values()
    equal("get_reported_single_values names", sorted(single), sorted(SINGLE_VALUES))
    close([single[k] for k in sorted(single)], [SINGLE_VALUES[k] for k in sorted(single)], "get_reported_single_values")
    close([task.get_reported_single_value("best_acc")], [0.93], "get_reported_single_value('best_acc')")
    plots = read_plots(task)
    samples = read_samples(task, result["samples"])
    console = "\n".join(task.get_reported_console_output(number_of_reports=50))
    expect(CONSOLE_LINE in console, "get_reported_console_output lacks the reported text")
    done({"task_id": result["task_id"], "samples": samples, "plots": PLOTS, "plot_count": plots,
          "single_values": SINGLE_VALUES, "iterations": ITERATIONS, "scalars": sorted(SCALARS)})


if __name__ == "__main__":
    {"write": lambda: write(), "read": lambda: read(arg())}[sys.argv[1]]()
