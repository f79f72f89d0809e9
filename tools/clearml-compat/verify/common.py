"""What the REST verifications share: the tenant's API, the second tenant's, the fileserver, one entry point."""
import hashlib
import json
import os
import sys
import time

import requests

from check import TIMEOUT, Api, CheckFailed, run


def api():
    return Api(os.environ["CLEARML_API_HOST"], os.environ["CLEARML_API_ACCESS_KEY"], os.environ["CLEARML_API_SECRET_KEY"])


def second_api():
    return Api(os.environ["CLEARML_API_HOST"], os.environ["CHECK_SECOND_ACCESS_KEY"], os.environ["CHECK_SECOND_SECRET_KEY"])


def expect(condition, message):
    if not condition:
        raise CheckFailed(message)


def equal(what, got, want):
    expect(got == want, f"{what} is {got!r}, expected {want!r}")


# The SDK sends events from a background thread; add_batch answers once they are searchable (as
# clearml-server's does), so a check is retried until the SDK has sent them.
SETTLE_SEC = 5


def settled(check, *args):
    """check(*args) once the events just written are searchable: retried until it passes or SETTLE_SEC ends."""
    deadline = time.monotonic() + SETTLE_SEC
    while True:
        try:
            return check(*args)
        except CheckFailed:
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.5)


def equal_values(what, got, want):
    """Name -> number maps, numbers as the events store keeps them (32-bit floats, as in ClearML)."""
    same = sorted(got) == sorted(want) and all(
        isinstance(got[k], (int, float)) and abs(got[k] - want[k]) <= 1e-6 * max(1.0, abs(want[k])) for k in want)
    expect(same, f"{what} is {got!r}, expected {want!r}")


def download(client, url, what):
    """The file's sha256 through the authenticated fileserver; refused without a token, and to the other tenant."""
    anonymous = requests.get(url, timeout=TIMEOUT)
    expect(anonymous.status_code == 401, f"downloading {what} from {url} without a token answered "
                                         f"{anonymous.status_code}, expected 401 (fileserver auth must be on)")
    res = requests.get(url, headers={"Authorization": f"Bearer {client.token}"}, timeout=TIMEOUT)
    expect(res.status_code == 200, f"downloading {what} from {url} answered {res.status_code}")
    return hashlib.sha256(res.content).hexdigest()


def refused_to_other_tenant(other, url, what):
    res = requests.get(url, headers={"Authorization": f"Bearer {other.token}"}, timeout=TIMEOUT)
    expect(res.status_code != 200, f"a second tenant downloads {what} from {url}")


def task_hidden_from(other, task_id):
    status, _, _ = other.call("tasks.get_by_id", task=task_id)
    expect(status != 200, f"a second tenant reads task {task_id} through tasks.get_by_id")


def main(verify, family):
    """verify(result) with the JSON the last SDK step printed; prints one OK line."""
    def entry():
        if len(sys.argv) < 2:
            sys.exit(f"usage: {family}.py '<JSON result of the last SDK step>' [more]")
        message = verify(json.loads(sys.argv[1]), *sys.argv[2:])
        print(f"clearml-compat: OK {family}: {message}")
    run(entry, f"{family}: ")
