#include "server/store_metrics.h"

#include <fmt/format.h>

#include <functional>
#include <iterator>
#include <string_view>
#include <type_traits>
#include <utility>

namespace sessionkit::server {
namespace {

struct OpLabel {
  std::string_view store;
  std::string_view op;
};

// Indexed by StoreOp.
constexpr std::array<OpLabel, kStoreOpCount> kLabels = {{
    {"sessions", "insert"},
    {"sessions", "get"},
    {"sessions", "touch"},
    {"sessions", "delete"},
    {"sessions", "delete_all_for_user"},
    {"sessions", "list_for_user"},
    {"sessions", "count"},
    {"sessions", "scan"},
    {"sessions", "ping"},
    {"account_state", "issue_refresh"},
    {"account_state", "get_refresh"},
    {"account_state", "rotate_refresh"},
    {"account_state", "revoke_refresh_for_session"},
    {"account_state", "record_failure"},
    {"account_state", "peek_failures"},
    {"account_state", "reset_failures"},
    {"account_state", "reserve_attempt"},
    {"account_state", "release_attempt"},
    {"account_state", "put_mfa_token"},
    {"account_state", "get_mfa_token"},
    {"account_state", "count_mfa_failure"},
    {"account_state", "take_mfa_token"},
    {"account_state", "put_email_token"},
    {"account_state", "take_email_token"},
    {"account_state", "enqueue_mail"},
    {"account_state", "claim_mail"},
    {"account_state", "finish_mail"},
    {"account_state", "retry_mail"},
    {"account_state", "count_mail"},
}};

// kBuckets in whole nanoseconds: no floating point on the recording path.
constexpr std::array<std::int64_t, StoreMetrics::kBuckets.size()> kBucketNanos = [] {
  std::array<std::int64_t, StoreMetrics::kBuckets.size()> out{};
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i] = static_cast<std::int64_t>(StoreMetrics::kBuckets[i] * 1e9 + 0.5);
  }
  return out;
}();
static_assert(kBucketNanos[0] == 50'000 && kBucketNanos.back() == 1'000'000'000);

bool IsFailure(const Status& s) {
  return s.code() == Code::kUnavailable || s.code() == Code::kInternal;
}
template <typename T>
bool IsFailure(const Result<T>& r) {
  return !r.ok() && IsFailure(r.status());
}

std::atomic<std::uint64_t> g_records_allocated{0};

// One call in flight: the caller's callback and when the call started.
template <typename Arg>
struct CallRecord {
  std::function<void(Arg)> done;
  StoreMetrics* metrics = nullptr;
  StoreOp op{};
  std::chrono::steady_clock::time_point start;
  CallRecord* next_free = nullptr;
};

// This thread's free records of one callback type; freed when the thread ends.
template <typename Arg>
class FreeList {
 public:
  ~FreeList() {
    while (head_ != nullptr) delete std::exchange(head_, head_->next_free);
  }
  static FreeList& Mine() {
    thread_local FreeList list;
    return list;
  }
  CallRecord<Arg>* Take() {
    if (head_ == nullptr) {
      g_records_allocated.fetch_add(1, std::memory_order_relaxed);
      return new CallRecord<Arg>();
    }
    return std::exchange(head_, head_->next_free);
  }
  // A record may come back on another thread than it was taken on (a callback run by
  // another loop or pool thread): it joins that thread's list.
  void Give(CallRecord<Arg>* record) {
    record->next_free = head_;
    head_ = record;
  }

 private:
  CallRecord<Arg>* head_ = nullptr;
};

// `done`, wrapped so that its call records the operation first.
template <typename Arg>
std::function<void(Arg)> Timed(std::function<void(Arg)> done, StoreMetrics& metrics, StoreOp op) {
  CallRecord<Arg>* record = FreeList<Arg>::Mine().Take();
  record->done = std::move(done);
  record->metrics = &metrics;
  record->op = op;
  auto wrapper = [record](Arg&& result) {  // by reference: one move of a result less
    record->metrics->Record(record->op, std::chrono::steady_clock::now() - record->start,
                            IsFailure(result));
    std::function<void(Arg)> done = std::move(record->done);
    record->done = nullptr;
    FreeList<Arg>::Mine().Give(record);
    done(std::move(result));
  };
  // libstdc++ and libc++ keep a trivially copyable functor of two pointers or less
  // inside the std::function: wrapping allocates nothing.
  static_assert(std::is_trivially_copyable_v<decltype(wrapper)> &&
                sizeof(wrapper) <= 2 * sizeof(void*));
  record->start = std::chrono::steady_clock::now();
  return wrapper;
}

class InstrumentedSessionStore final : public SessionStore {
 public:
  InstrumentedSessionStore(SessionStorePtr inner, StoreMetrics& metrics)
      : inner_(std::move(inner)), metrics_(metrics) {}

  // Not a store call (no I/O): forwarded untimed, so a Redis Cluster store still draws
  // each new id into its user's slot (docs/redis.md).
  Result<std::string> NewSessionIdFor(std::string_view user_id) override {
    return inner_->NewSessionIdFor(user_id);
  }
  void InsertAsync(const Session& s, std::uint32_t max_per_user,
                   ResultCallback<std::vector<std::string>> done) override {
    inner_->InsertAsync(s, max_per_user, Timed(std::move(done), metrics_, StoreOp::kInsert));
  }
  void GetAsync(std::string_view id, ResultCallback<Session> done) override {
    inner_->GetAsync(id, Timed(std::move(done), metrics_, StoreOp::kGet));
  }
  void TouchAsync(const Session& current, TimePoint last_seen, TimePoint expires_at,
                  StatusCallback done) override {
    inner_->TouchAsync(current, last_seen, expires_at,
                       Timed(std::move(done), metrics_, StoreOp::kTouch));
  }
  void DeleteAsync(std::string_view id, ResultCallback<bool> done) override {
    inner_->DeleteAsync(id, Timed(std::move(done), metrics_, StoreOp::kDelete));
  }
  void DeleteAllForUserAsync(std::string_view user_id, std::string_view keep,
                             ResultCallback<std::uint64_t> done) override {
    inner_->DeleteAllForUserAsync(user_id, keep,
                                  Timed(std::move(done), metrics_, StoreOp::kDeleteAllForUser));
  }
  void ListForUserAsync(std::string_view user_id,
                        ResultCallback<std::vector<Session>> done) override {
    inner_->ListForUserAsync(user_id, Timed(std::move(done), metrics_, StoreOp::kListForUser));
  }
  void CountAsync(ResultCallback<std::uint64_t> done) override {
    inner_->CountAsync(Timed(std::move(done), metrics_, StoreOp::kCount));
  }
  void ScanAsync(std::string_view cursor, std::size_t limit,
                 ResultCallback<ScanPage> done) override {
    inner_->ScanAsync(cursor, limit, Timed(std::move(done), metrics_, StoreOp::kScan));
  }
  void PingAsync(StatusCallback done) override {
    inner_->PingAsync(Timed(std::move(done), metrics_, StoreOp::kPing));
  }

 private:
  SessionStorePtr inner_;
  StoreMetrics& metrics_;
};

class InstrumentedAuthStateStore final : public AuthStateStore {
 public:
  InstrumentedAuthStateStore(AuthStateStorePtr inner, StoreMetrics& metrics)
      : inner_(std::move(inner)), metrics_(metrics) {}

  void IssueRefreshAsync(const RefreshRecord& record, StatusCallback done) override {
    inner_->IssueRefreshAsync(record, Timed(std::move(done), metrics_, StoreOp::kIssueRefresh));
  }
  void GetRefreshAsync(std::string_view token_hash, ResultCallback<RefreshRecord> done) override {
    inner_->GetRefreshAsync(token_hash, Timed(std::move(done), metrics_, StoreOp::kGetRefresh));
  }
  void RotateRefreshAsync(const RotateRequest& request,
                          ResultCallback<RefreshRotation> done) override {
    inner_->RotateRefreshAsync(request, Timed(std::move(done), metrics_, StoreOp::kRotateRefresh));
  }
  void RevokeRefreshForSessionAsync(std::string_view session_id,
                                    ResultCallback<std::uint64_t> done) override {
    inner_->RevokeRefreshForSessionAsync(
        session_id, Timed(std::move(done), metrics_, StoreOp::kRevokeRefreshForSession));
  }
  void RecordFailureAsync(std::string_view key, TimePoint now, std::chrono::milliseconds window,
                          ResultCallback<FailureWindow> done) override {
    inner_->RecordFailureAsync(key, now, window,
                               Timed(std::move(done), metrics_, StoreOp::kRecordFailure));
  }
  void PeekFailuresAsync(std::string_view key, TimePoint now, std::chrono::milliseconds window,
                         ResultCallback<FailureWindow> done) override {
    inner_->PeekFailuresAsync(key, now, window,
                              Timed(std::move(done), metrics_, StoreOp::kPeekFailures));
  }
  void ResetFailuresAsync(std::string_view key, StatusCallback done) override {
    inner_->ResetFailuresAsync(key, Timed(std::move(done), metrics_, StoreOp::kResetFailures));
  }
  void ReserveAttemptAsync(const std::vector<AttemptKey>& keys, TimePoint now,
                           std::chrono::milliseconds window,
                           ResultCallback<AttemptReservation> done) override {
    inner_->ReserveAttemptAsync(keys, now, window,
                                Timed(std::move(done), metrics_, StoreOp::kReserveAttempt));
  }
  void ReleaseAttemptAsync(std::string_view key, std::string_view ticket,
                           StatusCallback done) override {
    inner_->ReleaseAttemptAsync(key, ticket,
                                Timed(std::move(done), metrics_, StoreOp::kReleaseAttempt));
  }
  void PutMfaTokenAsync(const MfaTokenRecord& record, TimePoint now,
                        StatusCallback done) override {
    inner_->PutMfaTokenAsync(record, now, Timed(std::move(done), metrics_, StoreOp::kPutMfaToken));
  }
  void GetMfaTokenAsync(std::string_view token_hash, TimePoint now,
                        ResultCallback<MfaTokenRecord> done) override {
    inner_->GetMfaTokenAsync(token_hash, now,
                             Timed(std::move(done), metrics_, StoreOp::kGetMfaToken));
  }
  void CountMfaFailureAsync(std::string_view token_hash, TimePoint now,
                            std::uint32_t max_failures,
                            ResultCallback<std::uint32_t> done) override {
    inner_->CountMfaFailureAsync(token_hash, now, max_failures,
                                 Timed(std::move(done), metrics_, StoreOp::kCountMfaFailure));
  }
  void TakeMfaTokenAsync(std::string_view token_hash, TimePoint now,
                         ResultCallback<MfaTokenRecord> done) override {
    inner_->TakeMfaTokenAsync(token_hash, now,
                              Timed(std::move(done), metrics_, StoreOp::kTakeMfaToken));
  }
  void PutEmailTokenAsync(const EmailTokenRecord& record, TimePoint now,
                          StatusCallback done) override {
    inner_->PutEmailTokenAsync(record, now,
                               Timed(std::move(done), metrics_, StoreOp::kPutEmailToken));
  }
  void TakeEmailTokenAsync(std::string_view token_hash, EmailTokenPurpose purpose, TimePoint now,
                           ResultCallback<EmailTokenRecord> done) override {
    inner_->TakeEmailTokenAsync(token_hash, purpose, now,
                                Timed(std::move(done), metrics_, StoreOp::kTakeEmailToken));
  }
  void EnqueueMailAsync(const QueuedMail& mail, StatusCallback done) override {
    inner_->EnqueueMailAsync(mail, Timed(std::move(done), metrics_, StoreOp::kEnqueueMail));
  }
  void ClaimMailAsync(TimePoint now, std::chrono::milliseconds lease_for,
                      std::string_view lease_id, ResultCallback<QueuedMail> done) override {
    inner_->ClaimMailAsync(now, lease_for, lease_id,
                           Timed(std::move(done), metrics_, StoreOp::kClaimMail));
  }
  void FinishMailAsync(std::string_view id, std::string_view lease, StatusCallback done) override {
    inner_->FinishMailAsync(id, lease, Timed(std::move(done), metrics_, StoreOp::kFinishMail));
  }
  void RetryMailAsync(std::string_view id, std::string_view lease, TimePoint due_at,
                      StatusCallback done) override {
    inner_->RetryMailAsync(id, lease, due_at,
                           Timed(std::move(done), metrics_, StoreOp::kRetryMail));
  }
  void CountMailAsync(ResultCallback<std::uint64_t> done) override {
    inner_->CountMailAsync(Timed(std::move(done), metrics_, StoreOp::kCountMail));
  }

 private:
  AuthStateStorePtr inner_;
  StoreMetrics& metrics_;
};

}  // namespace

void StoreMetrics::Record(StoreOp op, std::chrono::nanoseconds latency, bool failed) noexcept {
  Series& series = series_[static_cast<std::size_t>(op)];
  const std::int64_t ns = latency.count();
  std::size_t bucket = 0;
  while (bucket < kBucketNanos.size() && ns > kBucketNanos[bucket]) ++bucket;
  series.buckets[bucket].fetch_add(1, std::memory_order_relaxed);
  series.latency_ns_sum.fetch_add(static_cast<std::uint64_t>(latency.count()),
                                  std::memory_order_relaxed);
  if (failed) series.errors.fetch_add(1, std::memory_order_relaxed);
}

std::uint64_t StoreMetrics::CallsForTest(StoreOp op) const noexcept {
  std::uint64_t total = 0;
  for (const Counter& c : series_[static_cast<std::size_t>(op)].buckets) total += c.load();
  return total;
}

std::uint64_t StoreMetrics::ErrorsForTest(StoreOp op) const noexcept {
  return series_[static_cast<std::size_t>(op)].errors.load();
}

void StoreMetrics::Render(std::string& out) const {
  auto it = std::back_inserter(out);
  auto load = [](const Counter& c) { return c.load(std::memory_order_relaxed); };
  out += "# HELP sessionkit_store_operation_duration_seconds Store calls from call to callback, "
         "by store and operation.\n";
  out += "# TYPE sessionkit_store_operation_duration_seconds histogram\n";
  std::array<std::uint64_t, kStoreOpCount> totals{};
  for (std::size_t i = 0; i < kStoreOpCount; ++i) {
    const Series& series = series_[i];
    std::array<std::uint64_t, kBucketSlots> counts{};
    for (std::size_t b = 0; b < kBucketSlots; ++b) {
      counts[b] = load(series.buckets[b]);
      totals[i] += counts[b];
    }
    if (totals[i] == 0) continue;
    const OpLabel& label = kLabels[i];
    std::uint64_t cumulative = 0;
    for (std::size_t b = 0; b < kBuckets.size(); ++b) {
      cumulative += counts[b];
      fmt::format_to(it,
                     "sessionkit_store_operation_duration_seconds_bucket{{store=\"{}\",op=\"{}\","
                     "le=\"{}\"}} {}\n",
                     label.store, label.op, kBuckets[b], cumulative);
    }
    fmt::format_to(it,
                   "sessionkit_store_operation_duration_seconds_bucket{{store=\"{}\",op=\"{}\","
                   "le=\"+Inf\"}} {}\n",
                   label.store, label.op, totals[i]);
    fmt::format_to(it,
                   "sessionkit_store_operation_duration_seconds_sum{{store=\"{}\",op=\"{}\"}} "
                   "{:.9f}\n",
                   label.store, label.op, static_cast<double>(load(series.latency_ns_sum)) / 1e9);
    fmt::format_to(it,
                   "sessionkit_store_operation_duration_seconds_count{{store=\"{}\",op=\"{}\"}} "
                   "{}\n",
                   label.store, label.op, totals[i]);
  }
  out += "# HELP sessionkit_store_operation_errors_total Store calls that failed (unavailable, "
         "timed out, internal), by store and operation.\n";
  out += "# TYPE sessionkit_store_operation_errors_total counter\n";
  for (std::size_t i = 0; i < kStoreOpCount; ++i) {
    if (totals[i] == 0) continue;
    fmt::format_to(it, "sessionkit_store_operation_errors_total{{store=\"{}\",op=\"{}\"}} {}\n",
                   kLabels[i].store, kLabels[i].op, load(series_[i].errors));
  }
}

SessionStorePtr InstrumentSessionStore(SessionStorePtr inner, StoreMetrics& metrics) {
  return std::make_shared<InstrumentedSessionStore>(std::move(inner), metrics);
}

AuthStateStorePtr InstrumentAuthStateStore(AuthStateStorePtr inner, StoreMetrics& metrics) {
  return std::make_shared<InstrumentedAuthStateStore>(std::move(inner), metrics);
}

std::uint64_t StoreCallRecordsAllocatedForTest() noexcept {
  return g_records_allocated.load(std::memory_order_relaxed);
}

}  // namespace sessionkit::server
