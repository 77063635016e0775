#!/usr/bin/env bash
# Installs the Debian 12 packages sessionkit builds, tests and runs with.
# Idempotent and non-interactive: does nothing when everything is present.
set -euo pipefail

packages=(
  g++ cmake ninja-build pkg-config
  libssl-dev libsqlite3-dev libhiredis-dev libsodium-dev libcrypt-dev
  libsimdjson-dev libspdlog-dev libfmt-dev libcli11-dev libboost-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libmariadb-dev mariadb-server-core mariadb-client-core
  python3 python3-jwt redis-server redis-tools nginx-light curl wrk
  clang libfuzzer-14-dev
  libqrencode-dev oathtool zbar-tools python3-pil
  prometheus dpkg-dev systemd
  chromium chromium-driver python3-selenium
  libcurl4-openssl-dev python3-aiosmtpd
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "install-deps: installing ${missing[*]}" >&2
sudo=()
[[ $(id -u) -eq 0 ]] || sudo=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
