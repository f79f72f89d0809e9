# shellcheck shell=bash
# What the browser tiers (suite.sh, keycloak-suite.sh) share: the environment, `say`, a private work
# directory, the private stack's functions (tools/private-stack.sh) and the EXIT trap that stops the
# stack, scans the apps' logs for secrets and says PASSED or FAILED. Source it from the repository root
# with `tier` (the name in the log lines) and `tier_passed` (what a pass proves) set. The sourcing script
# defines:
#   tier_log_secrets  prints the log scan's --secrets/--signatures arguments, one a line, or nothing while
#                     there is nothing to scan yet (the scan also waits for the SDK venv's $python)
#   tier_cleanup      (optional) what else to stop once the scan is done
# and sets `reason` before a failing exit.
started=$SECONDS
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false PYTHONDONTWRITEBYTECODE=1
# Everything here talks to loopback: a proxy configured for the machine must not get in between.
export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost
say() { printf '[%s %3d s] %s\n' "$tier" "$((SECONDS - started))" "$*"; }

work=$(mktemp -d -t "warden-$tier.XXXXXX")
# shellcheck source=tools/private-stack.sh
source tools/private-stack.sh
reason=""

tier_log_secrets() { :; }
tier_cleanup() { :; }

tier_finish() {
  local rc=$? secrets scanned=""
  trap - EXIT
  set +e
  stack_down
  mapfile -t secrets < <(tier_log_secrets)
  if [[ -n ${python:-} ]] && ((${#secrets[@]} > 0)); then
    local scan=("$python" tools/clearml-compat/scan_logs.py "${secrets[@]}")
    if "${scan[@]}" "$logs"/*.log >"$work/leaks" 2>&1; then
      scanned=1
    else
      head -n 20 "$work/leaks"
      reason="${reason:+$reason; }the apps' logs hold a secret or token (above)"
      rc=1
    fi
    ((rc == 0)) || "${scan[@]}" --print --tail 150 "$logs"/*.log 2>/dev/null
  fi
  tier_cleanup
  if ((rc == 0)); then
    say "PASSED: $tier_passed${scanned:+; app logs free of secrets}"
  else
    say "FAILED: ${reason:-exit status $rc}"
  fi
  rm -rf "$work"
  exit "$rc"
}
trap tier_finish EXIT
# Bash skips the EXIT trap when a signal kills it, so turn TERM and INT into ordinary exits.
trap 'exit 143' TERM
trap 'exit 130' INT
