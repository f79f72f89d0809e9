#!/usr/bin/env bash
# SURVEY TOOL: runs the compat scenario (and check.py) against the recording stand-in server instead
# of Warden, and keeps the record of every HTTP call the SDK made in survey/recorded-calls.jsonl.
# Credentials are throwaway values generated here, and the log keeps only the Authorization scheme.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
log="$here/recorded-calls.jsonl"
python=$("$here/../setup.sh")

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
throwaway() { python3 -c 'import secrets; print(secrets.token_hex('"$1"'))'; }

api_port=$(free_port)
files_port=$(free_port)
key=$(throwaway 15) secret=$(throwaway 30) key2=$(throwaway 15) secret2=$(throwaway 30)

: >"$log"
python3 "$here/standin_server.py" --api-port "$api_port" --files-port "$files_port" --log "$log" \
  --access-key "$key" --secret-key "$secret" --access-key2 "$key2" --secret-key2 "$secret2" &
server_pid=$!
trap 'kill "$server_pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do (exec 3<>"/dev/tcp/127.0.0.1/$api_port") 2>/dev/null && break; sleep 0.1; done

export CLEARML_API_HOST="http://127.0.0.1:$api_port"
export CLEARML_WEB_HOST="http://127.0.0.1:$api_port"  # the SDK only prints web links with it
export CLEARML_FILES_HOST="http://127.0.0.1:$files_port"
export CLEARML_API_ACCESS_KEY="$key" CLEARML_API_SECRET_KEY="$secret"

out=$(mktemp)
trap 'kill "$server_pid" 2>/dev/null || true; rm -f "$out"' EXIT
"$here/../run.sh" | tee "$out"
CHECK_SECOND_ACCESS_KEY="$key2" CHECK_SECOND_SECRET_KEY="$secret2" \
  "$python" "$here/../check.py" "$(tail -n 1 "$out")"

# The record must not hold the throwaway secrets either (only Authorization schemes are logged).
if grep -qF -e "$secret" -e "$secret2" "$log"; then
  echo "run-survey: a secret reached $log" >&2
  exit 1
fi
echo "recorded $(wc -l <"$log") calls in $log"
