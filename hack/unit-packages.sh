#!/usr/bin/env bash
# Prints the packages whose tests start no control plane, for `make unit`.
# A package's tests start one when its test binary links controller-runtime's
# envtest (directly, or through internal/testenv or internal/localcp) and the
# package itself does not: its test files brought it in. Read from the build
# graph, so a new package needs no list kept by hand.
set -euo pipefail
cd "$(dirname "$0")/.."
envtest=sigs.k8s.io/controller-runtime/pkg/envtest
# "P 0|1" for each package and "P.test 0|1" for each test binary: whether it
# links envtest. The test variants of packages ("P [P.test]") are skipped.
GOWORK=off go list -test -f '{{if not .ForTest}}{{.ImportPath}} {{$e := 0}}{{range .Deps}}{{if eq . "'$envtest'"}}{{$e = 1}}{{end}}{{end}}{{$e}}{{end}}' ./... |
  awk 'NF == 2 { links[$1] = $2 }
       END {
         for (p in links) if (p ~ /\.test$/) {
           pkg = substr(p, 1, length(p) - 5)
           if (!(links[p] == 1 && links[pkg] == 0)) print pkg
         }
       }' |
  sort
