"""Sets up the suite's two tenants through Warden's API, as an operator would bootstrap them.

    WARDEN_SYSTEM_ACCESS_KEY=... WARDEN_SYSTEM_SECRET_KEY=... python tenants.py API_HOST OUT_FILE

Logs in with the system credentials (the apiserver's, from the generated secrets), founds two
companies with one user each (auth.create_user with company and company_name), then logs in as
each user with its password and creates its API credentials (auth.create_credentials). OUT_FILE
gets, readable by the owner only, shell lines TENANT_A_ACCESS_KEY=..., TENANT_A_SECRET_KEY=...,
TENANT_A_PASSWORD=... and the same for B; nothing secret is printed.
"""
import os
import secrets
import sys
import uuid

from check import Api, run


def found_tenant(system, host, label):
    company = uuid.uuid4().hex
    username = f"compat-{label.lower()}-{secrets.token_hex(4)}"
    password = secrets.token_urlsafe(24)
    system.data("auth.create_user", company=company, company_name=f"clearml-compat tenant {label}",
                username=username, name=f"Compat {label}", password=password, role="user")
    user = Api(host, username, password)
    credentials = user.data("auth.create_credentials", label="clearml-compat")["credentials"]
    return {"ACCESS_KEY": credentials["access_key"], "SECRET_KEY": credentials["secret_key"], "PASSWORD": password}


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: tenants.py API_HOST OUT_FILE")
    host, out = sys.argv[1:]
    system = Api(host, os.environ["WARDEN_SYSTEM_ACCESS_KEY"], os.environ["WARDEN_SYSTEM_SECRET_KEY"])
    lines = [f"TENANT_{label}_{key}={value}"
             for label in ("A", "B") for key, value in found_tenant(system, host, label).items()]
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("clearml-compat: tenants A and B set up, each a company with one user and API credentials")


if __name__ == "__main__":
    run(main, "setting up tenants: ")
