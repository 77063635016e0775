#!/usr/bin/env bash
# Checks what an operator and a C++ user get (run by scripts/test.sh, plain pass):
#  1. the library installed into a scratch prefix (cmake --install) holds the public
#     headers only, and examples/consumer builds against it with find_package(sessionkit)
#     and, separately, with pkg-config alone; both programs run;
#  2. the Debian packages (scripts/package.sh) hold what they should (dpkg-deb -c), carry
#     dpkg-shlibdeps' Depends, unpack into a scratch root (dpkg -x) where
#     `sessionkit-server --help` works and the server, configured as the unit does it
#     (packaged settings, secret as a credential file), answers /healthz;
#  3. the systemd unit's `systemd-analyze security` exposure stays at most 2.0.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
scratch=$(mktemp -d "${TMPDIR:-/tmp}/sessionkit-package.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
fail() { echo "check-package: FAIL: $*" >&2; exit 1; }

echo "== package: build"
scripts/package.sh
pkg=build-pkg

echo "== package: install into a scratch prefix"
prefix=$scratch/prefix
cmake --install $pkg --prefix "$prefix" --component library >/dev/null
cmake --install $pkg --prefix "$prefix" --component dev >/dev/null
# Public headers only: exactly include/sessionkit/*.h of the source tree.
diff <(cd "$prefix/include" && find . -type f | sort) \
     <(cd include && find sessionkit -name '*.h' | sed 's|^|./|' | sort) \
  || fail "installed headers differ from include/sessionkit"
[[ -z $(find "$prefix" -name '*.a') ]] || fail "static archives installed"
pc=$(find "$prefix" -name sessionkit.pc)
[[ -n $pc ]] || fail "no sessionkit.pc"
libdir=$(dirname "$(dirname "$pc")")
ls "$libdir"/libsessionkit_core.so.0 >/dev/null || fail "no SONAME link libsessionkit_core.so.0"

echo "== package: consumer with find_package(sessionkit)"
cmake -S examples/consumer -B "$scratch/consumer-cmake" -G Ninja \
  -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$scratch/consumer-cmake" >/dev/null
# A private prefix is not in the loader's path (the packages install into /usr, which is).
LD_LIBRARY_PATH=$libdir "$scratch/consumer-cmake/sessionkit-consumer" "$scratch/cmake.db"

echo "== package: consumer with pkg-config"
flags=$(PKG_CONFIG_PATH=$(dirname "$pc") pkg-config --cflags --libs sessionkit)
# shellcheck disable=SC2086  # pkg-config's flags are meant to be split
g++ -std=c++20 -O1 examples/consumer/main.cc $flags -o "$scratch/consumer-pc"
LD_LIBRARY_PATH=$libdir "$scratch/consumer-pc" "$scratch/pc.db"

echo "== package: .deb contents"
deb() { ls $pkg/"$1"_*.deb; }
server_deb=$(deb sessionkit-server)
lib_deb=$(deb libsessionkit0)
dev_deb=$(deb libsessionkit-dev)
expect() {  # expect DEB PATH...: each PATH is in the package
  local file=$1; shift
  local listing; listing=$(dpkg-deb -c "$file" | awk '{print $6}')
  for p in "$@"; do grep -qx "./$p" <<<"$listing" || fail "$file lacks $p"; done
}
expect "$server_deb" usr/bin/sessionkit-server usr/lib/systemd/system/sessionkit.service \
  etc/sessionkit/sessionkit.env
if grep -q 'add_executable(sessionkit-ctl' ctl/CMakeLists.txt 2>/dev/null; then
  expect "$server_deb" usr/bin/sessionkit-ctl
fi
expect "$lib_deb" usr/lib/x86_64-linux-gnu/libsessionkit_core.so.0 \
  usr/lib/x86_64-linux-gnu/libsessionkit_core.so.0.1.0
expect "$dev_deb" usr/include/sessionkit/session_manager.h usr/lib/x86_64-linux-gnu/libsessionkit_core.so \
  usr/lib/x86_64-linux-gnu/cmake/sessionkit/sessionkitConfig.cmake \
  usr/lib/x86_64-linux-gnu/cmake/sessionkit/sessionkitConfigVersion.cmake \
  usr/lib/x86_64-linux-gnu/pkgconfig/sessionkit.pc
for d in "$lib_deb" "$server_deb"; do
  listing=$(dpkg-deb -c "$d")
  if grep -E '\.h$|/src/|\.a$' <<<"$listing"; then fail "$d holds headers or archives"; fi
done
if grep -E '/src/|\.a$' <<<"$(dpkg-deb -c "$dev_deb")"; then fail "-dev holds internals"; fi
dpkg-deb -f "$server_deb" Depends | grep -q 'libsessionkit0 (= ' || fail "server does not depend on libsessionkit0"
dpkg-deb -f "$server_deb" Depends | grep -q 'libc6' || fail "server Depends lacks dpkg-shlibdeps' libc6"
dpkg-deb -f "$lib_deb" Depends | grep -q 'libsqlite3-0' || fail "library Depends lacks libsqlite3-0"
dpkg-deb -f "$lib_deb" Depends | grep -q 'libhiredis' || fail "library Depends lacks libhiredis"
dpkg-deb -I "$server_deb" conffiles | grep -qx /etc/sessionkit/sessionkit.env || fail "env file is not a conffile"

echo "== package: unpack into a scratch root and run"
sysroot=$scratch/root
for d in "$server_deb" "$lib_deb" "$dev_deb"; do dpkg -x "$d" "$sysroot"; done
export LD_LIBRARY_PATH=$sysroot/usr/lib/x86_64-linux-gnu
if ldd "$sysroot/usr/bin/sessionkit-server" | grep -q 'not found'; then
  ldd "$sysroot/usr/bin/sessionkit-server" >&2; fail "unresolved libraries"
fi
"$sysroot/usr/bin/sessionkit-server" --help | grep -q LOG_FORMAT || fail "--help"
# And serves, configured as the unit does: the packaged settings file, the secret as a
# credential file, JSON logs.
mkdir -m 700 "$scratch/credentials" "$scratch/state"
od -An -tx1 -N32 /dev/urandom | tr -d ' \n' > "$scratch/credentials/jwt_secret"
(
  set -a; . "$sysroot/etc/sessionkit/sessionkit.env"; set +a
  cd "$scratch/state"
  export HTTP_ADDR=127.0.0.1:0 DATABASE_URL=sqlite://sessionkit.db \
    CREDENTIALS_DIRECTORY=$scratch/credentials
  exec "$sysroot/usr/bin/sessionkit-server" 2> "$scratch/server.log"
) &
server_pid=$!
port=
for _ in $(seq 1 300); do
  port=$(sed -n 's/.*"listening on [^ ]*:\([0-9]*\) .*/\1/p' "$scratch/server.log")
  [[ -n $port ]] && break
  kill -0 $server_pid 2>/dev/null || { cat "$scratch/server.log" >&2; fail "server exited"; }
  sleep 0.1
done
[[ -n $port ]] || { kill $server_pid; fail "server did not listen"; }
status=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/healthz")
kill -TERM $server_pid && wait $server_pid || fail "server did not stop cleanly"
[[ $status == 200 ]] || fail "GET /healthz answered $status"
echo "unpacked server answered GET /healthz: $status"
head -1 "$scratch/server.log" | python3 -c 'import json, sys; json.loads(sys.stdin.read())["event"]' \
  || fail "log lines are not JSON"
if grep -qF "$(cat "$scratch/credentials/jwt_secret")" "$scratch/server.log"; then
  fail "the secret is in the log"
fi
unset LD_LIBRARY_PATH

echo "== package: systemd unit exposure"
systemd-analyze security --offline=yes --threshold=20 packaging/sessionkit.service >/dev/null \
  || fail "systemd-analyze security: exposure above 2.0"
cd "$root"
echo "check-package: OK"
