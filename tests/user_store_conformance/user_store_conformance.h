// The user-store conformance suite: one set of GoogleTest cases that every UserStore
// backend must pass (the contract of include/sessionkit/user_store.h): lookups by id,
// username and email, case-insensitive uniqueness of both, CheckAvailable naming what is
// taken, one winner among concurrent registrations of a name (on one store object and
// across two), password-hash upgrades, not found, delete, and Unavailable when the
// database is down.
//
// A backend joins with a UserStoreBackend whose `make` builds a UserStoreHarness for each
// test: an empty database, the store under test reading time from the harness's
// ManualClock (created_at), a way to open a second, independent store object on the same
// data (a second server) and a store whose database is down (every call must answer
// Unavailable within the store's timeout: for SQLite a file that is no longer a
// database, for a networked backend a server that is gone). Each backend instantiates
// the suite in its own *_instance_test.cc (testing/conformance.h has the shared plumbing):
//
//   INSTANTIATE_TEST_SUITE_P(Sqlite, UserStoreConformanceTest,
//                            ::testing::Values(SqliteBackend()), BackendName<UserStoreHarness>);
//
// Header-only on purpose: the test binary is built from *_test.cc files alone.
// Not thread-safe beyond what each test does itself.
#ifndef SESSIONKIT_TESTS_USER_STORE_CONFORMANCE_USER_STORE_CONFORMANCE_H_
#define SESSIONKIT_TESTS_USER_STORE_CONFORMANCE_USER_STORE_CONFORMANCE_H_

#include <gtest/gtest.h>

#include "sessionkit/clock.h"
#include "sessionkit/result.h"
#include "sessionkit/user_store.h"
#include "testing/conformance.h"

namespace sessionkit::testing {

struct UserStoreHarness {
  virtual ~UserStoreHarness() = default;

  // Every store the harness opens reads "now" from here. Starts at 2025-01-20T10:00:00Z.
  ManualClock clock;

  // The store under test (the same one on every call), empty when the test starts.
  virtual UserStorePtr store() = 0;
  // A new, independent store object on the same data (as a second server would open it).
  virtual Result<UserStorePtr> OpenAnother() = 0;
  // A store whose database is down for good (a database of its own, not store()'s).
  virtual Result<UserStorePtr> OpenUnreachable() = 0;
};

using UserStoreBackend = Backend<UserStoreHarness>;

class UserStoreConformanceTest : public ConformanceTest<UserStoreHarness> {
 protected:
  void SetUp() override {
    ConformanceTest::SetUp();
    if (HasFatalFailure()) return;
    store_ = harness().store();
    ASSERT_NE(store_, nullptr) << GetParam().name << ": no user store";
  }

  void TearDown() override {
    store_.reset();  // before the harness that owns what the store uses
    ConformanceTest::TearDown();
  }

  UserStore& store() { return *store_; }

 private:
  UserStorePtr store_;
};

}  // namespace sessionkit::testing

#endif  // SESSIONKIT_TESTS_USER_STORE_CONFORMANCE_USER_STORE_CONFORMANCE_H_
