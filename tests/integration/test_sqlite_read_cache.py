"""The embedded store's read cache (docs/performance.md, "Performance II"): a session the
server has just validated several times -- so its record is in the server's memory -- is
refused on the very next request once any process deletes it from the SQLite file: the
server itself (logout), another process with Python's sqlite3, or the sqlite3 shell."""
import os
import shutil
import sqlite3
import subprocess
import unittest
import uuid

from sk_harness import ServerProcess, jwt_claims


class SqliteReadCacheTest(unittest.TestCase):
    def setUp(self):
        self.server = ServerProcess()
        self.addCleanup(self.server.stop)
        self.server.start()
        self.db = os.path.join(self.server.dir, "sessionkit.db")

    def warm_session(self):
        name = "c" + uuid.uuid4().hex[:12]
        self.assertEqual(self.server.client.register(name).status, 201)
        r = self.server.client.login(name)
        self.assertEqual(r.status, 200, r)
        token = r.data["token"]
        for _ in range(3):  # the first reads the file, the others may come from memory
            self.assertEqual(self.server.client.verify(token).status, 200)
        return token, jwt_claims(token)["session_id"]

    def test_a_delete_by_another_process_is_refused_on_the_next_verify(self):
        token, session_id = self.warm_session()
        other_token, _ = self.warm_session()
        with sqlite3.connect(self.db, timeout=10) as conn:
            conn.execute("DELETE FROM sessions WHERE id = ?", (session_id,))
        conn.close()
        self.assertEqual(self.server.client.verify(token).status, 401)
        self.assertEqual(self.server.client.verify(other_token).status, 200,
                         "the other session is read again, still live")

    def test_a_delete_by_the_sqlite3_shell_is_refused_on_the_next_verify(self):
        if shutil.which("sqlite3") is None:
            self.skipTest("the sqlite3 shell is not installed (Debian package sqlite3)")
        token, session_id = self.warm_session()
        subprocess.run(["sqlite3", self.db, f"DELETE FROM sessions WHERE id = '{session_id}'"],
                       check=True, timeout=30)
        self.assertEqual(self.server.client.verify(token).status, 401)

    def test_a_logout_is_refused_at_once(self):
        token, _ = self.warm_session()
        self.assertEqual(self.server.client.post("/api/auth/logout", token=token).status, 200)
        self.assertEqual(self.server.client.verify(token).status, 401)


if __name__ == "__main__":
    unittest.main()
