"""Running sessionkit-ctl beside a real sessionkit-server in the end-to-end tests.

The ctl binary comes from $SESSIONKIT_CTL (tests/integration/CMakeLists.txt), else the
build tree's ctl/ next to $SESSIONKIT_SERVER's server/. ctl gets the server's own
environment (DATABASE_URL, REDIS_ADDR, JWT_SECRET), so both work on the same stores.
"""

import os
import subprocess
import warnings

from sk_harness import server_binary

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import crypt  # noqa: E402  (bcrypt hashes as the Go service wrote them)


def ctl_binary():
    path = os.environ.get("SESSIONKIT_CTL")
    if not path:
        build = os.path.dirname(os.path.dirname(server_binary()))
        path = os.path.join(build, "ctl", "sessionkit-ctl")
    if not os.path.exists(path):
        raise RuntimeError("SESSIONKIT_CTL must point at the sessionkit-ctl binary")
    return path


def bcrypt_hash(password, prefix="$2b$"):
    """A bcrypt hash at cost 4 (fast), with the given prefix ($2a$, $2b$, $2y$: same
    algorithm for passwords like these)."""
    h = crypt.crypt(password, crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16))
    return prefix + h[4:]


def run_ctl(server, *args, stdin=None, env=None, timeout=120):
    """Runs sessionkit-ctl with the server's environment in its directory."""
    full_env = dict(server.env)
    full_env.update(env or {})
    return subprocess.run([ctl_binary()] + list(args), cwd=server.dir, env=full_env,
                          input=stdin, capture_output=True, text=True, timeout=timeout)
