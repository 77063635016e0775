#!/usr/bin/env bash
# Builds sessionkit-server and runs it on the embedded SQLite store (sessionkit.db in the
# repository directory), listening on 127.0.0.1:8080. Installs missing Debian packages.
#
# The server needs a JWT_SECRET of at least 32 bytes. When neither the environment nor
# ./.env sets one, this script generates a random one into ./.env (mode 600, git-ignored)
# so that tokens stay valid across restarts. Arguments are passed to the server
# (e.g. `scripts/run.sh --http-addr 0.0.0.0:8080`; see `--help`).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/build.sh release sessionkit-server >/dev/null

if [[ -z "${JWT_SECRET:-}" ]] && ! grep -qs '^JWT_SECRET=' .env; then
  umask 077
  printf 'JWT_SECRET=%s\n' "$(head -c 48 /dev/urandom | base64 -w0 | tr '+/' '-_')" >> .env
  echo "run.sh: generated a random JWT_SECRET into ./.env" >&2
fi

exec build/server/sessionkit-server "$@"
