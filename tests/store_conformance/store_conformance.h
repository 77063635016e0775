// The store conformance suite: one set of GoogleTest cases that every SessionStore
// backend must pass (the semantics block of include/sessionkit/session_store.h).
//
// A backend joins by providing a StoreBackend whose `make` builds a fresh, empty store
// for each test, wrapped in a StoreHarness that owns everything the store needs (a temp
// directory, a Redis server connection, ...). The store must read time from the
// harness's ManualClock (&harness.clock), so tests move time instead of sleeping. Each
// backend instantiates the suite in its own *_instance_test.cc:
//
//   INSTANTIATE_TEST_SUITE_P(Sqlite, StoreConformanceTest,
//                            ::testing::Values(SqliteBackend()), StoreBackendName);
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
#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "sessionkit/clock.h"
#include "sessionkit/session.h"
#include "sessionkit/session_store.h"
#include "sessionkit/status.h"

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

struct StoreBackend {
  std::string name;  // test-name safe: letters, digits, '_'
  std::function<std::unique_ptr<StoreHarness>()> make;
};

inline void PrintTo(const StoreBackend& backend, std::ostream* os) { *os << backend.name; }

inline std::string StoreBackendName(const ::testing::TestParamInfo<StoreBackend>& info) {
  return info.param.name;
}

class StoreConformanceTest : public ::testing::TestWithParam<StoreBackend> {
 protected:
  void SetUp() override {
    harness_ = GetParam().make();
    ASSERT_NE(harness_, nullptr) << GetParam().name << ": harness not created";
    store_ = harness_->store();
    ASSERT_NE(store_, nullptr) << GetParam().name << ": no store";
  }

  void TearDown() override {
    store_.reset();  // before the harness that owns what the store uses
    harness_.reset();
  }

  StoreHarness& harness() { return *harness_; }
  SessionStore& store() { return *store_; }
  ManualClock& clock() { return harness_->clock; }
  TimePoint now() const { return harness_->clock.Now(); }

 private:
  std::unique_ptr<StoreHarness> harness_;
  SessionStorePtr store_;
};

}  // namespace sessionkit::testing

// EXPECT/ASSERT that a Status or Result failed with `code` (printing the status if not).
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

#endif  // SESSIONKIT_TESTS_STORE_CONFORMANCE_STORE_CONFORMANCE_H_
