// Store metrics: the latency and the failures of every session-store and account-state
// store call, by operation, and the decorators that measure them.
//
// InstrumentSessionStore / InstrumentAuthStateStore wrap a store; every call is forwarded
// unchanged, and when its callback runs the time since the call and whether it failed
// are recorded. A failure is a result whose code is Unavailable or Internal (the store is
// down, timed out or broke); NotFound, Expired, Conflict and the like are answers, not
// failures.
//
// Cost on the hot path (a validation's Get and Touch): two steady_clock reads and a few
// relaxed atomic increments; no lock, and no allocation in steady state: the callback
// handed to the inner store captures one pointer (std::function keeps it inline), and the
// record of the call in flight (the caller's callback, the start time) comes from a
// per-thread free list that only grows to the largest number of calls in flight at once.
// A callback the inner store never calls leaves its record unreturned (never freed twice).
//
// Series (rendered by Metrics::Render, non-zero operations only):
//   sessionkit_store_operation_duration_seconds{store,op}  histogram
//   sessionkit_store_operation_errors_total{store,op}      counter
// store is "sessions" or "account_state"; op is the operation's name (get, touch, insert,
// rotate_refresh, reserve_attempt, ...).
//
// Thread safety: Record and Render may be called from any thread at once; the decorators
// are as thread-safe as the stores they wrap.
#ifndef SESSIONKIT_SERVER_STORE_METRICS_H_
#define SESSIONKIT_SERVER_STORE_METRICS_H_

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "sessionkit/auth_state_store.h"
#include "sessionkit/session_store.h"

namespace sessionkit::server {

enum class StoreOp : std::uint8_t {
  // SessionStore
  kInsert, kGet, kTouch, kDelete, kDeleteAllForUser, kListForUser, kCount, kScan, kPing,
  // AuthStateStore
  kIssueRefresh, kGetRefresh, kRotateRefresh, kRevokeRefreshForSession, kRecordFailure,
  kPeekFailures, kResetFailures, kReserveAttempt, kReleaseAttempt, kPutMfaToken, kGetMfaToken,
  kCountMfaFailure, kTakeMfaToken,
  // AuthStateStore, email (API.md §13)
  kPutEmailToken, kTakeEmailToken, kEnqueueMail, kClaimMail, kFinishMail, kRetryMail, kCountMail,
};
inline constexpr std::size_t kStoreOpCount = 29;

class StoreMetrics {
 public:
  // Bucket upper bounds in seconds (+Inf implied): 50 µs (a Redis round trip on
  // loopback) to 1 s.
  static constexpr std::array<double, 14> kBuckets = {0.00005, 0.0001, 0.00025, 0.0005,
                                                      0.001,   0.0025, 0.005,   0.01,
                                                      0.025,   0.05,   0.1,     0.25,
                                                      0.5,     1.0};

  void Record(StoreOp op, std::chrono::nanoseconds latency, bool failed) noexcept;
  // Appends both series (HELP/TYPE lines included) to `out`.
  void Render(std::string& out) const;

  std::uint64_t CallsForTest(StoreOp op) const noexcept;
  std::uint64_t ErrorsForTest(StoreOp op) const noexcept;

 private:
  using Counter = std::atomic<std::uint64_t>;
  static constexpr std::size_t kBucketSlots = kBuckets.size() + 1;
  struct Series {
    std::array<Counter, kBucketSlots> buckets{};  // per bucket, not cumulative
    Counter latency_ns_sum{0};
    Counter errors{0};
  };
  std::array<Series, kStoreOpCount> series_{};
};

// The decorators. `metrics` must outlive the returned store.
SessionStorePtr InstrumentSessionStore(SessionStorePtr inner, StoreMetrics& metrics);
AuthStateStorePtr InstrumentAuthStateStore(AuthStateStorePtr inner, StoreMetrics& metrics);

// Records of calls in flight ever allocated by this thread's free lists (tests: stays
// flat once warm).
std::uint64_t StoreCallRecordsAllocatedForTest() noexcept;

}  // namespace sessionkit::server

#endif  // SESSIONKIT_SERVER_STORE_METRICS_H_
