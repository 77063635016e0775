// The plumbing every conformance suite shares (tests/store_conformance,
// tests/auth_state_conformance, tests/user_store_conformance): a suite is one set of
// GoogleTest cases that every backend of an interface must pass, instantiated once per
// backend.
//
// A suite defines a Harness (what one test needs of a backend: the store under test, a
// ManualClock named `clock` the store reads time from, and whatever else the suite
// asks) and a fixture derived from ConformanceTest<Harness>. A backend joins with a
// Backend<Harness> whose `make` builds a fresh harness (an empty database) for each test,
// in its own *_instance_test.cc:
//
//   INSTANTIATE_TEST_SUITE_P(Sqlite, StoreConformanceTest,
//                            ::testing::Values(SqliteBackend()), BackendName<StoreHarness>);
//
// The backends' fixtures are here too: SqliteTestFile (a fresh database file in its own
// temporary directory), BreakSqliteFile (takes a database away from the stores open on
// it), FlushedRedisServer (one real redis-server per test binary,
// started on first use), FlushedRedisServer (the same, emptied for the next test),
// RedisTestOptions (store options pointing at it), FlushedRedis (either that server or
// the binary's one Redis Cluster, emptied, with the options and commands a Redis harness
// needs) and UnusedLoopbackPort (a port nobody listens on, to take a backend away).
//
// SK_EXPECT_CODE(status_or_result, code) and SK_ASSERT_OK(status) compare codes by name,
// so a failure prints the status.
//
// Test-only. Not thread-safe beyond what each test does itself; FlushedRedisServer may be
// called from any thread.
#ifndef SESSIONKIT_TESTING_CONFORMANCE_H_
#define SESSIONKIT_TESTING_CONFORMANCE_H_

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "sessionkit/clock.h"
#include "sessionkit/redis_store.h"
#include "sessionkit/result.h"
#include "sessionkit/status.h"
#include "testing/redis_cluster.h"
#include "testing/redis_server.h"
#include "testing/temp_dir.h"

namespace sessionkit::testing {

template <class Harness>
struct Backend {
  std::string name;  // test-name safe: letters, digits, '_'
  std::function<std::unique_ptr<Harness>()> make;
};

template <class Harness>
void PrintTo(const Backend<Harness>& backend, std::ostream* os) {
  *os << backend.name;
}

template <class Harness>
std::string BackendName(const ::testing::TestParamInfo<Backend<Harness>>& info) {
  return info.param.name;
}

// Builds the harness before each test and destroys it after. A derived fixture that
// keeps a store of its own releases it in TearDown before calling this one's.
template <class Harness>
class ConformanceTest : public ::testing::TestWithParam<Backend<Harness>> {
 protected:
  void SetUp() override {
    harness_ = this->GetParam().make();
    ASSERT_NE(harness_, nullptr) << this->GetParam().name << ": harness not created";
  }
  void TearDown() override { harness_.reset(); }

  Harness& harness() { return *harness_; }
  ManualClock& clock() { return harness_->clock; }
  TimePoint now() const { return harness_->clock.Now(); }

 private:
  std::unique_ptr<Harness> harness_;
};

// A fresh database file path ("<name>" in a new temporary directory, removed with it).
// The file itself is not created.
class SqliteTestFile {
 public:
  explicit SqliteTestFile(std::string_view name = "sessionkit.db") : path_(dir_.File(name)) {}
  const std::string& path() const noexcept { return path_; }

 private:
  TempDir dir_;
  std::string path_;
};

// Turns the database at `path` into a file that is no longer a database, behind the back
// of the stores open on it (as a failed disk or an operator's mistake would): another
// connection writes, so their connections must re-read the file on their next call,
// checkpoints the WAL into the file, and then every byte of the file is overwritten.
// From then on every operation of those stores fails with SQLITE_NOTADB (Unavailable).
Status BreakSqliteFile(const std::string& path);

// RedisServer::Shared() (the binary's one redis-server) after FLUSHALL: empty for the
// test about to run.
Result<RedisServer*> FlushedRedisServer();

// Store options for `server`, reading time from `clock`, with a command timeout that
// sanitizer builds meet.
RedisStoreOptions RedisTestOptions(const RedisServer& server, const Clock* clock);

// A loopback port nobody listens on: bound to port 0 to learn a free one, then released.
Result<int> UnusedLoopbackPort();

// The binary's Redis for a Redis conformance harness, emptied for the next test: its one
// redis-server (FlushedRedisServer) or, for `kCluster`, its one 3 masters + 3 replicas
// Redis Cluster (RedisCluster::Shared, every master flushed).
class FlushedRedis {
 public:
  enum Kind { kServer, kCluster };
  // Unavailable (with the fixture's reason) when it cannot be started or flushed.
  static Result<FlushedRedis> Open(Kind kind);
  // Open for a harness's constructor: false after a test failure naming the reason.
  static bool OpenInto(Kind kind, FlushedRedis& out);

  const char* name() const { return cluster_ != nullptr ? "redis cluster" : "redis-server"; }
  // Store options reaching it, time from `clock`, a command timeout sanitizer builds meet.
  RedisStoreOptions Options(const Clock* clock) const;
  // The same options aimed at loopback `port`, where nothing listens.
  RedisStoreOptions Unreachable(const Clock* clock, int port) const;
  // One command (on a cluster: on the master of args[1]'s slot).
  Result<internal::RedisReply> Command(const std::vector<std::string>& args) const;

 private:
  RedisServer* server_ = nullptr;
  RedisCluster* cluster_ = nullptr;
};

}  // namespace sessionkit::testing

// EXPECT that a Status or Result failed with `code` (printing the status if not).
#define SK_EXPECT_CODE(status_expr, expected_code)                                  \
  do {                                                                              \
    const ::sessionkit::Status sk_status_ = (status_expr);                          \
    EXPECT_EQ(::sessionkit::CodeName(sk_status_.code()),                            \
              ::sessionkit::CodeName(expected_code))                                \
        << sk_status_.ToString();                                                   \
  } while (0)
#define SK_ASSERT_OK(status_expr)                                                   \
  do {                                                                              \
    const ::sessionkit::Status sk_status_ = (status_expr);                          \
    ASSERT_TRUE(sk_status_.ok()) << sk_status_.ToString();                          \
  } while (0)

#endif  // SESSIONKIT_TESTING_CONFORMANCE_H_
