// The auth-state conformance suite: one set of GoogleTest cases that every AuthStateStore
// backend must pass (the contract of include/sessionkit/auth_state_store.h).
//
// A backend joins with an AuthStateBackend whose `make` builds an AuthStateHarness for
// each test: an empty database (a fresh SQLite file, a flushed Redis), the store under
// test reading time from the harness's ManualClock, a session store on the same data (to
// check that reuse deletes the session) and a way to open a second, independent store
// object on the same data (a second server). OpenUnreachable is optional: backends that
// can be taken away (Redis: a port nobody listens on; SQLite: a file that is no longer a
// database) return a store whose backend is down; tests that need it are
// skipped, with a message, for the others. Each backend instantiates the suite in its own
// *_instance_test.cc (testing/conformance.h has the shared plumbing and the backends'
// fixtures):
//
//   INSTANTIATE_TEST_SUITE_P(Sqlite, AuthStateConformanceTest,
//                            ::testing::Values(SqliteBackend()), BackendName<AuthStateHarness>);
//
// Header-only on purpose: the test binary is built from *_test.cc files alone.
// Not thread-safe beyond what each test does itself.
#ifndef SESSIONKIT_TESTS_AUTH_STATE_CONFORMANCE_AUTH_STATE_CONFORMANCE_H_
#define SESSIONKIT_TESTS_AUTH_STATE_CONFORMANCE_AUTH_STATE_CONFORMANCE_H_

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "sessionkit/auth_state_store.h"
#include "sessionkit/clock.h"
#include "sessionkit/session_store.h"
#include "sessionkit/status.h"
#include "testing/conformance.h"

namespace sessionkit::testing {

struct AuthStateHarness {
  virtual ~AuthStateHarness() = default;

  // Every store the harness opens reads "now" from here. Starts at 2025-01-20T10:00:00Z.
  ManualClock clock;

  // The store under test (the same one on every call), empty when the test starts.
  virtual AuthStateStorePtr store() = 0;
  // The session store on the same database / Redis.
  virtual SessionStorePtr sessions() = 0;
  // A new, independent store object on the same data (as a second server would open it).
  virtual Result<AuthStateStorePtr> OpenAnother() = 0;

  // A store whose backend is unreachable; Internal when the backend cannot be taken away
  // (SupportsOutage() is false).
  virtual bool SupportsOutage() const { return false; }
  virtual Result<AuthStateStorePtr> OpenUnreachable() {
    return Status::Internal("this backend cannot be made unreachable");
  }
};

using AuthStateBackend = Backend<AuthStateHarness>;

class AuthStateConformanceTest : public ConformanceTest<AuthStateHarness> {
 protected:
  void SetUp() override {
    ConformanceTest::SetUp();
    if (HasFatalFailure()) return;
    store_ = harness().store();
    ASSERT_NE(store_, nullptr) << GetParam().name << ": no auth-state store";
    ASSERT_NE(harness().sessions(), nullptr) << GetParam().name << ": no session store";
  }

  void TearDown() override {
    store_.reset();  // before the harness that owns what the store uses
    ConformanceTest::TearDown();
  }

  AuthStateStore& store() { return *store_; }
  SessionStore& sessions() { return *harness().sessions(); }

 private:
  AuthStateStorePtr store_;
};

}  // namespace sessionkit::testing

#endif  // SESSIONKIT_TESTS_AUTH_STATE_CONFORMANCE_AUTH_STATE_CONFORMANCE_H_
