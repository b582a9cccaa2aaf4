#!/usr/bin/env bash
# Builds the local control plane (etcd, kube-apiserver, kube-controller-manager)
# from Go modules into bin/k8s/<version>-linux-amd64/, the layout envtest and
# setup-envtest expect. No binaries can be downloaded on these machines, so the
# wrapper modules under hack/controlplane/ compile them from source.
#
# Idempotent: a version stamp beside the binaries skips the build when it matches.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
K8S_VERSION=${K8S_VERSION:-1.37.2}
ETCD_VERSION=${ETCD_VERSION:-3.7.3}
arch=$(go env GOARCH)
out="$root/bin/k8s/${K8S_VERSION}-linux-${arch}"
stamp="$out/.stamp"
want="kubernetes=v${K8S_VERSION} etcd=v${ETCD_VERSION} go=$(go env GOVERSION) wrappers=$(cat "$root"/hack/controlplane/*/go.mod "$root"/hack/controlplane/*/go.sum | sha256sum | cut -c1-12)"

if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]] \
  && [[ -x "$out/etcd" && -x "$out/kube-apiserver" && -x "$out/kube-controller-manager" ]]; then
  echo "control plane: up to date in ${out#"$root"/} ($want)"
  exit 0
fi
mkdir -p "$out"

step() { printf '[%s] control plane: %s\n' "$(date +%H:%M:%S)" "$*"; }
fail() { printf 'control plane: building %s failed (see the output above). Check that the Go module proxy is reachable (go env GOPROXY) and that at least 4 GB of disk are free.\n' "$1" >&2; exit 1; }

now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
ver_flags() {
  local flags="-s -w" pkg
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    flags+=" -X $pkg.gitVersion=v${K8S_VERSION} -X $pkg.gitMajor=${K8S_VERSION%%.*}"
    flags+=" -X $pkg.gitMinor=$(echo "$K8S_VERSION" | cut -d. -f2) -X $pkg.gitTreeState=clean -X $pkg.buildDate=$now"
  done
  echo "$flags"
}

build() { # build NAME MODULE_DIR PKG LDFLAGS
  local name=$1 dir=$2 pkg=$3 ldflags=$4 started=$SECONDS
  step "building $name (first build takes minutes)"
  (cd "$root/hack/controlplane/$dir" && GOWORK=off GOFLAGS=-mod=mod CGO_ENABLED=0 \
    go build -trimpath -ldflags "$ldflags" -o "$out/$name.tmp" "$pkg") || fail "$name"
  mv "$out/$name.tmp" "$out/$name"
  step "built $name in $((SECONDS - started))s"
}

build etcd etcd . "-s -w"
build kube-apiserver kube ./cmd/kube-apiserver "$(ver_flags)"
build kube-controller-manager kube ./cmd/kube-controller-manager "$(ver_flags)"
echo "$want" > "$stamp"
step "ready in ${out#"$root"/}"
