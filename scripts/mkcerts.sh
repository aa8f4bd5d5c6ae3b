#!/bin/sh
# mkcerts.sh DIR: a throw-away test CA and the certificates the
# development stack needs, made with openssl.  Idempotent: existing files
# valid for 30 more days are kept.
#   ca.crt/ca.key                  the test CA
#   server.crt/server.key          127.0.0.1 and localhost: nginx :8443, Swish sim
#   swish-client.crt/.key          the merchant's client certificate (CN 1234679304)
set -eu
dir=${1:?usage: mkcerts.sh DIR}
alias_=${2:-1234679304}
mkdir -p "$dir"
cd "$dir"
umask 077

fresh() {
	[ -s "$1" ] && openssl x509 -checkend 2592000 -noout -in "$1" >/dev/null 2>&1
}

if ! fresh ca.crt || [ ! -s ca.key ]; then
	openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -sha256 \
	    -keyout ca.key -out ca.crt -subj "/CN=biljett test CA" \
	    -addext "basicConstraints=critical,CA:TRUE" \
	    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
	rm -f server.crt swish-client.crt
fi

issue() {	# name subject extensions
	if fresh "$1.crt" && [ -s "$1.key" ]; then
		return
	fi
	openssl req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" \
	    -subj "$2" 2>/dev/null
	printf '%s\n' "$3" > "$1.ext"
	openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key \
	    -CAcreateserial -days 825 -sha256 -extfile "$1.ext" \
	    -out "$1.crt" 2>/dev/null
	rm -f "$1.csr" "$1.ext"
}

issue server "/CN=127.0.0.1" "subjectAltName=IP:127.0.0.1,DNS:localhost
extendedKeyUsage=serverAuth
basicConstraints=CA:FALSE"
issue swish-client "/CN=$alias_" "extendedKeyUsage=clientAuth
basicConstraints=CA:FALSE"
chmod 0644 ca.crt server.crt swish-client.crt
