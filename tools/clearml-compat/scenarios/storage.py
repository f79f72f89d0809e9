"""StorageManager against the authenticated fileserver: upload a file and a folder, read them back.

    python scenarios/storage.py    upload_file, upload_folder, exists_file, get_file_size_bytes,
                                   get_local_copy and download_file, each download hashed
"""
import os

from clearml import StorageManager

from common import SDK, done, equal, expect, sha256_file, token, work_dir


def main():
    base = f"{os.environ['CLEARML_FILES_HOST'].rstrip('/')}/warden-compat/storage-{SDK}/{token()}"
    folder = work_dir("storage")
    payload = os.path.join(folder, "payload.bin")
    with open(payload, "wb") as f:
        f.write(os.urandom(300 * 1024))
    tree = os.path.join(folder, "tree")
    os.makedirs(os.path.join(tree, "sub"))
    for name, text in (("a.txt", "alpha\n"), (os.path.join("sub", "b.txt"), "beta\n")):
        with open(os.path.join(tree, name), "w") as f:
            f.write(text)

    url = StorageManager.upload_file(payload, f"{base}/payload.bin", wait_for_upload=True)
    equal("upload_file's url", url, f"{base}/payload.bin")
    StorageManager.upload_folder(tree, f"{base}/tree")
    files = {"payload.bin": sha256_file(payload), "tree/a.txt": sha256_file(os.path.join(tree, "a.txt")),
             "tree/sub/b.txt": sha256_file(os.path.join(tree, "sub", "b.txt"))}

    expect(StorageManager.exists_file(url), f"exists_file({url}) is False after the upload")
    expect(not StorageManager.exists_file(f"{base}/missing.bin"), "exists_file of a missing file is True")
    equal("get_file_size_bytes", StorageManager.get_file_size_bytes(url), os.path.getsize(payload))
    equal("get_local_copy's sha256", sha256_file(StorageManager.get_local_copy(url, extract_archive=False)), files["payload.bin"])
    target = work_dir("storage-download")
    for name in ("tree/a.txt", "tree/sub/b.txt"):
        local = StorageManager.download_file(f"{base}/{name}", local_folder=target, overwrite=True)
        expect(local, f"download_file({base}/{name}) returned nothing")
        equal(f"download_file {name}'s sha256", sha256_file(local), files[name])
    done({"files": {name: {"url": f"{base}/{name}", "sha256": digest} for name, digest in files.items()}})


if __name__ == "__main__":
    main()
