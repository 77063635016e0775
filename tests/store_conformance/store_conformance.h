// The store conformance suite: one set of GoogleTest cases that every SessionStore
// backend must pass (the semantics block of include/sessionkit/session_store.h).
//
// A backend joins by providing a StoreBackend whose `make` builds a fresh, empty store
// for each test, wrapped in a StoreHarness that owns everything the store needs (a temp
// directory, a Redis server connection, ...). The store must read time from the
// harness's ManualClock (&harness.clock), so tests move time instead of sleeping. Each
// backend instantiates the suite in its own *_instance_test.cc (testing/conformance.h
// has the shared plumbing and the backends' fixtures):
//
//   INSTANTIATE_TEST_SUITE_P(Sqlite, StoreConformanceTest,
//                            ::testing::Values(SqliteBackend()), BackendName<StoreHarness>);
//
// PutRaw is optional: a backend that can plant a record the way another service writes
// it (raw JSON with unknown fields, a numeric user_id) overrides SupportsPutRaw and
// PutRaw; tests that need it are skipped, with a message, for backends that cannot.
//
// Header-only on purpose: the test binary is built from *_test.cc files alone.
// Not thread-safe beyond what each test does itself.
#ifndef SESSIONKIT_TESTS_STORE_CONFORMANCE_STORE_CONFORMANCE_H_
#define SESSIONKIT_TESTS_STORE_CONFORMANCE_STORE_CONFORMANCE_H_

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

#include "sessionkit/clock.h"
#include "sessionkit/session.h"
#include "sessionkit/session_store.h"
#include "sessionkit/status.h"
#include "testing/conformance.h"

namespace sessionkit::testing {

struct StoreHarness {
  virtual ~StoreHarness() = default;

  // The store under test reads "now" from here. Starts at 2025-01-20T10:00:00Z.
  ManualClock clock;

  // The store under test (the same one on every call), empty when the test starts.
  virtual SessionStorePtr store() = 0;

  // Stores `json` verbatim as session `id` of `user_id` (as the record's user_id reads
  // as text), live until `expires_at`, bypassing the store's encoder.
  virtual bool SupportsPutRaw() const { return false; }
  virtual Status PutRaw(const std::string& /*id*/, const std::string& /*user_id*/,
                        const std::string& /*json*/, TimePoint /*expires_at*/) {
    return Status::Internal("PutRaw is not supported by this backend");
  }
};

using StoreBackend = Backend<StoreHarness>;

class StoreConformanceTest : public ConformanceTest<StoreHarness> {
 protected:
  void SetUp() override {
    ConformanceTest::SetUp();
    if (HasFatalFailure()) return;
    store_ = harness().store();
    ASSERT_NE(store_, nullptr) << GetParam().name << ": no store";
  }

  void TearDown() override {
    store_.reset();  // before the harness that owns what the store uses
    ConformanceTest::TearDown();
  }

  SessionStore& store() { return *store_; }

 private:
  SessionStorePtr store_;
};

}  // namespace sessionkit::testing

#endif  // SESSIONKIT_TESTS_STORE_CONFORMANCE_STORE_CONFORMANCE_H_
