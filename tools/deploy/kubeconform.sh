#!/usr/bin/env bash
# Validates Kubernetes manifests offline: tools/deploy/kubeconform.sh [kubeconform flags] FILE... (or - for stdin)
# kubeconform is built once from the Go module proxy; the Kubernetes JSON schemas come from PyPI's
# kubernetes-validate wheel, whose "local" schemas point at /api/_definitions.json: they are rewritten
# once to refer to the _definitions.json beside them by its file:// URL (kubeconform's compiler does
# not resolve a relative one), in the directory layout kubeconform reads.
set -euo pipefail
SERVICE_NAME=kubeconform
source "$(dirname "${BASH_SOURCE[0]}")/go-tool.sh"

KUBECONFORM_VERSION=v0.7.0
K8S_VERSION=1.37.0
SCHEMAS_PACKAGE=kubernetes-validate==1.37.0
BIN="$WARDEN_CACHE_DIR/bin/kubeconform-$KUBECONFORM_VERSION"
SCHEMAS="$WARDEN_CACHE_DIR/k8s-schemas/$SCHEMAS_PACKAGE"

build() { mkdir -p "$OUT.d" && GOBIN="$OUT.d" go install -trimpath "github.com/yannh/kubeconform/cmd/kubeconform@$KUBECONFORM_VERSION" && mv "$OUT.d/kubeconform" "$OUT" && rmdir "$OUT.d"; }
go_tool "$BIN" "kubeconform $KUBECONFORM_VERSION" build

if [[ ! -d "$SCHEMAS/v$K8S_VERSION-standalone-strict" ]]; then
  command -v python3 >/dev/null || die "python3 not found (it unpacks the Kubernetes schemas from PyPI)"
  log "fetching Kubernetes $K8S_VERSION JSON schemas ($SCHEMAS_PACKAGE from PyPI, first time only)"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  # Debian's python3 has no pip module unless python3-pip is installed; a venv (python3-venv, which the
  # SDK suite needs anyway) always brings its own.
  pip=(python3 -m pip)
  if ! python3 -m pip --version >/dev/null 2>&1; then
    python3 -m venv "$tmp/venv" || die "python3 has neither pip nor venv: install python3-venv"
    pip=("$tmp/venv/bin/pip")
  fi
  "${pip[@]}" download --quiet --no-deps -d "$tmp" "$SCHEMAS_PACKAGE" || die "pip download $SCHEMAS_PACKAGE failed"
  python3 - "$tmp"/kubernetes_validate-*.whl "$tmp/out" "$K8S_VERSION" "$SCHEMAS" <<'PY'
import os, sys, zipfile
wheel, out, version, final = sys.argv[1:5]
prefix = f"kubernetes_validate/kubernetes-json-schema/v{version}-local-strict/"
target = os.path.join(out, f"v{version}-standalone-strict")
os.makedirs(target)
with zipfile.ZipFile(wheel) as z:
    names = [n for n in z.namelist() if n.startswith(prefix) and n.endswith(".json")]
    if not names:
        sys.exit(f"no schemas for Kubernetes {version} in {wheel}")
    for name in names:
        definitions = f"file://{final}/v{version}-standalone-strict/_definitions.json#"
        text = z.read(name).decode().replace('"/api/_definitions.json#', f'"{definitions}')
        with open(os.path.join(target, name[len(prefix):]), "w") as f:
            f.write(text)
PY
  mkdir -p "$(dirname "$SCHEMAS")" && rm -rf "$SCHEMAS" && mv "$tmp/out" "$SCHEMAS"
fi
exec "$BIN" -strict -summary -kubernetes-version "$K8S_VERSION" \
  -schema-location "$SCHEMAS/{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json" "$@"
