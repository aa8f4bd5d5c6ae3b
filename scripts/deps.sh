#!/bin/sh
# deps.sh [browser]: installs the Debian packages biljett needs to build,
# run and test, and nothing when they are all present (silent then).
# Uses sudo when not root.  `browser` adds Chromium and npm for the
# browser tests.
set -eu

PKGS="build-essential pkg-config nginx libfcgi-dev libsqlite3-dev sqlite3
libcjson-dev libsodium-dev libcurl4-openssl-dev libqrencode-dev libpng-dev
libjpeg62-turbo-dev libhpdf-dev fonts-dejavu-core poppler-utils
liboath-dev gettext clang valgrind cppcheck wrk openssl python3 curl
zbar-tools ca-certificates python3-nacl"
if [ "${1:-}" = browser ]; then
	PKGS="$PKGS chromium"
	# NodeSource's nodejs carries its own npm (and conflicts with
	# Debian's); otherwise Debian's npm brings nodejs along.
	if ! command -v npm >/dev/null 2>&1 &&
	    [ ! -f /usr/lib/node_modules/npm/bin/npm-cli.js ]; then
		PKGS="$PKGS npm"
	fi
fi

missing=""
for p in $PKGS; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$status" in
	*"install ok installed"*) ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
	sudo=""
elif command -v sudo >/dev/null 2>&1; then
	sudo="sudo"
else
	echo "deps.sh: missing packages:$missing (run as root or install sudo)" >&2
	exit 1
fi
echo "deps.sh: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q >/dev/null || {
	echo "deps.sh: apt-get update failed" >&2; exit 1; }
# shellcheck disable=SC2086
$sudo apt-get install -y -q --no-install-recommends $missing >/dev/null || {
	echo "deps.sh: apt-get install failed for:$missing" >&2; exit 1; }
