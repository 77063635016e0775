#!/usr/bin/env bash
# Builds the Debian packages (docs/operations.md): a build tree of its own, build-pkg/,
# with shared libraries (SESSIONKIT_SHARED=ON), prefix /usr, no benchmarks and no tests
# built; then CPack DEB. Prints the .deb files made (in build-pkg/).
#   scripts/package.sh            -> sessionkit-server, libsessionkit0, libsessionkit-dev
set -euo pipefail
cd "$(dirname "$0")/.."
dir=build-pkg
scripts/install-deps.sh
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSESSIONKIT_SHARED=ON \
  -DSESSIONKIT_BUILD_BENCH=OFF -DCMAKE_INSTALL_PREFIX=/usr >/dev/null
cmake --build "$dir" -j "$(nproc)" --target sessionkit_installables
rm -f "$dir"/*.deb
(cd "$dir" && cpack -G DEB >/dev/null)
ls "$dir"/*.deb
