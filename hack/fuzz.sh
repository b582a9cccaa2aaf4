#!/usr/bin/env bash
# make fuzz: every fuzz target of the repository for FUZZTIME each, one line
# per target and a last line
#   fuzz targets=N execs=E crashes=C flakes=F seconds=S build_seconds=B
# where crashes counts the targets that failed, and flakes those that ended
# in the Go fuzzing coordinator's deadline race with no finding
# (harness_race). A failing input is written by
# the fuzzer under the package's testdata/fuzz/<Target>/, where it stays as a
# regression seed (commit it with the fix). Exits non-zero on a crash.
#
# Each package's instrumented test binary is built once and run once per
# target, from the package's folder (so testdata/fuzz is its seed corpus) and
# with the go command's own fuzz cache (so a run continues the last one's
# corpus). FUZZTIME=45s keeps the 18 targets and their builds within 15
# minutes on 2 cores once the build cache holds the instrumented packages
# (build_seconds says what the builds took: about 7 minutes the first time
# on a machine, when every dependency is compiled with coverage counters).
set -euo pipefail
cd "$(dirname "$0")/.."
export GOWORK=off
FUZZTIME=${FUZZTIME:-45s}
out=bin/fuzz
mkdir -p "$out"
module=$(go list -m)
cache=$(go env GOCACHE)/fuzz
start=$SECONDS

# "dir Target" for every func FuzzX(f *testing.F) in a test file.
mapfile -t targets < <(grep -rEo --include='*_test.go' '^func Fuzz[A-Za-z0-9_]*\(f \*testing\.F\)' internal cmd |
	sed -E 's|^(.*)/[^/]*_test\.go:func (Fuzz[A-Za-z0-9_]*)\(.*|\1 \2|' | sort)
if [ ${#targets[@]} -eq 0 ]; then
	echo "hack/fuzz.sh: no fuzz targets found" >&2
	exit 1
fi

binary() { echo "$out/$(echo "$1" | tr / -).test"; }

building=$SECONDS
for dir in $(printf '%s\n' "${targets[@]}" | cut -d' ' -f1 | sort -u); do
	go test -c -fuzz=. -o "$(binary "$dir")" "./$dir"
done
build_seconds=$((SECONDS - building))

# harness_race: the run failed with Go's fuzzing coordinator's own
# "context deadline exceeded" as -fuzztime ended, having written no failing
# input and failed no assertion — a race in internal/fuzz under CPU
# contention (it compares the deadline's parent and child contexts), not a
# finding. Counted apart as a flake; anything else is a crash.
harness_race() {
	! grep -qE 'Failing input|_test\.go:[0-9]+:|panic:' "$1" && grep -qx '    context deadline exceeded' "$1"
}

total=0
crashes=0
flakes=0
for t in "${targets[@]}"; do
	dir=${t% *} name=${t#* }
	bin=$(realpath "$(binary "$dir")")
	log=$out/$name.log
	began=$SECONDS
	result=ok
	# A new input that widens coverage is minimized for at most 5 s (go
	# test's default is 60 s): the engine reports those execs only once the
	# minimization ends, so a long one at the end of a target's time would
	# go uncounted, and the time goes to new inputs instead.
	if ! (cd "$dir" && "$bin" -test.run='^$' -test.fuzz="^$name\$" -test.fuzztime="$FUZZTIME" -test.fuzzminimizetime=5s \
		-test.fuzzcachedir="$cache/$module/$dir") >"$log" 2>&1; then
		if harness_race "$log"; then
			result=flake
			flakes=$((flakes + 1))
		else
			result=crash
			crashes=$((crashes + 1))
			grep -E -- '--- FAIL|Failing input|_test\.go:[0-9]+:' "$log" | head -n 20 >&2 || true
		fi
	fi
	execs=$(grep -Eo 'execs: [0-9]+' "$log" | tail -n 1 | grep -Eo '[0-9]+' || echo 0)
	total=$((total + execs))
	echo "fuzz target=$dir.$name execs=$execs seconds=$((SECONDS - began)) result=$result"
done

echo "fuzz targets=${#targets[@]} execs=$total crashes=$crashes flakes=$flakes seconds=$((SECONDS - start)) build_seconds=$build_seconds"
[ "$crashes" -eq 0 ]
