#!/bin/sh
# The benchmarks still run and print their figures (in their quick form;
# no timing is judged here: the figures are for docs/PERFORMANCE.md).
# TAP for automake.
srcdir=${WEBCRON_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
BUILD=${WEBCRON_BUILDDIR:-$srcdir/build}
export BUILD
n=0
fail=0
echo "1..4"
check() {	# NAME COMMAND PATTERN...
	name=$1; cmd=$2; shift 2
	n=$((n + 1))
	out=$(sh -c "$cmd" 2>&1)
	rc=$?
	if [ $rc -eq 77 ]; then	# what it needs is not installed
		echo "ok $n - $name # SKIP $(printf '%s\n' "$out" | tail -n 1)"
		return
	fi
	for pat in "$@"; do
		if ! printf '%s\n' "$out" | grep -q -- "$pat"; then
			rc=1
			echo "# missing: $pat"
		fi
	done
	if [ $rc -eq 0 ]; then
		echo "ok $n - $name"
	else
		echo "not ok $n - $name"
		printf '%s\n' "$out" | tail -n 20 | sed 's/^/# /'
		fail=1
	fi
}
check "bench/cron-next runs" "$srcdir/bench/cron-next" \
	"^parse .* ns mean" "next mix   UTC .* median"
check "bench/fire --quick runs" "$srcdir/bench/fire --quick" \
	"runs 1000" "all_started_after_ms" "jitter_p99_ms" "executions/s: [0-9]" "loaded 20000 jobs" \
	"/healthz said ok" "load / raw walk (the best of each): [0-9]"
check "bench/api --quick runs" "$srcdir/bench/api --quick" "cron.get" "baseline" \
	"cron.add / lmdb single commit: [0-9]" "cron.add / lmdb group commit: [0-9]" \
	"cron.get cpu / baseline cpu: [0-9]"
check "bench/dashboard --quick runs" "$srcdir/bench/dashboard --quick" \
	"first visit: .* KB transferred" "jobs table: [0-9]* ms median" "yardstick: .* / yardstick: [0-9]"
exit $fail
