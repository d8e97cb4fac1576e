#!/bin/sh
# The dashboard's browser tests (tests/browser/*.test.mjs), as TAP for
# `make check`. They need node, Debian's chromium and playwright-core
# (`npm ci` here; contrib/dev test installs all three); without them this
# says plainly that it skipped them and why.
srcdir=${WEBCRON_SRCDIR:-$(dirname "$0")/../..}
dir=$srcdir/tests/browser
chromium=${CHROMIUM:-/usr/bin/chromium}

skip() {
	echo "1..0 # SKIP browser tests: $1"
	exit 0
}
command -v node >/dev/null 2>&1 || skip "no node (install nodejs)"
[ -x "$chromium" ] || skip "no $chromium (apt-get install chromium)"
[ -d "$dir/node_modules/playwright-core" ] ||
	skip "no playwright-core (run npm ci in tests/browser)"

export CHROMIUM="$chromium"
exec node --test --test-reporter=tap --test-concurrency=1 "$dir"/*.test.mjs
