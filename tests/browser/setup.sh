#!/bin/sh
# Installs playwright-core for the browser tests (once; npm from Debian,
# or the npm that ships with a NodeSource nodejs when `npm` is not on
# PATH).  Chromium itself is Debian's (scripts/deps.sh browser).
set -eu
cd "$(dirname "$0")"
[ -d node_modules/playwright-core ] && exit 0
if command -v npm >/dev/null 2>&1; then
	npm install --no-audit --no-fund --loglevel=error
elif [ -f /usr/lib/node_modules/npm/bin/npm-cli.js ]; then
	node /usr/lib/node_modules/npm/bin/npm-cli.js install --no-audit \
	    --no-fund --loglevel=error
else
	echo "setup.sh: npm is missing (scripts/deps.sh browser)" >&2
	exit 1
fi
