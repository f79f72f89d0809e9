"""Datasets: a version and a child version, written by one process, fetched by another machine.

    python scenarios/datasets.py write          Dataset.create, add_files, upload, finalize; a child version
                                                that changes, removes and adds files
    python scenarios/datasets.py read '<JSON>'  another machine (fresh cache): Dataset.get(...).get_local_copy()
                                                of both versions, every file hash-checked; list_files
"""
import os
import sys

from clearml import Dataset

from common import arg, done, equal, expect, project, sha256_file, token, work_dir


def write_files(folder, files):
    for name, data in files.items():
        path = os.path.join(folder, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)


def hashes(folder):
    out = {}
    for top, _, names in os.walk(folder):
        for name in names:
            path = os.path.join(top, name)
            out[os.path.relpath(path, folder)] = sha256_file(path)
    return out


def write():
    tok = token()
    name = f"dataset-{tok}"
    parent_dir, child_dir = work_dir("ds-parent"), work_dir("ds-child")
    write_files(parent_dir, {"a.txt": b"alpha v1\n", "sub/b.bin": os.urandom(100 * 1024), "c.csv": b"x,y\n1,2\n"})
    parent = Dataset.create(dataset_name=name, dataset_project=project("datasets"))
    parent.add_files(path=parent_dir)
    parent.upload()
    expect(parent.finalize(), "finalize of the first version returned False")
    parent_files = hashes(parent_dir)

    write_files(child_dir, {"a.txt": b"alpha v2\n", "d.txt": b"delta\n"})
    child = Dataset.create(dataset_name=name, dataset_project=project("datasets"), parent_datasets=[parent.id])
    child.add_files(path=child_dir)
    child.remove_files(dataset_path="c.csv")
    child.upload()
    expect(child.finalize(), "finalize of the child version returned False")
    child_files = {"a.txt": sha256_file(os.path.join(child_dir, "a.txt")), "sub/b.bin": parent_files["sub/b.bin"],
                   "d.txt": sha256_file(os.path.join(child_dir, "d.txt"))}
    done({"name": name, "parent": {"id": parent.id, "files": parent_files}, "child": {"id": child.id, "files": child_files}})


def read(result):
    latest = Dataset.get(dataset_project=project("datasets"), dataset_name=result["name"])
    equal("the latest version Dataset.get finds by name", latest.id, result["child"]["id"])
    graph = latest.get_dependency_graph()
    equal("the child's parents in get_dependency_graph", graph.get(result["child"]["id"]), [result["parent"]["id"]])
    equal("list_files of the child", sorted(latest.list_files()), sorted(result["child"]["files"]))
    for version in ("child", "parent"):
        dataset = Dataset.get(dataset_id=result[version]["id"])
        folder = dataset.get_local_copy()
        expect(folder and os.path.isdir(folder), f"get_local_copy of the {version} version returned {folder!r}")
        equal(f"files of the {version} version (sha256)", hashes(folder), result[version]["files"])
    done(result)


if __name__ == "__main__":
    {"write": lambda: write(), "read": lambda: read(arg())}[sys.argv[1]]()
