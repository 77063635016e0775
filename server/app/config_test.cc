#include "server/app/config.h"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <fstream>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "testing/temp_dir.h"

namespace sessionkit::server {
namespace {

constexpr std::string_view kSecret = "0123456789abcdef0123456789abcdef";  // 32 bytes

struct Env {
  std::map<std::string, std::string, std::less<>> vars;
  EnvLookup Lookup() const {
    return [this](std::string_view name) -> std::optional<std::string> {
      auto it = vars.find(name);
      if (it == vars.end()) return std::nullopt;
      return it->second;
    };
  }
};

ConfigOutcome Load(const Env& env, std::vector<std::string> flags = {},
                   std::string_view dotenv = {}) {
  flags.insert(flags.begin(), "sessionkit-server");
  return LoadConfig(flags, env.Lookup(), dotenv, 4);
}

TEST(DotEnvTest, ParsesCommentsQuotesAndExport) {
  auto vars = ParseDotEnv(
      "# comment\n"
      "\n"
      "A=1\n"
      "  B = spaced  \n"
      "export C=exported\n"
      "D=\"double # not a comment\"\n"
      "E='single'\n"
      "F=value # trailing comment\n"
      "no equals sign\n"
      "=novalue\n"
      "G=\r\n"
      "A=2\n");
  EXPECT_EQ(vars["A"], "2");
  EXPECT_EQ(vars["B"], "spaced");
  EXPECT_EQ(vars["C"], "exported");
  EXPECT_EQ(vars["D"], "double # not a comment");
  EXPECT_EQ(vars["E"], "single");
  EXPECT_EQ(vars["F"], "value");
  EXPECT_EQ(vars["G"], "");
  EXPECT_EQ(vars.count("no equals sign"), 0u);
  EXPECT_EQ(vars.count(""), 0u);
}

// README "Configuration": in an unquoted value a `#` after a blank starts a comment; any
// other `#` is part of the value; quotes keep a `#` and may be followed by a comment.
TEST(DotEnvTest, HashInsideAnUnquotedValueIsPartOfIt) {
  auto vars = ParseDotEnv(
      "A=pa#ss\n"
      "B=pa#ss # the comment\n"
      "C=value\t# after a tab\n"
      "D=#leading\n"
      "E= # only a comment\n"
      "F=\"quoted # kept\" # comment\n"
      "G='single#x'#comment\n"
      "H=\"unclosed\n"
      "I=\"x\" trailing\n");
  EXPECT_EQ(vars["A"], "pa#ss");
  EXPECT_EQ(vars["B"], "pa#ss");
  EXPECT_EQ(vars["C"], "value");
  EXPECT_EQ(vars["D"], "#leading");
  EXPECT_EQ(vars["E"], "");
  EXPECT_EQ(vars["F"], "quoted # kept");
  EXPECT_EQ(vars["G"], "single#x");
  EXPECT_EQ(vars.count("H"), 0u) << "malformed: skipped";
  EXPECT_EQ(vars.count("I"), 0u) << "malformed: skipped";
}

TEST(DotEnvFileTest, RefusedWhenGroupOrOthersMayWriteIt) {
  testing::TempDir dir;
  const std::string path = dir.File(".env");
  EXPECT_TRUE(ReadDotEnvFile(path).error.empty()) << "a missing .env is fine";
  EXPECT_TRUE(ReadDotEnvFile(path).text.empty());
  {
    std::ofstream out(path);
    out << "JWT_SECRET=" << kSecret << "\n";
  }
  ASSERT_EQ(::chmod(path.c_str(), 0600), 0);
  DotEnvFile ok = ReadDotEnvFile(path);
  EXPECT_TRUE(ok.error.empty()) << ok.error;
  EXPECT_NE(ok.text.find("JWT_SECRET="), std::string::npos);
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  EXPECT_TRUE(ReadDotEnvFile(path).error.empty()) << "others may read it";
  for (mode_t mode : {0620, 0602, 0666}) {
    ASSERT_EQ(::chmod(path.c_str(), mode), 0);
    DotEnvFile refused = ReadDotEnvFile(path);
    EXPECT_NE(refused.error.find("writable by group or others"), std::string::npos) << mode;
    EXPECT_NE(refused.error.find("chmod go-w"), std::string::npos);
    EXPECT_EQ(refused.error.find(kSecret), std::string::npos) << "never the content";
    EXPECT_TRUE(refused.text.empty());
  }
  EXPECT_FALSE(ReadDotEnvFile(dir.path().string()).error.empty()) << "a directory";
}

TEST(ConfigTest, RefusesShortPreviousSecretsWithoutPrintingThem) {
  const std::string long_old(40, 'o');
  Env env{{{"JWT_SECRET", std::string(kSecret)},
           {"JWT_PREVIOUS_SECRETS", long_old + ",short-old-s3cr3t"}}};
  ConfigOutcome out = Load(env);
  EXPECT_FALSE(out.config);
  EXPECT_EQ(out.exit_code, 2);
  EXPECT_NE(out.message.find("JWT_PREVIOUS_SECRETS entry 2"), std::string::npos) << out.message;
  EXPECT_EQ(out.message.find("short-old-s3cr3t"), std::string::npos);
  EXPECT_EQ(out.message.find(long_old), std::string::npos);
  EXPECT_TRUE(Load(env, {"--dev"}).config) << "--dev accepts short keys, as for JWT_SECRET";
  env.vars["JWT_PREVIOUS_SECRETS"] = long_old;
  EXPECT_TRUE(Load(env).config);
}

// API.md §9, docs/two-factor.md: TOTP_ENCRYPTION_KEYS is a secret (environment only);
// a bad entry refuses the start naming the entry and its id, never a key.
TEST(ConfigTest, TotpEncryptionKeysAreCheckedWithoutPrintingThem) {
  const std::string good = "YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWE=";  // 32 bytes
  Env env{{{"JWT_SECRET", std::string(kSecret)},
           {"TOTP_ENCRYPTION_KEYS", "new:" + good + ",old:c2hvcnRrZXk="}}};
  ConfigOutcome out = Load(env);
  EXPECT_FALSE(out.config);
  EXPECT_EQ(out.exit_code, 2);
  EXPECT_NE(out.message.find("TOTP_ENCRYPTION_KEYS entry 2 (old)"), std::string::npos) << out.message;
  EXPECT_EQ(out.message.find("c2hvcnRrZXk"), std::string::npos);
  EXPECT_EQ(out.message.find(good), std::string::npos);
  env.vars["TOTP_ENCRYPTION_KEYS"] = "new:" + good;
  ASSERT_TRUE(Load(env).config);
  EXPECT_EQ(Load(env).config->totp_encryption_keys, "new:" + good);
  EXPECT_FALSE(Load(Env{{{"JWT_SECRET", std::string(kSecret)}}},
                    {"--totp-encryption-keys", "new:" + good})
                   .config);
}

TEST(ConfigTest, LifetimesAreBounded) {
  struct Case {
    const char* name;
    const char* too_big;
    const char* largest;
  };
  for (const Case& c : {Case{"SESSION_TTL_HOURS", "87601", "87600"},
                        Case{"SESSION_MAX_LIFETIME_HOURS", "2147483647", "87600"},
                        Case{"JWT_EXPIRED", "1000000", "87600"},
                        Case{"SESSION_TOUCH_INTERVAL_SECONDS", "315360001", "315360000"},
                        Case{"REFRESH_REUSE_GRACE_SECONDS", "2000000000", "315360000"},
                        Case{"LOGIN_FAILURE_WINDOW_SECONDS", "315360001", "315360000"}}) {
    Env env{{{"JWT_SECRET", std::string(kSecret)}, {c.name, c.too_big}}};
    ConfigOutcome out = Load(env);
    EXPECT_FALSE(out.config) << c.name;
    EXPECT_EQ(out.exit_code, 2);
    EXPECT_NE(out.message.find(c.name), std::string::npos) << out.message;
    EXPECT_NE(out.message.find("10 years"), std::string::npos) << out.message;
    env.vars[c.name] = c.largest;
    EXPECT_TRUE(Load(env).config) << c.name;
  }
  Env overflow{{{"JWT_SECRET", std::string(kSecret)}, {"SESSION_TTL_HOURS", "99999999999"}}};
  ConfigOutcome out = Load(overflow);
  EXPECT_FALSE(out.config);
  EXPECT_NE(out.message.find("SESSION_TTL_HOURS is out of range"), std::string::npos)
      << out.message;
}

TEST(ConfigTest, PasswordHashCostDefaultsToOwaspAndIsBounded) {
  Env env{{{"JWT_SECRET", std::string(kSecret)}}};
  ConfigOutcome defaults = Load(env);
  ASSERT_TRUE(defaults.config) << defaults.message;
  EXPECT_EQ(defaults.config->password_hash_memory_kib, 19456);
  EXPECT_EQ(defaults.config->password_hash_iterations, 2);
  ConfigOutcome set = Load(env, {"--password-hash-iterations", "3"},
                           "PASSWORD_HASH_MEMORY_KIB=65536\n");
  ASSERT_TRUE(set.config) << set.message;
  EXPECT_EQ(set.config->password_hash_memory_kib, 65536);
  EXPECT_EQ(set.config->password_hash_iterations, 3);
  for (auto [name, value] : {std::pair{"PASSWORD_HASH_MEMORY_KIB", "1024"},
                             std::pair{"PASSWORD_HASH_MEMORY_KIB", "2000000"},
                             std::pair{"PASSWORD_HASH_ITERATIONS", "0"},
                             std::pair{"PASSWORD_HASH_ITERATIONS", "17"}}) {
    Env bad{{{"JWT_SECRET", std::string(kSecret)}, {name, value}}};
    ConfigOutcome out = Load(bad);
    EXPECT_FALSE(out.config) << name << "=" << value;
    EXPECT_NE(out.message.find(name), std::string::npos) << out.message;
  }
}

TEST(ConfigTest, DefaultsOfApiMd) {
  Env env{{{"JWT_SECRET", std::string(kSecret)}}};
  ConfigOutcome out = Load(env);
  ASSERT_TRUE(out.config) << out.message;
  const ServerConfig& c = *out.config;
  EXPECT_EQ(c.http_host, "127.0.0.1");
  EXPECT_EQ(c.http_port, 8080);
  EXPECT_EQ(c.database_path, "sessionkit.db");
  EXPECT_TRUE(c.redis_addr.empty());
  EXPECT_EQ(c.session_ttl_hours, 48);
  EXPECT_EQ(c.session_max_lifetime_hours, 720);
  EXPECT_EQ(c.session_touch_interval_seconds, 60);
  EXPECT_EQ(c.session_binding, "warn");
  EXPECT_EQ(c.session_max_per_user, 100);  // API.md §3 (issue 10)
  EXPECT_EQ(c.refresh_reuse_grace_seconds, 10);
  EXPECT_EQ(c.login_failure_window_seconds, 900);
  EXPECT_EQ(c.login_max_failures_per_identifier, 10);
  EXPECT_EQ(c.login_max_failures_per_ip, 100);
  EXPECT_EQ(c.jwt_expired_hours, 48);
  EXPECT_EQ(c.jwt_issuer, "sessionkit");
  EXPECT_EQ(c.jwt_leeway_seconds, 30);
  EXPECT_TRUE(c.trusted_proxies.empty());
  EXPECT_EQ(c.io_threads, 3u);  // 4 cores: one left to the proxy, Redis, hashing
  EXPECT_EQ(c.hash_threads, 2u);  // 4 cores: half
  EXPECT_FALSE(c.jwt_secret_generated);
}

TEST(ConfigTest, EnvironmentBeatsDotEnvAndFlagsBeatBoth) {
  Env env{{{"JWT_SECRET", std::string(kSecret)}, {"SESSION_TTL_HOURS", "5"},
           {"HTTP_ADDR", "0.0.0.0:9000"}}};
  ConfigOutcome out = Load(env, {"--http-addr", "[::1]:7000"},
                           "SESSION_TTL_HOURS=6\nJWT_ISSUER=from-dotenv\nHTTP_ADDR=1.1.1.1:1\n");
  ASSERT_TRUE(out.config) << out.message;
  EXPECT_EQ(out.config->session_ttl_hours, 5);       // env over .env
  EXPECT_EQ(out.config->jwt_issuer, "from-dotenv");  // .env over default
  EXPECT_EQ(out.config->http_host, "::1");           // flag over env
  EXPECT_EQ(out.config->http_port, 7000);
}

TEST(ConfigTest, SecretMayComeFromDotEnv) {
  ConfigOutcome out = Load(Env{}, {}, "JWT_SECRET=\"" + std::string(kSecret) + "\"\n");
  ASSERT_TRUE(out.config) << out.message;
  EXPECT_EQ(out.config->jwt_secret, kSecret);
}

TEST(ConfigTest, ListsAndDatabaseUrls) {
  Env env{{{"JWT_SECRET", std::string(kSecret)},
           {"JWT_PREVIOUS_SECRETS", std::string(kSecret) + "-one, ," + std::string(kSecret) + "-two"},
           {"JWT_ACCEPT_ISSUERS", "a,b"},
           {"TRUSTED_PROXIES", "10.0.0.0/8,::1"},
           {"DATABASE_URL", "sqlite:///var/lib/sk/users.db"}}};
  ConfigOutcome out = Load(env);
  ASSERT_TRUE(out.config) << out.message;
  EXPECT_EQ(out.config->jwt_previous_secrets,
            (std::vector<std::string>{std::string(kSecret) + "-one", std::string(kSecret) + "-two"}));
  EXPECT_EQ(out.config->jwt_accept_issuers, (std::vector<std::string>{"a", "b"}));
  EXPECT_FALSE(out.config->trusted_proxies.empty());
  EXPECT_EQ(out.config->database_path, "/var/lib/sk/users.db");
}

TEST(ConfigTest, EmptyVariableMeansDefault) {
  Env env{{{"JWT_SECRET", std::string(kSecret)}, {"SESSION_TTL_HOURS", ""}, {"HTTP_ADDR", ""}}};
  ConfigOutcome out = Load(env);
  ASSERT_TRUE(out.config) << out.message;
  EXPECT_EQ(out.config->session_ttl_hours, 48);
  EXPECT_EQ(out.config->http_port, 8080);
}

TEST(ConfigTest, RefusesMissingOrShortSecretWithoutPrintingIt) {
  ConfigOutcome missing = Load(Env{});
  EXPECT_FALSE(missing.config);
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.message.find("JWT_SECRET"), std::string::npos);

  Env short_env{{{"JWT_SECRET", "tooshort-s3cr3t-value"}}};
  ConfigOutcome short_secret = Load(short_env);
  EXPECT_FALSE(short_secret.config);
  EXPECT_EQ(short_secret.exit_code, 2);
  EXPECT_EQ(short_secret.message.find("tooshort-s3cr3t-value"), std::string::npos);
}

TEST(ConfigTest, DevGeneratesASecret) {
  ConfigOutcome out = Load(Env{}, {"--dev"});
  ASSERT_TRUE(out.config) << out.message;
  EXPECT_TRUE(out.config->jwt_secret_generated);
  EXPECT_GE(out.config->jwt_secret.size(), kMinJwtSecretBytes);
  ConfigOutcome again = Load(Env{}, {"--dev"});
  EXPECT_NE(out.config->jwt_secret, again.config->jwt_secret);
}

TEST(ConfigTest, DevKeepsAShortSecretItWasGiven) {
  ConfigOutcome out = Load(Env{{{"JWT_SECRET", "short"}}}, {"--dev"});
  ASSERT_TRUE(out.config) << out.message;
  EXPECT_EQ(out.config->jwt_secret, "short");
  EXPECT_FALSE(out.config->jwt_secret_generated);
}

TEST(ConfigTest, RefusesLeewayOver60) {
  Env env{{{"JWT_SECRET", std::string(kSecret)}, {"JWT_LEEWAY_SECONDS", "61"}}};
  ConfigOutcome out = Load(env);
  EXPECT_FALSE(out.config);
  EXPECT_EQ(out.exit_code, 2);
  EXPECT_NE(out.message.find("JWT_LEEWAY_SECONDS"), std::string::npos);
  env.vars["JWT_LEEWAY_SECONDS"] = "60";
  EXPECT_TRUE(Load(env).config);
  EXPECT_FALSE(Load(env, {"--jwt-leeway-seconds", "-1"}).config);
}

TEST(ConfigTest, RefusesBadValuesNamingEachOne) {
  Env env{{{"JWT_SECRET", std::string(kSecret)},
           {"SESSION_TTL_HOURS", "abc"},
           {"SESSION_BINDING", "loose"},
           {"HTTP_ADDR", "nohostport"},
           {"DATABASE_URL", "postgres://x"},
           {"TRUSTED_PROXIES", "10.0.0.0/99"},
           {"JWT_EXPIRED", "0"}}};
  ConfigOutcome out = Load(env);
  EXPECT_FALSE(out.config);
  EXPECT_EQ(out.exit_code, 2);
  for (const char* name : {"SESSION_TTL_HOURS", "SESSION_BINDING", "HTTP_ADDR", "DATABASE_URL",
                           "TRUSTED_PROXIES", "JWT_EXPIRED"}) {
    EXPECT_NE(out.message.find(name), std::string::npos) << name << " in " << out.message;
  }
  EXPECT_EQ(out.message.find(kSecret), std::string::npos);
}

TEST(ConfigTest, LoginThrottleSettingsFromEnvDotEnvAndFlags) {
  Env env{{{"JWT_SECRET", std::string(kSecret)}, {"LOGIN_FAILURE_WINDOW_SECONDS", "60"}}};
  ConfigOutcome out = Load(env, {"--login-max-failures-per-ip", "0"},
                           "LOGIN_MAX_FAILURES_PER_IDENTIFIER=3\nLOGIN_FAILURE_WINDOW_SECONDS=5\n");
  ASSERT_TRUE(out.config) << out.message;
  EXPECT_EQ(out.config->login_failure_window_seconds, 60);     // env over .env
  EXPECT_EQ(out.config->login_max_failures_per_identifier, 3);  // .env over default
  EXPECT_EQ(out.config->login_max_failures_per_ip, 0);          // flag: throttling off
}

TEST(ConfigTest, RefusesBadLoginThrottleSettings) {
  Env env{{{"JWT_SECRET", std::string(kSecret)},
           {"LOGIN_FAILURE_WINDOW_SECONDS", "0"},
           {"LOGIN_MAX_FAILURES_PER_IDENTIFIER", "-1"},
           {"LOGIN_MAX_FAILURES_PER_IP", "many"}}};
  ConfigOutcome out = Load(env);
  EXPECT_FALSE(out.config);
  EXPECT_EQ(out.exit_code, 2);
  for (const char* name : {"LOGIN_FAILURE_WINDOW_SECONDS", "LOGIN_MAX_FAILURES_PER_IDENTIFIER",
                           "LOGIN_MAX_FAILURES_PER_IP"}) {
    EXPECT_NE(out.message.find(name), std::string::npos) << name << " in " << out.message;
  }
  Env negative_window{{{"JWT_SECRET", std::string(kSecret)},
                       {"LOGIN_FAILURE_WINDOW_SECONDS", "-5"}}};
  EXPECT_FALSE(Load(negative_window).config);
}

TEST(ConfigTest, BadAddresses) {
  for (const char* addr : {"::1:80", "host:", ":80", "host:99999", "host:8x", "[::1:80"}) {
    Env env{{{"JWT_SECRET", std::string(kSecret)}, {"HTTP_ADDR", addr}}};
    EXPECT_FALSE(Load(env).config) << addr;
  }
  Env ok{{{"JWT_SECRET", std::string(kSecret)}, {"HTTP_ADDR", "localhost:0"}}};
  ConfigOutcome out = Load(ok);
  ASSERT_TRUE(out.config);
  EXPECT_EQ(out.config->http_host, "localhost");
  EXPECT_EQ(out.config->http_port, 0);
}

TEST(ConfigTest, HelpListsEveryOptionAndExitsZero) {
  ConfigOutcome out = Load(Env{}, {"--help"});
  EXPECT_FALSE(out.config);
  EXPECT_EQ(out.exit_code, 0);
  for (const char* text : {"--http-addr", "--database-url", "--redis-addr", "--dev",
                           "--io-threads", "--hash-threads", "--trusted-proxies",
                           "--jwt-leeway-seconds", "JWT_SECRET", "REDIS_PASSWORD",
                           "--header-timeout-ms", "--idle-timeout-ms", "--max-connections",
                           "LOGIN_FAILURE_WINDOW_SECONDS", "LOGIN_MAX_FAILURES_PER_IDENTIFIER",
                           "LOGIN_MAX_FAILURES_PER_IP", "--login-max-failures-per-ip",
                           "REFRESH_REUSE_GRACE_SECONDS", "SESSION_MAX_PER_USER"}) {
    EXPECT_NE(out.message.find(text), std::string::npos) << text;
  }
}

TEST(ConfigTest, UnknownFlagIsExit2) {
  ConfigOutcome out = Load(Env{{{"JWT_SECRET", std::string(kSecret)}}}, {"--no-such-flag"});
  EXPECT_FALSE(out.config);
  EXPECT_EQ(out.exit_code, 2);
}

TEST(ConfigTest, SecretsAreNotFlags) {
  ConfigOutcome out = Load(Env{}, {"--jwt-secret", std::string(kSecret)});
  EXPECT_FALSE(out.config);
  EXPECT_EQ(out.exit_code, 2);
}

TEST(ConfigTest, ServerKnobsAreChecked) {
  Env env{{{"JWT_SECRET", std::string(kSecret)}}};
  EXPECT_FALSE(Load(env, {"--io-threads", "0"}).config);
  EXPECT_FALSE(Load(env, {"--hash-threads", "0"}).config);
  EXPECT_FALSE(Load(env, {"--header-timeout-ms", "0"}).config);
  EXPECT_FALSE(Load(env, {"--log-level", "loud"}).config);
  ConfigOutcome out = Load(env, {"--io-threads", "3", "--hash-threads", "1", "--idle-timeout-ms", "500"});
  ASSERT_TRUE(out.config) << out.message;
  EXPECT_EQ(out.config->io_threads, 3u);
  EXPECT_EQ(out.config->hash_threads, 1u);
  EXPECT_EQ(out.config->idle_timeout_ms, 500);
}


TEST(ConfigTest, ExternalUserQueriesGoTogetherAndNeedMysql) {
  Env env{{{"JWT_SECRET", std::string(kSecret)},
           {"DATABASE_URL", "mysql://app@db.internal:3307/users"},
           {"REDIS_ADDR", "127.0.0.1:6379"},
           {"USER_LOOKUP_SQL", "SELECT id, username, email, password_hash, role, is_premium, "
                               "is_verified FROM users WHERE username = ?"}}};
  ConfigOutcome out = Load(env);
  EXPECT_FALSE(out.config);
  EXPECT_EQ(out.exit_code, 2);
  EXPECT_NE(out.message.find("USER_LOOKUP_SQL and USER_BY_ID_SQL go together"),
            std::string::npos) << out.message;
  env.vars["USER_BY_ID_SQL"] = "SELECT id, username, email, password_hash, role, is_premium, "
                               "is_verified FROM users WHERE id = ?";
  out = Load(env);
  ASSERT_TRUE(out.config) << out.message;
  EXPECT_EQ(out.config->user_by_id_sql, env.vars["USER_BY_ID_SQL"]);
  env.vars["DATABASE_URL"] = "sqlite://users.db";
  out = Load(env);
  EXPECT_FALSE(out.config);
  EXPECT_NE(out.message.find("DATABASE_URL must then be mysql://"), std::string::npos)
      << out.message;
}

TEST(ConfigTest, MysqlDatabaseUrlNeedsRedisAndKeepsItsPasswordSecret) {
  Env env{{{"JWT_SECRET", std::string(kSecret)},
           {"DATABASE_URL", "mysql://app:pw-Hunter77@db.internal:3307/users"}}};
  ConfigOutcome out = Load(env);
  EXPECT_FALSE(out.config);
  EXPECT_EQ(out.exit_code, 2);
  EXPECT_NE(out.message.find("REDIS_ADDR"), std::string::npos) << out.message;
  EXPECT_EQ(out.message.find("Hunter77"), std::string::npos) << out.message;

  env.vars["REDIS_ADDR"] = "127.0.0.1:6379";
  out = Load(env);
  ASSERT_TRUE(out.config) << out.message;
  ASSERT_TRUE(out.config->mysql_users);
  EXPECT_EQ(out.config->mysql_users->host, "db.internal");
  EXPECT_EQ(out.config->mysql_users->port, 3307);
  EXPECT_EQ(out.config->mysql_users->user, "app");
  EXPECT_EQ(out.config->mysql_users->password, "pw-Hunter77");
  EXPECT_EQ(out.config->mysql_users->database, "users");

  env.vars["DATABASE_URL"] = "mariadb://app@localhost/users?socket=/run/mysqld/mysqld.sock";
  out = Load(env);
  ASSERT_TRUE(out.config) << out.message;
  EXPECT_EQ(out.config->mysql_users->socket, "/run/mysqld/mysqld.sock");

  // A sqlite URL leaves the MySQL options unset.
  env.vars["DATABASE_URL"] = "sqlite://u.db";
  out = Load(env);
  ASSERT_TRUE(out.config) << out.message;
  EXPECT_FALSE(out.config->mysql_users);
}

TEST(ConfigTest, BadMysqlUrlsAreRefusedWithoutThePassword) {
  Env env{{{"JWT_SECRET", std::string(kSecret)}, {"REDIS_ADDR", "127.0.0.1:6379"}}};
  for (const char* url : {"mysql://u:pw-Hunter77@h:99999/db", "mysql://u:pw-Hunter77@h",
                          "mysql://u:pw-Hunter77@h/db?tls=1"}) {
    env.vars["DATABASE_URL"] = url;
    ConfigOutcome out = Load(env);
    EXPECT_FALSE(out.config) << url;
    EXPECT_EQ(out.exit_code, 2);
    EXPECT_NE(out.message.find("DATABASE_URL"), std::string::npos) << out.message;
    EXPECT_EQ(out.message.find("Hunter77"), std::string::npos) << out.message;
  }
}

TEST(ConfigTest, AMysqlPasswordIsNeverAFlag) {
  Env env{{{"JWT_SECRET", std::string(kSecret)}, {"REDIS_ADDR", "127.0.0.1:6379"}}};
  ConfigOutcome out = Load(env, {"--database-url", "mysql://u:pw-Hunter77@h/db"});
  EXPECT_FALSE(out.config);
  EXPECT_EQ(out.exit_code, 2);
  EXPECT_NE(out.message.find("--database-url"), std::string::npos) << out.message;
  EXPECT_EQ(out.message.find("Hunter77"), std::string::npos) << out.message;
  EXPECT_TRUE(Load(env, {"--database-url", "mysql://u@h/db"}).config) << "no password: fine";
}

TEST(ConfigTest, RedisClusterNodesExcludeRedisAddrAndSatisfyMysql) {
  Env env{{{"JWT_SECRET", std::string(kSecret)},
           {"REDIS_CLUSTER_NODES", "10.0.0.1:7000, 10.0.0.2:7000,[::1]:7001"}}};
  ConfigOutcome out = Load(env);
  ASSERT_TRUE(out.config) << out.message;
  EXPECT_EQ(out.config->redis_cluster_nodes, "10.0.0.1:7000, 10.0.0.2:7000,[::1]:7001");

  env.vars["REDIS_ADDR"] = "127.0.0.1:6379";
  out = Load(env);
  EXPECT_FALSE(out.config);
  EXPECT_EQ(out.exit_code, 2);
  EXPECT_NE(out.message.find("REDIS_CLUSTER_NODES and REDIS_ADDR exclude each other"), std::string::npos)
      << out.message;
  env.vars.erase("REDIS_ADDR");

  env.vars["REDIS_CLUSTER_NODES"] = "10.0.0.1:7000,nonsense";
  out = Load(env);
  EXPECT_FALSE(out.config);
  EXPECT_NE(out.message.find("REDIS_CLUSTER_NODES entry 2"), std::string::npos) << out.message;

  env.vars["REDIS_CLUSTER_NODES"] = "10.0.0.1:7000";
  env.vars["REDIS_DB"] = "3";
  out = Load(env);
  EXPECT_FALSE(out.config);
  EXPECT_NE(out.message.find("REDIS_DB must be 0"), std::string::npos) << out.message;
  env.vars.erase("REDIS_DB");

  // With MySQL users, the cluster satisfies "sessions must be shared in Redis".
  env.vars["DATABASE_URL"] = "mysql://app@db.internal:3307/users";
  out = Load(env);
  ASSERT_TRUE(out.config) << out.message;
  ASSERT_TRUE(out.config->mysql_users);
}

TEST(ConfigTest, RedisWaitReplicasIsBoundedAndNeedsRedis) {
  Env env{{{"JWT_SECRET", std::string(kSecret)}, {"REDIS_ADDR", "127.0.0.1:6379"}}};
  ConfigOutcome out = Load(env);
  ASSERT_TRUE(out.config) << out.message;
  EXPECT_EQ(out.config->redis_wait_replicas, 0);  // off by default
  EXPECT_EQ(out.config->redis_wait_timeout_ms, 100);

  env.vars["REDIS_WAIT_REPLICAS"] = "1";
  env.vars["REDIS_WAIT_TIMEOUT_MS"] = "250";
  out = Load(env);
  ASSERT_TRUE(out.config) << out.message;
  EXPECT_EQ(out.config->redis_wait_replicas, 1);
  EXPECT_EQ(out.config->redis_wait_timeout_ms, 250);
  EXPECT_TRUE(Load(env, {"--redis-wait-replicas", "2", "--redis-wait-timeout-ms", "500"}).config);

  const std::pair<const char*, std::vector<const char*>> bad_values[] = {
      {"REDIS_WAIT_REPLICAS", {"-1", "17", "two", "1.5"}}, {"REDIS_WAIT_TIMEOUT_MS", {"0", "501", "-5", "1s"}}};
  for (const auto& [name, values] : bad_values) {
    const std::string good = env.vars[name];
    for (const char* bad : values) {
      env.vars[name] = bad;
      out = Load(env);
      EXPECT_FALSE(out.config) << name << "=" << bad;
      EXPECT_EQ(out.exit_code, 2) << name << "=" << bad;
      EXPECT_NE(out.message.find(name), std::string::npos) << out.message;
    }
    env.vars[name] = good;
  }
  env.vars["REDIS_WAIT_TIMEOUT_MS"] = "100";

  // The embedded store has no replica to wait for.
  env.vars.erase("REDIS_ADDR");
  out = Load(env);
  EXPECT_FALSE(out.config);
  EXPECT_EQ(out.exit_code, 2);
  EXPECT_NE(out.message.find("REDIS_WAIT_REPLICAS needs Redis"), std::string::npos) << out.message;
  env.vars["REDIS_CLUSTER_NODES"] = "10.0.0.1:7000";
  EXPECT_TRUE(Load(env).config);
}

}  // namespace
}  // namespace sessionkit::server

namespace sessionkit::server {
namespace {

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

TEST(ConfigCredentialsTest, CredentialFileBeatsTheEnvironmentWithoutItsNewline) {
  testing::TempDir dir;
  const std::string from_file(40, 'c');
  WriteFile(dir.File("jwt_secret"), from_file + "\n");
  WriteFile(dir.File("redis_password"), "redis-pw\r\n");
  Env env;
  env.vars["JWT_SECRET"] = std::string(kSecret);
  env.vars["CREDENTIALS_DIRECTORY"] = dir.path().string();
  ConfigOutcome out = Load(env);
  ASSERT_TRUE(out.config) << out.message;
  EXPECT_EQ(out.config->jwt_secret, from_file);
  EXPECT_EQ(out.config->redis_password, "redis-pw");
}

TEST(ConfigCredentialsTest, ListCredentialIsSplitLikeTheVariable) {
  testing::TempDir dir;
  const std::string a(32, 'a'), b(33, 'b');
  WriteFile(dir.File("jwt_previous_secrets"), a + "," + b + "\n");
  Env env;
  env.vars["JWT_SECRET"] = std::string(kSecret);
  env.vars["CREDENTIALS_DIRECTORY"] = dir.path().string();
  ConfigOutcome out = Load(env);
  ASSERT_TRUE(out.config) << out.message;
  EXPECT_EQ(out.config->jwt_previous_secrets, (std::vector<std::string>{a, b}));
}

TEST(ConfigCredentialsTest, MissingCredentialFallsBackToTheEnvironment) {
  testing::TempDir dir;
  Env env;
  env.vars["JWT_SECRET"] = std::string(kSecret);
  env.vars["CREDENTIALS_DIRECTORY"] = dir.path().string();
  ConfigOutcome out = Load(env);
  ASSERT_TRUE(out.config) << out.message;
  EXPECT_EQ(out.config->jwt_secret, kSecret);
}

TEST(ConfigCredentialsTest, ShortCredentialIsRefusedLikeAShortVariable) {
  testing::TempDir dir;
  WriteFile(dir.File("jwt_secret"), "short-credential-value\n");
  Env env;
  env.vars["CREDENTIALS_DIRECTORY"] = dir.path().string();
  ConfigOutcome out = Load(env);
  EXPECT_FALSE(out.config);
  EXPECT_EQ(out.exit_code, 2);
  EXPECT_NE(out.message.find("JWT_SECRET"), std::string::npos);
  EXPECT_EQ(out.message.find("short-credential-value"), std::string::npos);
}

TEST(ConfigCredentialsTest, UnreadableCredentialIsAnErrorNamingTheFile) {
  testing::TempDir dir;
  std::filesystem::create_directory(dir.path() / "jwt_secret");  // read() fails: EISDIR
  Env env;
  env.vars["JWT_SECRET"] = std::string(kSecret);
  env.vars["CREDENTIALS_DIRECTORY"] = dir.path().string();
  ConfigOutcome out = Load(env);
  EXPECT_FALSE(out.config);
  EXPECT_EQ(out.exit_code, 2);
  EXPECT_NE(out.message.find("jwt_secret"), std::string::npos) << out.message;
}

TEST(ConfigLogFormatTest, TextByDefaultJsonOnRequestAnythingElseRefused) {
  Env env;
  env.vars["JWT_SECRET"] = std::string(kSecret);
  ConfigOutcome defaults = Load(env);
  ASSERT_TRUE(defaults.config);
  EXPECT_EQ(defaults.config->log_format, "text");
  env.vars["LOG_FORMAT"] = "json";
  ConfigOutcome json = Load(env);
  ASSERT_TRUE(json.config) << json.message;
  EXPECT_EQ(json.config->log_format, "json");
  env.vars["LOG_FORMAT"] = "xml";
  ConfigOutcome bad = Load(env);
  EXPECT_FALSE(bad.config);
  EXPECT_NE(bad.message.find("LOG_FORMAT"), std::string::npos);
}

// sessionkit-ctl's `config check` prints DescribeConfig: every environment setting, and
// no secret (JWT_SECRET, JWT_PREVIOUS_SECRETS, REDIS_PASSWORD, the DATABASE_URL password).
TEST(DescribeConfigTest, EverySettingAndNoSecret) {
  Env env;
  env.vars = {{"JWT_SECRET", std::string(kSecret)},
              {"JWT_PREVIOUS_SECRETS", "old-key-0123456789abcdef0123456789"},
              {"REDIS_ADDR", "127.0.0.1:6380"},
              {"REDIS_PASSWORD", "redis-pass-77"},
              {"DATABASE_URL", "mysql://sk:db-pass-99@db.example:3306/sk"},
              {"JWT_ACCEPT_ISSUERS", "a, b"}};
  ConfigOutcome out = Load(env);
  ASSERT_TRUE(out.config) << out.message;
  std::map<std::string, std::string> described;
  std::string all;
  for (const auto& [name, value] : DescribeConfig(*out.config)) {
    described[name] = value;
    all += name + "=" + value + "\n";
  }
  EXPECT_EQ(described.at("JWT_SECRET"), "(set, redacted)");
  EXPECT_EQ(described.at("JWT_PREVIOUS_SECRETS"), "(set, redacted)");
  EXPECT_EQ(described.at("REDIS_PASSWORD"), "(set, redacted)");
  EXPECT_EQ(described.at("DATABASE_URL"), "mysql://sk:***@db.example:3306/sk");
  EXPECT_EQ(described.at("REDIS_ADDR"), "127.0.0.1:6380");
  EXPECT_EQ(described.at("JWT_ACCEPT_ISSUERS"), "a,b");
  EXPECT_EQ(described.at("SESSION_TTL_HOURS"), "48");
  for (const char* secret : {"0123456789abcdef0123456789abcdef", "old-key", "redis-pass-77",
                             "db-pass-99"}) {
    EXPECT_EQ(all.find(secret), std::string::npos) << secret;
  }
  Env bare;
  bare.vars = {{"JWT_SECRET", std::string(kSecret)}};
  ConfigOutcome plain = Load(bare);
  ASSERT_TRUE(plain.config);
  for (const auto& [name, value] : DescribeConfig(*plain.config)) {
    if (name == "REDIS_PASSWORD") {
      EXPECT_EQ(value, "(unset)");
    }
  }
}

// The tool's loading: the environment beats the env file, a named file must exist, and
// errors carry the tool's name.
TEST(LoadConfigFromEnvironmentTest, EnvFileMustExistAndErrorsNameTheTool) {
  testing::TempDir dir;
  ConfigOutcome missing = LoadConfigFromEnvironment("sessionkit-ctl", dir.File("nope.env"));
  EXPECT_FALSE(missing.config);
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.message.find("sessionkit-ctl: configuration error"), std::string::npos);
  const std::string path = dir.File("ctl.env");
  {
    std::ofstream f(path);
    f << "JWT_SECRET=short\n";
  }
  ::chmod(path.c_str(), 0600);
  if (std::getenv("JWT_SECRET") == nullptr) {
    ConfigOutcome short_secret = LoadConfigFromEnvironment("sessionkit-ctl", path);
    EXPECT_FALSE(short_secret.config);
    EXPECT_NE(short_secret.message.find("sessionkit-ctl: configuration error:\nJWT_SECRET"),
              std::string::npos)
        << short_secret.message;
  }
  {
    std::ofstream f(path);
    f << "JWT_SECRET=" << kSecret << "\nREDIS_ADDR=127.0.0.1:6390\n";
  }
  if (std::getenv("JWT_SECRET") == nullptr && std::getenv("REDIS_ADDR") == nullptr) {
    ConfigOutcome loaded = LoadConfigFromEnvironment("sessionkit-ctl", path);
    ASSERT_TRUE(loaded.config) << loaded.message;
    EXPECT_EQ(loaded.config->redis_addr, "127.0.0.1:6390");
  }
}

TEST(ConfigTest, BrowserSettingsDefaultsAndValues) {
  Env env{{{"JWT_SECRET", std::string(kSecret)}}};
  ConfigOutcome defaults = Load(env);
  ASSERT_TRUE(defaults.config) << defaults.message;
  EXPECT_TRUE(defaults.config->cookies_enabled);
  EXPECT_TRUE(defaults.config->cookie_secure);
  EXPECT_EQ(defaults.config->public_origin, "");
  EXPECT_TRUE(defaults.config->trusted_origins.empty());

  env.vars["SESSION_COOKIES"] = "off";
  env.vars["COOKIE_SECURE"] = "false";
  env.vars["PUBLIC_ORIGIN"] = "https://auth.example.com";
  env.vars["TRUSTED_ORIGINS"] = " https://app.example.com , http://localhost:5173,";
  ConfigOutcome set = Load(env);
  ASSERT_TRUE(set.config) << set.message;
  EXPECT_FALSE(set.config->cookies_enabled);
  EXPECT_FALSE(set.config->cookie_secure);
  EXPECT_EQ(set.config->public_origin, "https://auth.example.com");
  EXPECT_EQ(set.config->trusted_origins,
            (std::vector<std::string>{"https://app.example.com", "http://localhost:5173"}));
  ConfigOutcome flags = Load(env, {"--session-cookies", "on", "--cookie-secure", "true"});
  ASSERT_TRUE(flags.config) << flags.message;
  EXPECT_TRUE(flags.config->cookies_enabled);
  EXPECT_TRUE(flags.config->cookie_secure);
}

TEST(ConfigTest, MalformedOriginsAreRefusedByName) {
  Env env{{{"JWT_SECRET", std::string(kSecret)},
           {"TRUSTED_ORIGINS", "https://ok.example.com,https://bad.example.com/app,*"},
           {"PUBLIC_ORIGIN", "auth.example.com"},
           {"SESSION_COOKIES", "yes"},
           {"COOKIE_SECURE", "0"}}};
  ConfigOutcome out = Load(env);
  EXPECT_FALSE(out.config);
  EXPECT_EQ(out.exit_code, 2);
  for (std::string_view named :
       {"TRUSTED_ORIGINS entry 'https://bad.example.com/app'", "TRUSTED_ORIGINS entry '*'",
        "PUBLIC_ORIGIN 'auth.example.com'", "SESSION_COOKIES must be on or off",
        "COOKIE_SECURE must be true or false"}) {
    EXPECT_NE(out.message.find(named), std::string::npos) << named << "\n" << out.message;
  }
  EXPECT_EQ(out.message.find("'https://ok.example.com'"), std::string::npos);
}


// API.md §13: SMTP_URL needs MAIL_FROM and PUBLIC_ORIGIN (named when missing), must be an
// smtp:// or smtps:// URL with a host and a port, and its password is never shown.
TEST(ConfigTest, MailSettingsAreCheckedAndTheSmtpPasswordNeverShown) {
  const std::string url = "smtp://mailer:smtp-pass-31@mail.example.com:587";
  auto load = [](std::map<std::string, std::string> extra) {
    Env env;
    env.vars = {{"JWT_SECRET", std::string(kSecret)}};
    for (auto& [k, v] : extra) env.vars[k] = v;
    return Load(env);
  };
  struct Case {
    std::map<std::string, std::string> vars;
    std::string named;
  };
  const Case refused[] = {
      {{{"SMTP_URL", url}, {"PUBLIC_ORIGIN", "https://auth.example.com"}}, "MAIL_FROM"},
      {{{"SMTP_URL", url}, {"MAIL_FROM", "a@example.com"}}, "PUBLIC_ORIGIN"},
      {{{"SMTP_URL", "http://mailer:smtp-pass-31@h:25"}, {"MAIL_FROM", "a@example.com"},
        {"PUBLIC_ORIGIN", "https://auth.example.com"}}, "SMTP_URL"},
      {{{"SMTP_URL", "smtp://mailer:smtp-pass-31@h:0"}, {"MAIL_FROM", "a@example.com"},
        {"PUBLIC_ORIGIN", "https://auth.example.com"}}, "SMTP_URL"},
      {{{"SMTP_URL", url}, {"MAIL_FROM", "nobody"}, {"PUBLIC_ORIGIN", "https://auth.example.com"}},
       "MAIL_FROM"},
  };
  for (const Case& c : refused) {
    ConfigOutcome out = load(c.vars);
    EXPECT_FALSE(out.config) << c.named;
    EXPECT_EQ(out.exit_code, 2);
    EXPECT_NE(out.message.find(c.named), std::string::npos) << out.message;
    EXPECT_EQ(out.message.find("smtp-pass-31"), std::string::npos) << out.message;
  }
  ConfigOutcome ok = load({{"SMTP_URL", url}, {"MAIL_FROM", "Example <no-reply@example.com>"},
                           {"PUBLIC_ORIGIN", "https://auth.example.com"}});
  ASSERT_TRUE(ok.config) << ok.message;
  std::map<std::string, std::string> described;
  for (const auto& [name, value] : DescribeConfig(*ok.config)) described[name] = value;
  EXPECT_EQ(described.at("SMTP_URL"), "smtp://mailer:***@mail.example.com:587");
  EXPECT_EQ(described.at("MAIL_FROM"), "Example <no-reply@example.com>");
  EXPECT_TRUE(load({}).config) << "no mail settings: no mail, no refusal";
}

TEST(ConfigTest, SessionCacheIsOffByDefaultAndTrackingNeedsOneRedis) {
  Env env{{{"JWT_SECRET", std::string(kSecret)}, {"REDIS_ADDR", "127.0.0.1:6379"}}};
  ConfigOutcome out = Load(env);
  ASSERT_TRUE(out.config) << out.message;
  EXPECT_EQ(out.config->session_cache, "off");
  EXPECT_FALSE(out.config->session_cache_tracking);
  EXPECT_EQ(out.config->session_cache_max_staleness_ms, 2000);

  env.vars["SESSION_CACHE"] = "tracking";
  env.vars["SESSION_CACHE_MAX_STALENESS_MS"] = "250";
  out = Load(env);
  ASSERT_TRUE(out.config) << out.message;
  EXPECT_TRUE(out.config->session_cache_tracking);
  EXPECT_EQ(out.config->session_cache_max_staleness_ms, 250);

  for (const char* bad : {"0", "60001", "-5"}) {
    env.vars["SESSION_CACHE_MAX_STALENESS_MS"] = bad;
    out = Load(env);
    EXPECT_FALSE(out.config) << bad;
    EXPECT_EQ(out.exit_code, 2);
    EXPECT_NE(out.message.find("SESSION_CACHE_MAX_STALENESS_MS must be between 1 and 60000"), std::string::npos)
        << out.message;
  }
  env.vars.erase("SESSION_CACHE_MAX_STALENESS_MS");

  env.vars["SESSION_CACHE"] = "on";
  out = Load(env);
  EXPECT_FALSE(out.config);
  EXPECT_EQ(out.exit_code, 2);
  EXPECT_NE(out.message.find("SESSION_CACHE must be off or tracking, got 'on'"), std::string::npos) << out.message;

  env.vars["SESSION_CACHE"] = "tracking";
  env.vars.erase("REDIS_ADDR");
  env.vars["REDIS_CLUSTER_NODES"] = "10.0.0.1:7000";
  out = Load(env);
  EXPECT_FALSE(out.config);
  EXPECT_EQ(out.exit_code, 2);
  EXPECT_NE(out.message.find("SESSION_CACHE=tracking works on one Redis (REDIS_ADDR) only, not with "
                             "REDIS_CLUSTER_NODES"),
            std::string::npos)
      << out.message;

  env.vars.erase("REDIS_CLUSTER_NODES");  // the embedded store
  out = Load(env);
  EXPECT_FALSE(out.config);
  EXPECT_EQ(out.exit_code, 2);
  EXPECT_NE(out.message.find("SESSION_CACHE=tracking needs REDIS_ADDR"), std::string::npos) << out.message;
}

// The embedded store's read cache: on by default, bounded, 0 turns it off.
TEST(ConfigTest, SqliteReadCacheEntriesDefaultsOnAndIsRangeChecked) {
  Env env{{{"JWT_SECRET", std::string(kSecret)}}};
  ConfigOutcome out = Load(env);
  ASSERT_TRUE(out.config) << out.message;
  EXPECT_EQ(out.config->sqlite_read_cache_entries, 8192);
  env.vars["SQLITE_READ_CACHE_ENTRIES"] = "0";
  out = Load(env);
  ASSERT_TRUE(out.config) << out.message;
  EXPECT_EQ(out.config->sqlite_read_cache_entries, 0);
  env.vars["SQLITE_READ_CACHE_ENTRIES"] = "-1";
  out = Load(env);
  EXPECT_FALSE(out.config);
  EXPECT_NE(out.message.find("SQLITE_READ_CACHE_ENTRIES must be between 0 and 10000000"),
            std::string::npos)
      << out.message;
}

// Found by fuzz_origin: the brackets of an IPv6 host were not looked into, so an entry
// with a path (or any byte, a line break included) between them was accepted.
TEST(ConfigTest, AnIpv6OriginHoldsOnlyAnAddressBetweenItsBrackets) {
  for (std::string_view bad : {"http://[::/[::1]:8080", "https://[::1/app]", "https://[a@b:1]",
                               "https://[::1\r\nX:y]", "https://[1.2.3.4]", "https://[fe80::1%eth0]"}) {
    Env env{{{"JWT_SECRET", std::string(kSecret)}, {"TRUSTED_ORIGINS", std::string(bad)}}};
    ConfigOutcome out = Load(env);
    EXPECT_FALSE(out.config) << bad;
    EXPECT_NE(out.message.find("is not an origin: it has a malformed IPv6 host"),
              std::string::npos) << out.message;
  }
  Env good{{{"JWT_SECRET", std::string(kSecret)},
            {"TRUSTED_ORIGINS", "http://[::1]:8080,https://[2001:DB8::a]"},
            {"PUBLIC_ORIGIN", "https://[::ffff:192.0.2.1]:8443"}}};
  ConfigOutcome out = Load(good);
  ASSERT_TRUE(out.config) << out.message;
  EXPECT_EQ(out.config->trusted_origins.size(), 2u);
}

}  // namespace

TEST(ConfigTest, DefaultIoThreadsLeaveOneCoreToTheRestOfTheMachine) {
  EXPECT_EQ(DefaultIoThreads(0), 1u);  // unknown
  EXPECT_EQ(DefaultIoThreads(1), 1u);
  EXPECT_EQ(DefaultIoThreads(2), 1u);
  EXPECT_EQ(DefaultIoThreads(3), 2u);
  EXPECT_EQ(DefaultIoThreads(16), 15u);
}

TEST(ConfigTest, DefaultHashThreadsTakeHalfTheCoresAtLeastOne) {
  EXPECT_EQ(DefaultHashThreads(0), 1u);  // unknown
  EXPECT_EQ(DefaultHashThreads(1), 1u);
  EXPECT_EQ(DefaultHashThreads(2), 1u);
  EXPECT_EQ(DefaultHashThreads(3), 1u);
  EXPECT_EQ(DefaultHashThreads(4), 2u);
  EXPECT_EQ(DefaultHashThreads(16), 8u);
}

}  // namespace sessionkit::server

namespace sessionkit::server {
namespace {

// LoadConfig builds CLI11's option table only when there is a flag to parse (the fast
// path, docs/fuzzing.md). The same environment and .env must give the same outcome with
// no flag and with a flag that changes nothing (`--log-level info`, the default of a
// flag-only setting), which takes the CLI11 path: every setting, secret and
// derived field, or the same exit code and message.
void ExpectSameOutcome(const ConfigOutcome& bare, const ConfigOutcome& flagged) {
  EXPECT_EQ(bare.exit_code, flagged.exit_code);
  EXPECT_EQ(bare.message, flagged.message);
  ASSERT_EQ(bare.config.has_value(), flagged.config.has_value());
  if (!bare.config) return;
  const ServerConfig& a = *bare.config;
  const ServerConfig& b = *flagged.config;
  EXPECT_EQ(DescribeConfig(a), DescribeConfig(b));
  EXPECT_EQ(a.jwt_secret, b.jwt_secret);
  EXPECT_EQ(a.jwt_previous_secrets, b.jwt_previous_secrets);
  EXPECT_EQ(a.redis_password, b.redis_password);
  EXPECT_EQ(a.totp_encryption_keys, b.totp_encryption_keys);
  EXPECT_EQ(a.http_host, b.http_host);
  EXPECT_EQ(a.http_port, b.http_port);
  EXPECT_EQ(a.database_path, b.database_path);
  EXPECT_EQ(a.mysql_users.has_value(), b.mysql_users.has_value());
  EXPECT_EQ(a.binding, b.binding);
  EXPECT_EQ(a.trusted_proxies.empty(), b.trusted_proxies.empty());
  EXPECT_EQ(a.jwt_accept_issuers, b.jwt_accept_issuers);
  EXPECT_EQ(a.trusted_origins, b.trusted_origins);
  EXPECT_EQ(a.cookies_enabled, b.cookies_enabled);
  EXPECT_EQ(a.cookie_secure, b.cookie_secure);
  EXPECT_EQ(a.web_ui, b.web_ui);
  EXPECT_EQ(a.session_cache_tracking, b.session_cache_tracking);
  EXPECT_EQ(a.dev, b.dev);
  EXPECT_EQ(a.jwt_secret_generated, b.jwt_secret_generated);
  EXPECT_EQ(a.io_threads, b.io_threads);
  EXPECT_EQ(a.hash_threads, b.hash_threads);
  EXPECT_EQ(a.hash_queue, b.hash_queue);
  EXPECT_EQ(a.max_connections, b.max_connections);
}

TEST(ConfigTest, NoFlagAndANoOpFlagGiveTheSameConfig) {
  const std::vector<std::pair<Env, std::string>> cases = {
      // defaults only
      {Env{{{"JWT_SECRET", std::string(kSecret)}}}, ""},
      // many settings, from the environment and from .env (lists, secrets, MySQL URL
      // with a password: allowed there, refused only as a flag)
      {Env{{{"JWT_SECRET", std::string(kSecret)},
            {"JWT_PREVIOUS_SECRETS",
             "old-key-0123456789abcdef0123456789, other-0123456789abcdef0123456789ab"},
            {"HTTP_ADDR", "[::1]:9000"},
            {"DATABASE_URL", "mysql://sk:db-pass-99@db.example:3306/sk"},
            {"REDIS_ADDR", "127.0.0.1:6380"},
            {"REDIS_PASSWORD", "redis-pass-77"},
            {"TRUSTED_PROXIES", "10.0.0.0/8, ::1"},
            {"SESSION_BINDING", "strict"}}},
       "SESSION_TTL_HOURS=5\nJWT_ACCEPT_ISSUERS=a, b\nCOOKIE_SECURE=false\n"
       "LOGIN_MAX_FAILURES_PER_IP=7\n"
       "TRUSTED_ORIGINS=https://a.example, https://b.example:8443\nWEB_UI=off\n"},
      // refused settings: the same exit code and message
      {Env{{{"SESSION_TTL_HOURS", "-1"}, {"HTTP_ADDR", "nowhere"}}}, "JWT_LEEWAY_SECONDS=61\n"},
  };
  for (const auto& [env, dotenv] : cases) {
    SCOPED_TRACE(dotenv);
    ExpectSameOutcome(Load(env, {}, dotenv), Load(env, {"--log-level", "info"}, dotenv));
  }
}

// Flags still parse when given: --help (exit 0, every option listed), a bad flag (exit 2),
// a flag over the environment, and a MySQL password as a flag refused.
TEST(ConfigTest, FlagsStillParseBesideTheFastPath) {
  const Env env{{{"JWT_SECRET", std::string(kSecret)}, {"SESSION_TTL_HOURS", "5"}}};
  ConfigOutcome help = Load(env, {"--help"});
  EXPECT_FALSE(help.config);
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.message.find("--session-ttl-hours"), std::string::npos);
  EXPECT_NE(help.message.find("--sqlite-read-cache-entries"), std::string::npos);
  ConfigOutcome bad = Load(env, {"--session-ttl-hours"});
  EXPECT_FALSE(bad.config);
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.message.find("Run with --help"), std::string::npos);
  ConfigOutcome bare = Load(env);
  ASSERT_TRUE(bare.config) << bare.message;
  EXPECT_EQ(bare.config->session_ttl_hours, 5);
  ConfigOutcome flagged = Load(env, {"--session-ttl-hours", "7"});
  ASSERT_TRUE(flagged.config) << flagged.message;
  EXPECT_EQ(flagged.config->session_ttl_hours, 7);
  ConfigOutcome password = Load(env, {"--database-url", "mysql://sk:pw@db.example/sk"});
  EXPECT_FALSE(password.config);
  EXPECT_NE(password.message.find("--database-url must not carry a password"),
            std::string::npos);
  // An empty argument list (not even the program name) is the environment alone.
  ConfigOutcome empty = LoadConfig({}, env.Lookup(), {}, 4);
  ASSERT_TRUE(empty.config) << empty.message;
  EXPECT_EQ(empty.config->session_ttl_hours, 5);
}

}  // namespace
}  // namespace sessionkit::server
