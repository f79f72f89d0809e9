"""Sets up the suite's two tenants as an operator would found them.

    WARDEN_OPERATOR_SECRET=... python tenants.py GATEWAY_URL API_HOST OUT_FILE

Founds two companies through the gateway's operator endpoint (POST /operator/tenants, with the
operator secret from the generated secrets; no service identity can found a tenant), each with an
admin who has a password. Each admin adds one user to its own company (auth.create_user through the
API host), who logs in with its password and creates its API credentials (auth.create_credentials):
the SDK runs as that user, not as an admin. OUT_FILE gets, readable by the owner only, shell lines
TENANT_A_ACCESS_KEY=..., TENANT_A_SECRET_KEY=..., TENANT_A_PASSWORD=..., TENANT_A_ADMIN_PASSWORD=...
and the same for B; nothing secret is printed.
"""
import os
import secrets
import sys

import requests

from check import TIMEOUT, Api, envelope, failure, run


def found_company(gateway, operator_secret, label):
    """The operator's action: a company and its first admin; returns the admin's username and password."""
    username = f"compat-{label.lower()}-admin-{secrets.token_hex(4)}"
    password = secrets.token_urlsafe(24)
    body = {"company_name": f"clearml-compat tenant {label}", "admin": {"username": username, "name": f"Compat {label} admin", "password": password}}
    res = requests.post(f"{gateway.rstrip('/')}/operator/tenants", json=body, timeout=TIMEOUT,
                        headers={"Authorization": f"Bearer {operator_secret}"})
    if res.status_code != 201:
        meta, _ = envelope("POST /operator/tenants", label, res)
        raise failure("POST /operator/tenants", label, res.status_code, meta)
    return username, password


def found_tenant(gateway, operator_secret, host, label):
    admin_username, admin_password = found_company(gateway, operator_secret, label)
    admin = Api(host, admin_username, admin_password)
    username = f"compat-{label.lower()}-{secrets.token_hex(4)}"
    password = secrets.token_urlsafe(24)
    admin.data("auth.create_user", username=username, name=f"Compat {label}", password=password, role="user")
    user = Api(host, username, password)
    credentials = user.data("auth.create_credentials", label="clearml-compat")["credentials"]
    return {"ACCESS_KEY": credentials["access_key"], "SECRET_KEY": credentials["secret_key"], "PASSWORD": password,
            "ADMIN_PASSWORD": admin_password}


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: tenants.py GATEWAY_URL API_HOST OUT_FILE")
    gateway, host, out = sys.argv[1:]
    operator_secret = os.environ["WARDEN_OPERATOR_SECRET"]
    lines = [f"TENANT_{label}_{key}={value}"
             for label in ("A", "B") for key, value in found_tenant(gateway, operator_secret, host, label).items()]
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("clearml-compat: tenants A and B founded by the operator, each a company with an admin and one user with API credentials")


if __name__ == "__main__":
    run(main, "setting up tenants: ")
