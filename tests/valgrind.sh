#!/bin/sh
# Runs end-to-end tests with every webcrond they start under valgrind's
# memcheck, then reports what memcheck found.
#
#   tests/valgrind.sh BUILDDIR [tests/e2e/test_x.py ...]
#
# Without test files it runs all of tests/e2e. Each daemon writes its own
# memcheck log (quiet: empty when clean) in a temporary directory; the
# script prints how many daemons ran and every log that is not empty, and
# exits 1 if there is one. The tests themselves run about 10-30 times
# slower under valgrind, so a test that measures time (jitter, a deadline)
# may fail for that reason alone: their results are shown, but only
# memcheck's findings decide the exit status.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
if [ $# -eq 0 ] || [ ! -x "$1/webcrond" ]; then
	echo "usage: tests/valgrind.sh BUILDDIR [TEST.py ...] (BUILDDIR holds webcrond)" >&2
	exit 2
fi
build=$(cd "$1" && pwd)
shift
[ $# -eq 0 ] && set -- "$top"/tests/e2e/test_*.py
command -v valgrind >/dev/null || { echo "valgrind is not installed" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/webcron-valgrind.XXXXXX")
mkdir "$work/logs"
# a test runs the daemon as another user too (the privilege drop)
chmod 755 "$work"
chmod 1777 "$work/logs"
: > "$work/starts"
chmod 666 "$work/starts"
cat > "$work/webcrond" <<EOF
#!/bin/sh
echo \$\$ >> "$work/starts"
exec valgrind -q --tool=memcheck --vgdb=no --leak-check=full \\
  --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect \\
  --error-exitcode=97 --log-file="$work/logs/webcrond.%p.log" \\
  "$build/webcrond" "\$@"
EOF
chmod 755 "$work/webcrond"

for t in "$@"; do
	echo "==== $t"
	WEBCROND="$work/webcrond" WEBCRONCTL="$build/webcronctl" \
	WEBCRON_SRCDIR="$top" WEBCRON_BUILDDIR="$build" \
		python3 "$top/tests/e2e/tap.py" "$t" | grep -v '^ok '
done

# one line per daemon started (a log per process: the task-class
# programs a daemon spawns have their own, quiet ones)
runs=$(cat "$work/starts" 2>/dev/null | wc -l)
if [ "$runs" -eq 0 ]; then
	echo "valgrind: no webcrond ran (see above)"
	exit 1
fi
# memcheck's reports are its "==PID==" lines; valgrind's own notes
# ("--PID-- WARNING: unhandled ... syscall: 434", pidfd_open, which
# valgrind 3.19 lacks, so that task classes use their fallback) are not
dirty=$(grep -l '^==[0-9]*== ' "$work"/logs/* 2>/dev/null | sort)
notes=$(grep -l '^--[0-9]*-- ' "$work"/logs/* 2>/dev/null | wc -l)
echo "valgrind: $runs webcrond runs under memcheck ($(ls "$work/logs" | wc -l) processes)"
if [ "$notes" -gt 0 ]; then
	echo "valgrind: $notes runs with notes of valgrind's own:"
	grep -h '^--[0-9]*-- WARNING' "$work"/logs/* | sed 's/^--[0-9]*-- /  /' | sort | uniq -c
fi
if [ -n "$dirty" ]; then
	for f in $dirty; do
		echo "==== $f"
		cat "$f"
	done
	echo "valgrind: $(echo "$dirty" | wc -l) runs with memcheck reports (logs kept in $work)"
	exit 1
fi
echo "valgrind: no memcheck report"
rm -rf "$work"
