"""Users in MySQL / MariaDB (API.md §10) with sessions in Redis, against a real mariadbd
and redis-server: the whole HTTP contract (ApiContract) on that pair; the start-up rules
(REDIS_ADDR required, the URL's password never logged); two servers sharing one users
database and one Redis; and the users database going down under verify load: verify
keeps answering 2xx, login / register / refresh / me answer 503, and everything works
again after the database restarts, without restarting the server."""

import crypt
import threading
import unittest
import uuid

from sk_harness import PASSWORD, MariadbProcess, RedisProcess, ServerProcess, wait_until
from test_api import ApiContract


def start_trio(test_class):
    test_class.redis = RedisProcess().start()
    test_class.mariadb = None
    try:
        test_class.mariadb = MariadbProcess().start()
        test_class.database = test_class.mariadb.create_database()
        test_class.server = ServerProcess(env=server_env(test_class)).start()
    except BaseException:
        if test_class.mariadb is not None:
            test_class.mariadb.cleanup()
        test_class.redis.cleanup()
        raise


def server_env(test_class, scheme="mysql"):
    return {"REDIS_ADDR": f"127.0.0.1:{test_class.redis.port}",
            "DATABASE_URL": test_class.mariadb.url(test_class.database, scheme)}


def stop_trio(test_class):
    try:
        code = test_class.server.terminate()
        log = test_class.server.log_text()
        assert code == 0, f"server exit {code}\n{log[-4000:]}"
        assert MariadbProcess.PASSWORD not in log, "the database password was logged"
    finally:
        test_class.server.stop()
        test_class.mariadb.cleanup()
        test_class.redis.cleanup()


class MariadbApiTest(ApiContract, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        start_trio(cls)

    @classmethod
    def tearDownClass(cls):
        stop_trio(cls)


class MariadbUsersTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        start_trio(cls)

    @classmethod
    def tearDownClass(cls):
        stop_trio(cls)

    @property
    def c(self):
        return self.server.client

    def new_login(self):
        name = "u" + uuid.uuid4().hex[:10]
        r = self.c.register(name)
        self.assertEqual(r.status, 201, r)
        r = self.c.login(name)
        self.assertEqual(r.status, 200, r)
        return name, r.data

    def test_logs_the_users_database_redacted(self):
        log = self.server.log_text()
        self.assertIn("users database: MySQL/MariaDB at mysql://sessionkit:***@127.0.0.1:", log)
        self.assertNotIn(MariadbProcess.PASSWORD, log)

    def test_users_are_rows_of_the_migrated_schema(self):
        name, _ = self.new_login()
        rows = self.mariadb.sql(
            f"SELECT username, email FROM {self.database}.users WHERE username = '{name}'")
        self.assertEqual(rows.strip(), f"{name}\t{name}@example.com")
        self.assertEqual(
            self.mariadb.sql(f"SELECT version FROM {self.database}.schema_migrations").split(),
            ["1", "2", "3"])  # users; users.disabled (§11); two_factor (§9)
        # Case-insensitive uniqueness, as with SQLite.
        r = self.c.register(name.upper(), email="other-" + name + "@example.com")
        self.assertEqual(r.status, 409, r)

    def test_refuses_to_start_without_redis(self):
        env = server_env(self)
        del env["REDIS_ADDR"]
        lone = ServerProcess(env=env)
        try:
            lone.start(wait=False)
            self.assertEqual(lone.wait_exit(), 2)
            log = lone.log_text()
            self.assertIn("REDIS_ADDR", log)
            self.assertNotIn(MariadbProcess.PASSWORD, log)
        finally:
            lone.stop()

    def test_refuses_a_bad_url_without_echoing_the_password(self):
        env = server_env(self)
        env["DATABASE_URL"] = f"mysql://sessionkit:{MariadbProcess.PASSWORD}@127.0.0.1:0/db"
        bad = ServerProcess(env=env)
        try:
            bad.start(wait=False)
            self.assertEqual(bad.wait_exit(), 2)
            log = bad.log_text()
            self.assertIn("DATABASE_URL", log)
            self.assertNotIn(MariadbProcess.PASSWORD, log)
        finally:
            bad.stop()

    def test_two_servers_share_users_and_sessions(self):
        # mariadb:// names the same thing as mysql://.
        other = ServerProcess(env=server_env(self, scheme="mariadb")).start()
        try:
            name = "s" + uuid.uuid4().hex[:10]
            self.assertEqual(self.c.register(name).status, 201)
            r = other.client.login(name)
            self.assertEqual(r.status, 200, r)
            token = r.data["token"]
            self.assertEqual(self.c.verify(token).status, 200)
            me = self.c.get("/api/users/me", token=token)
            self.assertEqual(me.status, 200, me)
            self.assertEqual(me.data["user"]["username"], name)
            # A name taken on one server is taken on the other, ignoring case.
            self.assertEqual(other.client.register(name.upper(),
                                                   email="x" + name + "@example.com").status, 409)
        finally:
            self.assertEqual(other.terminate(), 0)
            other.stop()

    def test_servers_starting_together_migrate_once(self):
        env = server_env(self)
        env["DATABASE_URL"] = self.mariadb.url(self.mariadb.create_database())
        servers = [ServerProcess(env=env) for _ in range(3)]
        try:
            for s in servers:
                s.start(wait=False)
            for s in servers:
                s.port = wait_until(s._listening_port, 60, "the server to listen")
            database = env["DATABASE_URL"].rsplit("/", 1)[1]
            self.assertEqual(
                self.mariadb.sql(f"SELECT version FROM {database}.schema_migrations").split(),
                ["1", "2", "3"])  # users; users.disabled (§11); two_factor (§9)
        finally:
            for s in servers:
                if s.proc is not None and s.proc.poll() is None:
                    self.assertEqual(s.terminate(), 0)
                s.stop()

    def test_zz_database_outage(self):
        # Named to run last in this class: it restarts the database.
        name, data = self.new_login()
        token, refresh = data["token"], data["refresh_token"]
        failures, answers = [], [0]
        stop = threading.Event()

        def verify_loop():
            while not stop.is_set():
                r = self.c.verify(token)
                answers[0] += 1
                if not 200 <= r.status < 300:
                    failures.append(r)

        loop = threading.Thread(target=verify_loop)
        loop.start()
        try:
            wait_until(lambda: answers[0] > 20, 30, "verify load before the outage")
            self.mariadb.stop()
            before = answers[0]
            for r in (self.c.login(name),
                      self.c.register("late" + uuid.uuid4().hex[:8]),
                      self.c.refresh(refresh),
                      self.c.get("/api/users/me", token=token)):
                with self.subTest(r=r):
                    self.assertEqual(r.status, 503, r)
                    self.assertEqual(r.code, "store_unavailable")
            wait_until(lambda: answers[0] > before + 50, 30, "verify calls during the outage")
        finally:
            self.mariadb.start()
            stop.set()
            loop.join()
        self.assertEqual(failures, [], "verify failed while the users database was down")
        self.assertGreater(answers[0], 50)
        # Back without a restart of sessionkit.
        r = wait_until(lambda: (lambda r: r if r.status == 200 else None)(self.c.login(name)),
                       30, "login after the database is back")
        self.assertEqual(self.c.get("/api/users/me", token=r.data["token"]).status, 200)
        self.assertEqual(self.c.register("back" + uuid.uuid4().hex[:8]).status, 201)


if __name__ == "__main__":
    unittest.main()


# The Go service's users: a `users` table and its credentials in `user_auth`, joined in
# USER_LOOKUP_SQL (API.md §10; the worked example of docs/mysql.md).
GO_SCHEMA = """
CREATE TABLE {db}.users (id BIGINT PRIMARY KEY, name VARCHAR(64) NOT NULL,
  mail VARCHAR(254) NOT NULL, kind VARCHAR(16) NULL, premium TINYINT NOT NULL DEFAULT 0,
  verified TINYINT NOT NULL DEFAULT 0);
CREATE TABLE {db}.user_auth (user_id BIGINT PRIMARY KEY, hash VARCHAR(255) NOT NULL);
"""
LOOKUP_SQL = ("SELECT u.id AS id, u.name AS username, u.mail AS email, a.hash AS password_hash,"
              " u.kind AS role, u.premium AS is_premium, u.verified AS is_verified"
              " FROM users u JOIN user_auth a ON a.user_id = u.id"
              " WHERE ? IN (LOWER(u.name), LOWER(u.mail))")
BY_ID_SQL = ("SELECT u.id AS id, u.name AS username, u.mail AS email, a.hash AS password_hash,"
             " u.kind AS role, u.premium AS is_premium, u.verified AS is_verified"
             " FROM users u JOIN user_auth a ON a.user_id = u.id WHERE u.id = ?")


class MariadbExternalUsersTest(unittest.TestCase):
    """USER_LOOKUP_SQL / USER_BY_ID_SQL: users of an existing schema, read-only."""

    @classmethod
    def setUpClass(cls):
        cls.redis = RedisProcess().start()
        cls.mariadb = None
        try:
            cls.mariadb = MariadbProcess().start()
            cls.database = cls.mariadb.create_database()
            cls.mariadb.sql(GO_SCHEMA.format(db=cls.database))
            cls.bcrypt_hash = crypt.crypt(PASSWORD, crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16))
            cls.mariadb.sql(
                f"INSERT INTO {cls.database}.users VALUES (42, 'Gopher', 'gopher@example.com',"
                f" 'admin', 1, 1); INSERT INTO {cls.database}.user_auth VALUES"
                f" (42, '{cls.bcrypt_hash}');")
            cls.server = ServerProcess(env=cls.env()).start()
        except BaseException:
            if cls.mariadb is not None:
                cls.mariadb.cleanup()
            cls.redis.cleanup()
            raise

    @classmethod
    def env(cls, lookup=LOOKUP_SQL, by_id=BY_ID_SQL):
        env = server_env(cls)
        env["USER_LOOKUP_SQL"] = lookup
        env["USER_BY_ID_SQL"] = by_id
        return env

    @classmethod
    def tearDownClass(cls):
        stop_trio(cls)

    def test_login_me_and_refresh_with_the_external_user(self):
        c = self.server.client
        self.assertEqual(c.login("gopher", password="wrong password").status, 401)
        r = c.login("GOPHER@example.com")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.data["user"], {"id": "42", "username": "Gopher",
                                          "email": "gopher@example.com", "role": "admin",
                                          "is_premium": True})
        me = c.get("/api/users/me", token=r.data["token"])
        self.assertEqual(me.status, 200, me)
        self.assertEqual(me.data["user"]["username"], "Gopher")
        self.assertEqual(c.refresh(r.data["refresh_token"]).status, 200)
        # The bcrypt hash is verified, never rewritten.
        stored = self.mariadb.sql(f"SELECT hash FROM {self.database}.user_auth WHERE user_id = 42")
        self.assertEqual(stored.strip(), self.bcrypt_hash)

    def test_register_and_password_change_are_read_only(self):
        c = self.server.client
        r = c.register("newcomer")
        self.assertEqual((r.status, r.code), (403, "read_only_users"), r)
        token = c.login("gopher").data["token"]
        r = c.change_password(token, PASSWORD, "another good password")
        self.assertEqual((r.status, r.code), (403, "read_only_users"), r)
        self.assertEqual(c.login("gopher").status, 200)
        # API.md §10: 2FA needs sessionkit's own tables; here it is off.
        r = c.post("/api/auth/2fa/totp/setup", token=token)
        self.assertEqual((r.status, r.code), (403, "read_only_users"), r)
        self.assertFalse(c.login("gopher").data["requires_2fa"])

    def test_a_query_missing_a_column_refuses_start_naming_it(self):
        bad = ServerProcess(env=self.env(lookup=LOOKUP_SQL.replace(" AS is_verified", " AS verified")))
        try:
            bad.start(wait=False)
            self.assertEqual(bad.wait_exit(), 2)
            log = bad.log_text()
            self.assertIn("USER_LOOKUP_SQL", log)
            self.assertIn("is_verified", log)
            self.assertNotIn(MariadbProcess.PASSWORD, log)
        finally:
            bad.stop()

    def test_one_query_without_the_other_refuses_start(self):
        bad = ServerProcess(env=self.env(by_id=""))
        try:
            bad.start(wait=False)
            self.assertEqual(bad.wait_exit(), 2)
            self.assertIn("USER_LOOKUP_SQL and USER_BY_ID_SQL go together", bad.log_text())
        finally:
            bad.stop()
