"""The bench's stand-in for ClearML's fileserver (clearml-server fileserver/fileserver.py), written
for Warden's bench after reading it: the same Flask calls on the paths the bench measures, run the
same way (gunicorn, sync workers). Where it differs, and why that does not favour Warden:
- auth is off, as ClearML's fileserver runs by default (no token check per request);
- no flask-cors and no flask-compress: the bench's clients send no Origin and no Accept-Encoding,
  so both would only add their per-request bookkeeping (sent files are never compressed);
- no pyhocon config: the few settings it reads are constants here, at ClearML's defaults;
- only ping, upload and download: delete is not measured.
"""
import json
import logging
import mimetypes
import os
from pathlib import Path

from flask import Flask, request, send_from_directory
from werkzeug.exceptions import NotFound
from werkzeug.security import safe_join

# ClearML logs one INFO line per upload and download.
logging.basicConfig(level=logging.INFO, format="[%(asctime)s] [%(process)d] [%(levelname)s] [%(name)s] %(message)s")
log = logging.getLogger("fileserver")

app = Flask(__name__)
app.config["UPLOAD_FOLDER"] = os.environ["CLEARML_UPLOAD_FOLDER"]
# fileserver.download.cache_timeout_sec's default
app.config["SEND_FILE_MAX_AGE_DEFAULT"] = 5 * 60


@app.route("/", methods=["GET"])
def ping():
    return "OK", 200


@app.before_request
def before_request():
    if request.content_encoding:
        return f"Content encoding is not supported ({request.content_encoding})", 415


@app.after_request
def after_request(response):
    response.headers["server"] = "clearml"
    return response


@app.route("/", methods=["POST"])
def upload():
    results = []
    for filename, file in request.files.items():
        if not filename:
            continue
        file_path = filename.lstrip(os.sep)
        safe_path = safe_join(app.config["UPLOAD_FOLDER"], file_path)
        if safe_path is None:
            raise NotFound()
        target = Path(safe_path)
        target.parent.mkdir(parents=True, exist_ok=True)
        file.save(str(target))
        results.append(file_path)
    log.info(f"Uploaded {len(results)} files")
    return json.dumps(results), 200


@app.route("/<path:path>", methods=["GET"])
def download(path):
    _, encoding = mimetypes.guess_type(os.path.basename(path))
    mimetype = "application/octet-stream" if encoding == "gzip" else None
    response = send_from_directory(app.config["UPLOAD_FOLDER"], path, as_attachment="download" in request.args, mimetype=mimetype)
    log.info(f"Downloaded file {str(path)}")
    return response
