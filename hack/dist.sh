#!/usr/bin/env bash
# make dist: the kubectl plugin's archives for krew, their sha256, and the
# krew manifest rendered from plugins/cunshe.yaml.
#
#   dist/kubectl-cunshe_<version>_<os>_<arch>.tar.gz   kubectl-cunshe[.exe], the
#                                                      completion hook, LICENSE if any
#   dist/sha256sums                                    sha256sum's format
#   dist/cunshe.yaml                                   the krew manifest of this build
#
# plugins/cunshe.yaml stays a template (its {{…}} placeholders are filled
# here), so that a build never dirties the tree. Install a build locally:
#   kubectl krew install --manifest=dist/cunshe.yaml --archive=dist/kubectl-cunshe_<version>_linux_amd64.tar.gz
#
# Environment:
#   VERSION      the version (default: git describe, as the Makefile's); krew
#                needs semver, so a version that is not vX.Y.Z[-…] is
#                published as v0.0.0-<version>
#   RELEASE_URL  where the archives are published (default: the GitHub
#                release of VERSION)
#   PLATFORMS    what to build (default: linux, darwin, windows × amd64, arm64)
#   DIST         the output folder (default: dist)
#
# `hack/dist.sh render` only renders dist/cunshe.yaml from an existing
# dist/sha256sums (the krew manifest test uses it).
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=${VERSION:-$(git describe --tags --always --dirty 2>/dev/null || echo dev)}
DIST=${DIST:-dist}
PLATFORMS=${PLATFORMS:-linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64}
MODULE=github.com/cunshe/cunshe-operator
LDFLAGS="-s -w -X ${MODULE}/internal/version.Version=${VERSION}"

# krew's spec.version is semver with a leading v.
if [[ $VERSION =~ ^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]]; then
  PLUGIN_VERSION=$VERSION
else
  PLUGIN_VERSION=v0.0.0-$(printf '%s' "$VERSION" | tr -c '0-9A-Za-z.-' '-')
fi
RELEASE_URL=${RELEASE_URL:-https://${MODULE}/releases/download/${PLUGIN_VERSION}}

archive_name() { # os arch
  echo "kubectl-cunshe_${PLUGIN_VERSION}_$1_$2.tar.gz"
}

# A tar.gz whose bytes depend on its files only: sorted names, fixed owner
# and time, gzip without a name or time stamp.
pack() { # dir archive
  local epoch
  epoch=$(git log -1 --format=%ct 2>/dev/null || echo 0)
  # The files by name, not ".": an entry for the folder itself would carry
  # the staging folder's mode (0700) into wherever krew unpacks it.
  local files
  mapfile -t files < <(ls -A "$1")
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@${epoch}" \
    -C "$1" -cf - "${files[@]}" | gzip -9 -n >"$2"
}

build() { # os arch
  local os=$1 arch=$2 exe="" stage
  [[ $os == windows ]] && exe=.exe
  stage=$(mktemp -d)
  CGO_ENABLED=0 GOOS=$os GOARCH=$arch go build -trimpath -buildvcs=false -ldflags "$LDFLAGS" \
    -o "$stage/kubectl-cunshe$exe" ./cmd/kubectl-cunshe
  if [[ $os == windows ]]; then
    # kubectl looks the hook up with the PATHEXT extensions on Windows.
    printf '@kubectl-cunshe.exe __complete %%*\r\n' >"$stage/kubectl_complete-cunshe.cmd"
  else
    install -m 0755 hack/kubectl_complete-cunshe "$stage/kubectl_complete-cunshe"
  fi
  [[ -f LICENSE ]] && cp LICENSE "$stage/"
  pack "$stage" "$DIST/$(archive_name "$os" "$arch")"
  rm -rf "$stage"
  echo "dist: $(archive_name "$os" "$arch")"
}

# render fills plugins/cunshe.yaml's placeholders from dist/sha256sums.
render() {
  local out=$DIST/cunshe.yaml sums=$DIST/sha256sums script os arch sum
  [[ -f $sums ]] || { echo "dist: $sums is missing; run make dist" >&2; exit 1; }
  script="s|{{VERSION}}|${PLUGIN_VERSION}|g; s|{{RELEASE_URL}}|${RELEASE_URL}|g"
  for p in $PLATFORMS; do
    os=${p%/*} arch=${p#*/}
    sum=$(awk -v f="$(archive_name "$os" "$arch")" '$2 == f || $2 == "*" f { print $1 }' "$sums")
    [[ $sum =~ ^[0-9a-f]{64}$ ]] || { echo "dist: no sha256 for $(archive_name "$os" "$arch") in $sums" >&2; exit 1; }
    script+="; s|{{SHA256_${os}_${arch}}}|${sum}|g"
  done
  # The template's header comment is not the rendered manifest's.
  sed -e '1,/^apiVersion:/{/^#/d}' -e "$script" plugins/cunshe.yaml >"$out.tmp"
  if [[ -f LICENSE ]]; then # in every archive: krew copies it with the plugin
    awk '{ print } /^    files:$/ { print "    - from: LICENSE"; print "      to: ." }' "$out.tmp" >"$out"
    rm "$out.tmp"
  else
    mv "$out.tmp" "$out"
  fi
  if grep -n '{{[A-Za-z_]' "$out" >&2; then
    echo "dist: placeholders left in $out (a platform of the template that PLATFORMS does not build?)" >&2
    exit 1
  fi
  echo "dist: $out (version ${PLUGIN_VERSION})"
}

if [[ ${1:-} == render ]]; then
  render
  exit 0
fi

mkdir -p "$DIST"
rm -f "$DIST"/kubectl-cunshe_*.tar.gz "$DIST/sha256sums" "$DIST/cunshe.yaml"
for p in $PLATFORMS; do
  build "${p%/*}" "${p#*/}"
done
(cd "$DIST" && sha256sum -- *.tar.gz >sha256sums)
render
