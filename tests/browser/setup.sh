#!/bin/sh
# Installs the browser tests' npm packages, playwright-core and axe-core,
# at the versions pinned in package-lock.json (once, and again when a pin
# changes; npm from Debian, or the npm that ships with a NodeSource
# nodejs when `npm` is not on PATH).  Chromium itself is Debian's
# (scripts/deps.sh browser).
set -eu
cd "$(dirname "$0")"
node -e '
const deps = require("./package.json").dependencies;
for (const [name, version] of Object.entries(deps))
	if (require(`./node_modules/${name}/package.json`).version !== version)
		process.exit(1);
' 2>/dev/null && exit 0
if command -v npm >/dev/null 2>&1; then
	npm ci --no-audit --no-fund --loglevel=error
elif [ -f /usr/lib/node_modules/npm/bin/npm-cli.js ]; then
	node /usr/lib/node_modules/npm/bin/npm-cli.js ci --no-audit \
	    --no-fund --loglevel=error
else
	echo "setup.sh: npm is missing (scripts/deps.sh browser)" >&2
	exit 1
fi
