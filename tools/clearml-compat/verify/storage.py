"""REST verification of the storage scenario: each uploaded file, byte for byte, only with the tenant's token."""
from common import api, download, equal, main, refused_to_other_tenant, second_api


def verify(result):
    client, other = api(), second_api()
    for name, file in result["files"].items():
        equal(f"sha256 of {name}", download(client, file["url"], name), file["sha256"])
        refused_to_other_tenant(other, file["url"], name)
    return f"{len(result['files'])} files uploaded by StorageManager (sha256), refused without a token and to a second tenant"


if __name__ == "__main__":
    main(verify, "storage")
