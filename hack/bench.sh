#!/usr/bin/env bash
# make bench: every benchmark of the project. Each part ends with one
# machine-readable line; times are medians of several runs, and every speed
# is also given as a ratio to a floor measured in the same run.
#   BENCH_ONLY=rules|validate|webhook|cluster|province|audit|portal|faults   run one part
set -euo pipefail
cd "$(dirname "$0")/.."
only=${BENCH_ONLY:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# median NAME FILE: the median ns/op of benchmark NAME in go test output.
median() {
  grep -E "^Benchmark$1(-[0-9]+)?[[:space:]]" "$2" | awk '{print $3}' | sort -n |
    awk '{a[NR]=$1} END {if (NR == 0) exit 1; print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'
}

if [[ -z $only || $only == rules ]]; then
  echo "== admission decisions (internal/rules), 5 runs, 1 CPU"
  go test ./internal/rules/ -run '^$' -bench 'Admit|RefuseUnlistedTask|FloorEd25519' -benchmem -count 5 -cpu 1 | tee "$tmp/rules.txt"
  item=$(median AdmitListItem "$tmp/rules.txt")
  appr=$(median AdmitItemApproval "$tmp/rules.txt")
  floor=$(median FloorEd25519Verify "$tmp/rules.txt")
  awk -v i="$item" -v a="$appr" -v f="$floor" 'BEGIN {
    printf "admission kind=ListItem ns_per_op=%.0f target_ns=50000\n", i
    printf "admission kind=ItemApproval ns_per_op=%.0f floor_ns=%.0f ratio=%.2f target_ns=50000\n", a, f, a / f }'
  # A task decision on 3,685 villages and 1,000 published items: the slowest
  # of the admitted shapes (citywide, one county, 50 villages) is the figure;
  # the refusal of an unlisted item, which ranks every published title for
  # suggestions, is the slow path and reported apart.
  all=$(median AdmitTask/all "$tmp/rules.txt")
  county=$(median AdmitTask/county "$tmp/rules.txt")
  fifty=$(median AdmitTask/villages50 "$tmp/rules.txt")
  refusal=$(median RefuseUnlistedTask "$tmp/rules.txt")
  awk -v a="$all" -v c="$county" -v v="$fifty" -v r="$refusal" 'BEGIN {
    m = a; if (c > m) m = c; if (v > m) m = v
    printf "decision ns_per_op=%.0f all_ns=%.0f county_ns=%.0f villages50_ns=%.0f target_ns=20000\n", m, a, c, v
    printf "decision kind=refusal-with-suggestions ns_per_op=%.0f items=1000\n", r }'
fi

if [[ -z $only || $only == validate ]]; then
  echo "== kubectl cunshe validate: 1,000 items, 4,000 signed approvals, 3,685 villages"
  go test ./internal/cli/ -run '^$' -bench ValidateCity -benchtime 3x -count 3 | tee "$tmp/validate.txt"
  ns=$(median ValidateCity "$tmp/validate.txt")
  objects=$(grep -E '^BenchmarkValidateCity' "$tmp/validate.txt" | head -1 | awk '{for (i=1;i<NF;i++) if ($(i+1)=="objects") print $i}')
  awk -v ns="$ns" -v o="$objects" 'BEGIN { printf "validate items=1000 villages=3685 objects=%d seconds=%.2f objects_per_second=%.0f\n", o, ns/1e9, o/(ns/1e9) }'
fi

if [[ -z $only || $only == webhook ]]; then
  echo "== task admission under load: 3,685 villages, 1,000 items, beside a no-op webhook (test/webhookbench)"
  go test ./test/webhookbench/ -run '^$' -bench . -benchtime 1x -timeout 30m -count=1 -v | tee "$tmp/webhook.txt"
  grep -E '^webhook ' "$tmp/webhook.txt"
fi

if [[ -z $only || $only == cluster ]]; then
  echo "== on the local control plane: provisioning and rollouts (test/bench)"
  go test ./test/bench/ -run '^$' -bench . -skip '^(BenchmarkProvince|BenchmarkTaskAudit)$' -benchtime 1x -timeout 90m -count=1 -v | tee "$tmp/cluster.txt"
  grep -E '^(provision|rollout|memory) ' "$tmp/cluster.txt" || true
fi

# The province (11 cities, ~25,500 villages) needs a control plane of its
# own: it runs in its own go test process, and the cluster part skips it.
if [[ -z $only || $only == province ]]; then
  echo "== a synthetic province on the local control plane: provisioning, two cities rolling out at once, memory (test/bench)"
  go test ./test/bench/ -run '^$' -bench '^BenchmarkProvince$' -benchtime 1x -timeout 150m -count=1 -v | tee "$tmp/province.txt"
  grep -E '^province ' "$tmp/province.txt" || true
fi

# The audit at scale (10,000 tasks of 3,685 villages, one item retires):
# its own control plane, whose villages are only the city's.
if [[ -z $only || $only == audit ]]; then
  echo "== the audit at scale: 10,000 tasks, one item retires and a revision is cut, against a bare client's status writes (test/bench)"
  go test ./test/bench/ -run '^$' -bench '^BenchmarkTaskAudit$' -benchtime 1x -timeout 60m -count=1 -v | tee "$tmp/audit.txt"
  grep -E '^audit ' "$tmp/audit.txt" || true
fi

# The public portal on the 3,685-village city: its own control plane too.
if [[ -z $only || $only == portal ]]; then
  echo "== the public portal: village pages at 50 and 200 clients against net/http.FileServer serving the same bytes, heap growth (test/portalbench)"
  go test ./test/portalbench/ -run '^$' -bench . -benchtime 1x -timeout 60m -count=1 -v | tee "$tmp/portal.txt"
  grep -E '^portal ' "$tmp/portal.txt" || true
fi

# Faults (kill loop, failover, restarts, webhook down, slow apiserver): also `make faults`.
if [[ $only == faults ]]; then
  bash hack/faults.sh
fi
