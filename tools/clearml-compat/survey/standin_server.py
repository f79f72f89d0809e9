#!/usr/bin/env python3
"""SURVEY TOOL, not a test of Warden: a recording stand-in for the ClearML API server and fileserver.

It answers the endpoints the ClearML SDK calls during tools/clearml-compat/scenario.py with
ClearML-shaped responses (shapes taken from clearml-server's apiserver/schema/services/*.conf),
keeps just enough in-memory state for the SDK to read back what it wrote, and appends one JSON
line per HTTP request to a log, so we can see exactly what Warden's real servers must accept.

Standard library only, so it runs with any python3:
    standin_server.py --api-port 18008 --files-port 18081 --log calls.jsonl \
        --access-key KEY --secret-key SECRET [--access-key2 KEY2 --secret-key2 SECRET2]
The second key pair belongs to another tenant (company), so check.py's isolation probe has someone
to be refused to. Tenancy is only modelled for tasks.get_by_id / tasks.get_all.
"""
import argparse
import base64
import email.parser
import email.policy
import hashlib
import hmac
import json
import re
import secrets
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

# What the token advertises: clearml-server 2.0's values (schema max version 2.31).
API_VERSION = "2.31"
SERVER_VERSION = "2.0.0"
TOKEN_SECRET = secrets.token_bytes(32)  # per run: tokens from the stand-in mean nothing elsewhere
MAX_LOGGED_STRING = 160  # long strings (script diffs, base64 blobs) are cut in the log


class ApiError(Exception):
    def __init__(self, code, subcode, msg):
        super().__init__(msg)
        self.code, self.subcode, self.msg = code, subcode, msg


# ---------------------------------------------------------------- tokens


def b64url(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def make_token(identity, expiration_sec):
    """An HS256 JWT with the claims clearml-server puts in its tokens (bll/auth get_token_for_user)."""
    now = int(time.time())
    claims = {
        "identity": identity,
        "entities": {},
        "iat": now,
        "exp": now + expiration_sec,
        "session_id": uuid.uuid4().hex,
        "env": "survey",
        "api_version": API_VERSION,
        "server_version": SERVER_VERSION,
        "server_build": "0",
        "feature_set": "basic",
    }
    head = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = b64url(json.dumps(claims).encode())
    sig = b64url(hmac.new(TOKEN_SECRET, f"{head}.{body}".encode(), hashlib.sha256).digest())
    return f"{head}.{body}.{sig}"


def read_token(token):
    head, body, sig = token.split(".")
    expected = b64url(hmac.new(TOKEN_SECRET, f"{head}.{body}".encode(), hashlib.sha256).digest())
    if not hmac.compare_digest(sig, expected):
        raise ApiError(401, 22, "Invalid token")
    claims = json.loads(b64url_decode(body))
    if claims["exp"] < time.time():
        raise ApiError(401, 22, "Token expired")
    return claims["identity"]


# ---------------------------------------------------------------- state


class State:
    def __init__(self, credentials):
        self.lock = threading.Lock()
        self.credentials = credentials  # access_key -> (secret, identity)
        self.projects = {}
        self.tasks = {}
        self.events = []  # (company, event)
        self.files = {}  # (company, path) -> bytes


def new_id():
    return uuid.uuid4().hex


def merge(dst, src):
    """Dict-deep merge, as the server does for tasks.edit sub-objects the SDK sends piecewise."""
    for key, value in src.items():
        if isinstance(value, dict) and isinstance(dst.get(key), dict):
            merge(dst[key], value)
        else:
            dst[key] = value


def own_task(state, identity, task_id):
    task = state.tasks.get(task_id)
    if not task or task["company"] != identity["company"]:
        raise ApiError(400, 101, f"Invalid task id: id={task_id}")
    return task


def set_status(status):
    def handler(state, identity, body):
        task = own_task(state, identity, body["task"])
        fields = {"status": status, "status_changed": now_iso(), "last_update": now_iso()}
        if body.get("status_reason") is not None:
            fields["status_reason"] = body["status_reason"]
        if body.get("status_message") is not None:
            fields["status_message"] = body["status_message"]
        if status == "in_progress":
            fields["started"] = now_iso()
        if status in ("completed", "stopped", "failed", "closed"):
            fields["completed"] = now_iso()
        task.update(fields)
        return {"updated": 1, "fields": fields}

    return handler


def now_iso():
    return time.strftime("%Y-%m-%dT%H:%M:%S.000000+00:00", time.gmtime())


# ---------------------------------------------------------------- endpoints (service.action -> handler)


def auth_login(state, identity, body):
    expiration = int(body.get("expiration_sec") or 3600)
    return {"token": make_token(identity, expiration)}


def projects_get_all(state, identity, body):
    found = [
        p
        for p in state.projects.values()
        if p["company"] == identity["company"]
        and (not body.get("id") or p["id"] in body["id"])
        and (not body.get("name") or match_name(body["name"], p["name"]))
    ]
    return {"projects": found}


def match_name(pattern, name):
    # The SDK looks projects and tasks up by regex (e.g. "^<escaped name>$"), as the server allows.
    return re.match(pattern, name) is not None


def projects_get_by_id(state, identity, body):
    project = state.projects.get(body["project"])
    if not project or project["company"] != identity["company"]:
        raise ApiError(400, 101, f"Invalid project id: id={body['project']}")
    return {"project": project}


def projects_create(state, identity, body):
    pid = new_id()
    state.projects[pid] = {
        "id": pid,
        "name": body["name"],
        "company": identity["company"],
        "user": identity["user"],
        "description": body.get("description", ""),
        "system_tags": body.get("system_tags", []),
        "tags": body.get("tags", []),
        "created": now_iso(),
    }
    return {"id": pid}


def tasks_create(state, identity, body):
    tid = new_id()
    task = {
        "id": tid,
        "company": identity["company"],  # ids, as in clearml-server's task schema
        "user": identity["user"],
        "status": "created",
        "created": now_iso(),
        "last_update": now_iso(),
        "execution": {},
        "hyperparams": {},
        "configuration": {},
        "runtime": {},
        "tags": [],
        "system_tags": [],
    }
    merge(task, {k: v for k, v in body.items() if k not in ("company", "user")})
    state.tasks[tid] = task
    return {"id": tid}


def tasks_get_all(state, identity, body):
    ids = body.get("id")
    if isinstance(ids, str):
        ids = [ids]
    found = [
        t
        for t in state.tasks.values()
        if t["company"] == identity["company"]
        and (not ids or t["id"] in ids)
        and (not body.get("name") or match_name(body["name"], t.get("name", "")))
        and (not body.get("project") or t.get("project") in body["project"])
    ]
    return {"tasks": found}


def tasks_get_by_id(state, identity, body):
    return {"task": own_task(state, identity, body["task"])}


def tasks_edit(state, identity, body):
    task = own_task(state, identity, body["task"])
    fields = {k: v for k, v in body.items() if k not in ("task", "force")}
    merge(task, fields)
    task["last_update"] = now_iso()
    return {"updated": 1, "fields": fields}


def tasks_add_or_update_artifacts(state, identity, body):
    task = own_task(state, identity, body["task"])
    artifacts = task.setdefault("execution", {}).setdefault("artifacts", [])
    for new in body["artifacts"]:
        artifacts[:] = [a for a in artifacts if (a["key"], a.get("mode")) != (new["key"], new.get("mode"))]
        artifacts.append(new)
    return {"updated": len(body["artifacts"])}


def tasks_set_requirements(state, identity, body):
    task = own_task(state, identity, body["task"])
    task.setdefault("script", {})["requirements"] = body.get("requirements", {})
    return {"updated": 1, "fields": {"script.requirements": body.get("requirements", {})}}


def tasks_ping(state, identity, body):
    own_task(state, identity, body["task"])
    return {}


def events_add(state, identity, event):
    own_task(state, identity, event["task"])
    state.events.append((identity["company"], event))


def events_add_batch(state, identity, lines):
    for event in lines:
        events_add(state, identity, event)
    return {"added": len(lines), "errors": 0, "errors_info": {}}


def task_events(state, identity, body, event_type):
    own_task(state, identity, body["task"])
    return [e for company, e in state.events if e["task"] == body["task"] and e.get("type") == event_type]


def events_get_task_log(state, identity, body):
    """Only the first page, oldest first: enough for check.py, which asks for more lines than it wrote."""
    logs = sorted(task_events(state, identity, body, "log"), key=lambda e: e.get("timestamp", 0))
    page = logs[: int(body.get("batch_size") or 500)]
    return {"events": page, "returned": len(page), "total": len(logs)}


def events_get_task_events(state, identity, body):
    """Only the first page: enough for check.py's 200 scalars."""
    events = task_events(state, identity, body, body.get("event_type", "training_stats_scalar"))
    page = events[: int(body.get("batch_size") or 500)]
    return {"events": page, "returned": len(page), "total": len(events), "scroll_id": new_id()}


def events_scalar_metrics_iter_histogram(state, identity, body):
    """clearml-server answers {metric: {variant: {"name", "x": [iters], "y": [values]}}} directly in data."""
    result = {}
    for e in sorted(task_events(state, identity, body, "training_stats_scalar"), key=lambda e: e.get("iter", 0)):
        series = result.setdefault(e["metric"], {}).setdefault(e["variant"], {"name": e["variant"], "x": [], "y": []})
        series["x"].append(e.get("iter"))
        series["y"].append(e.get("value"))
    return result


# What the scenario calls, plus tasks.failed (a crashing scenario) and tasks.ping (runs over 30 s).
HANDLERS = {
    "auth.login": auth_login,
    "projects.get_all": projects_get_all,
    "projects.create": projects_create,
    "projects.get_by_id": projects_get_by_id,
    "tasks.create": tasks_create,
    "tasks.get_all": tasks_get_all,
    "tasks.get_by_id": tasks_get_by_id,
    "tasks.edit": tasks_edit,
    "tasks.started": set_status("in_progress"),
    "tasks.stopped": set_status("stopped"),
    "tasks.completed": set_status("completed"),
    "tasks.failed": set_status("failed"),
    "tasks.ping": tasks_ping,
    "tasks.add_or_update_artifacts": tasks_add_or_update_artifacts,
    "tasks.set_requirements": tasks_set_requirements,
    "events.add_batch": events_add_batch,
    "events.get_task_log": events_get_task_log,
    "events.get_task_events": events_get_task_events,
    "events.scalar_metrics_iter_histogram": events_scalar_metrics_iter_histogram,
}


# ---------------------------------------------------------------- recording


class Recorder:
    def __init__(self, path):
        self.lock = threading.Lock()
        self.file = open(path, "a", encoding="utf-8")
        self.start = time.monotonic()
        self.seq = 0

    def write(self, record):
        with self.lock:
            self.seq += 1
            record = {"seq": self.seq, "t": round(time.monotonic() - self.start, 3), **record}
            self.file.write(json.dumps(record, sort_keys=False) + "\n")
            self.file.flush()


def shorten(value):
    """Keeps the shape of a request/response body but cuts long strings and lists for the log."""
    if isinstance(value, str):
        return value if len(value) <= MAX_LOGGED_STRING else value[:MAX_LOGGED_STRING] + f"...<{len(value)} chars>"
    if isinstance(value, dict):
        return {k: shorten(v) for k, v in value.items()}
    if isinstance(value, list):
        head = [shorten(v) for v in value[:3]]
        return head + [f"...<{len(value)} items>"] if len(value) > 3 else head
    return value


def logged_headers(headers):
    """Every header the SDK sends, with credentials reduced to their scheme."""
    out = {}
    for name, value in headers.items():
        if name.lower() == "authorization":
            value = value.split(" ", 1)[0] + " <redacted>"
        out[name] = value
    return out


def summarize_jsonl(lines):
    types = {}
    for line in lines:
        key = f"{line.get('type')}"
        types[key] = types.get(key, 0) + 1
    return {"lines": len(lines), "event_types": types, "first": shorten(lines[0]) if lines else None}


# ---------------------------------------------------------------- HTTP


def authenticate(state, headers):
    scheme, _, value = (headers.get("Authorization") or "").partition(" ")
    if scheme == "Bearer":
        return read_token(value), "Bearer"
    if scheme == "Basic":
        key, _, secret = base64.b64decode(value).decode().partition(":")
        entry = state.credentials.get(key)
        if not entry or not hmac.compare_digest(entry[0], secret):
            raise ApiError(401, 20, "Unauthorized (invalid credentials)")
        return entry[1], "Basic"
    raise ApiError(401, 20, "Unauthorized (missing credentials)")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    state: State = None
    recorder: Recorder = None
    role = None  # "api" or "files"

    def log_message(self, *args):
        pass  # the JSON log is the record; stderr stays quiet

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            return self.rfile.read(length)
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().strip(), 16)
                chunk = self.rfile.read(size)
                self.rfile.readline()
                if not size:
                    return b"".join(chunks)
                chunks.append(chunk)
        return b""

    def send(self, status, payload, content_type="application/json"):
        raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def do_GET(self):
        self.dispatch()

    def do_POST(self):
        self.dispatch()

    def do_PUT(self):
        self.dispatch()

    def do_DELETE(self):
        self.dispatch()

    def do_HEAD(self):
        self.dispatch()

    def dispatch(self):
        body = self.read_body()
        record = {
            "server": self.role,
            "method": self.command,
            "path": self.path,
            "headers": logged_headers(self.headers),
        }
        try:
            if self.role == "api":
                self.api(body, record)
            else:
                self.files(body, record)
        finally:
            self.recorder.write(record)

    # --- API server

    def api(self, raw, record):
        url = urlsplit(self.path)
        parts = url.path.strip("/").split("/")
        requested = parts[0][1:] if len(parts) == 2 and parts[0].startswith("v") else None
        endpoint = parts[-1]
        content_type = self.headers.get("Content-Type", "")
        body, lines = {}, None
        if content_type.startswith("application/json-lines"):
            lines = [json.loads(line) for line in raw.decode().splitlines() if line.strip()]
            record["body"] = summarize_jsonl(lines)
        elif raw:
            body = json.loads(raw)
            record["body"] = shorten(body)
        # The SDK puts its HTTP method into every body and event ("method": "get"); it is not task data.
        if isinstance(body, dict):
            body.pop("method", None)
        for line in lines or []:
            line.pop("method", None)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        if query:
            record["query"] = query
            body = {**query, **body} if isinstance(body, dict) else body
        meta = {
            "id": new_id(),
            "trx": new_id(),
            "endpoint": {"name": endpoint, "requested_version": requested, "actual_version": requested or "1.0"},
            "result_code": 200,
            "result_subcode": 0,
            "result_msg": "OK",
            "error_stack": None,
            "error_data": {},
        }
        try:
            identity, _ = authenticate(self.state, self.headers)
            handler = HANDLERS.get(endpoint)
            if handler is None:
                raise ApiError(400, 11, f"Invalid action: {endpoint} (not in the stand-in)")
            with self.state.lock:
                data = handler(self.state, identity, lines if lines is not None else body)
            status = 200
        except ApiError as err:
            status, data = err.code, {}
            meta.update(result_code=err.code, result_subcode=err.subcode, result_msg=err.msg)
        except (KeyError, TypeError, ValueError) as err:
            status, data = 400, {}
            meta.update(result_code=400, result_subcode=0, result_msg=f"Validation error: {err!r}")
        record["status"] = status
        record["result_msg"] = meta["result_msg"]
        record["response"] = shorten(data)
        if "token" in data:  # the log shows the claims the SDK gets, never a usable token
            record["response"] = {"token": "<redacted JWT>", "claims": json.loads(b64url_decode(data["token"].split(".")[1]))}
        self.send(status, {"meta": meta, "data": data})

    # --- fileserver

    def files(self, raw, record):
        path = urlsplit(self.path).path.lstrip("/")
        try:
            identity, _ = authenticate(self.state, self.headers)
        except ApiError as err:
            record["status"] = 401
            return self.send(401, {"error": err.msg})
        if self.command == "POST":
            parts = parse_multipart(self.headers.get("Content-Type", ""), raw)
            record["multipart"] = [
                {"field": name, "filename": filename, "content_type": ctype, "bytes": len(data)}
                for name, filename, ctype, data in parts
            ]
            with self.state.lock:
                for name, _, _, data in parts:
                    # clearml's fileserver stores each part at <url path>/<field name>
                    # (the SDK's field names start with "/", so both parts are stripped)
                    key = "/".join(filter(None, [path.strip("/"), name.strip("/")]))
                    self.state.files[(identity["company"], key)] = data
            record["status"] = 200
            return self.send(200, b"", "text/plain")
        if self.command in ("GET", "HEAD"):
            data = self.state.files.get((identity["company"], path))
            record["status"] = 200 if data is not None else 404
            if data is None:
                return self.send(404, b"not found", "text/plain")
            return self.send(200, data, "application/octet-stream")
        if self.command == "DELETE":
            record["status"] = 200 if self.state.files.pop((identity["company"], path), None) is not None else 404
            return self.send(record["status"], b"", "text/plain")
        record["status"] = 405
        return self.send(405, b"", "text/plain")


def parse_multipart(content_type, raw):
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + raw
    )
    return [
        (part.get_param("name", header="content-disposition"), part.get_filename(), part.get_content_type(),
         part.get_payload(decode=True) or b"")
        for part in message.iter_parts()
    ]


class QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        # run-survey.sh's port probe connects and hangs up: not worth a traceback; anything else is
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def serve(role, port, state, recorder):
    handler = type(f"{role}Handler", (Handler,), {"state": state, "recorder": recorder, "role": role})
    server = QuietServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name=role, daemon=True)
    thread.start()
    return server


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--api-port", type=int, required=True)
    parser.add_argument("--files-port", type=int, required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--access-key", required=True)
    parser.add_argument("--secret-key", required=True)
    parser.add_argument("--access-key2")
    parser.add_argument("--secret-key2")
    args = parser.parse_args()

    def identity(n):
        return {"user": f"user{n}", "company": f"company{n}", "role": "user",
                "user_name": f"Survey User {n}", "company_name": f"Survey Tenant {n}"}

    credentials = {args.access_key: (args.secret_key, identity(1))}
    if args.access_key2:
        credentials[args.access_key2] = (args.secret_key2, identity(2))
    state = State(credentials)
    recorder = Recorder(args.log)
    serve("api", args.api_port, state, recorder)
    serve("files", args.files_port, state, recorder)
    print(f"stand-in listening: api http://127.0.0.1:{args.api_port} files http://127.0.0.1:{args.files_port}",
          flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
