#!/usr/bin/env bash
# Runs helm, built once from the Go module proxy and cached: tools/deploy/helm.sh template deploy/helm/warden ...
# The Kubernetes version helm assumes (.Capabilities, lint's deprecation checks) is set by link flags,
# as helm's own Makefile does: without them a `go install`ed helm reports Kubernetes v1.20.
set -euo pipefail
SERVICE_NAME=helm
source "$(dirname "${BASH_SOURCE[0]}")/go-tool.sh"

HELM_VERSION=v3.22.0
# The Kubernetes minor of helm's client-go (v0.37 -> 1.37), as the Makefile derives it.
K8S_MAJOR=1 K8S_MINOR=37
BIN="$WARDEN_CACHE_DIR/bin/helm-$HELM_VERSION-k8s$K8S_MAJOR.$K8S_MINOR"
build() {
  local pkg=helm.sh/helm/v3 flags
  flags="-X $pkg/internal/version.version=$HELM_VERSION"
  for var in pkg/lint/rules pkg/chartutil; do
    flags+=" -X $pkg/$var.k8sVersionMajor=$K8S_MAJOR -X $pkg/$var.k8sVersionMinor=$K8S_MINOR"
  done
  mkdir -p "$OUT.d" && GOBIN="$OUT.d" go install -trimpath -ldflags "$flags" "$pkg/cmd/helm@$HELM_VERSION" && mv "$OUT.d/helm" "$OUT" && rmdir "$OUT.d"
}
go_tool "$BIN" "helm $HELM_VERSION" build
exec "$BIN" "$@"
