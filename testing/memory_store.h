// MemoryStore: an in-process SessionStore for unit tests of code above the store.
//
// Same semantics as the real backends (session_store.h) under one mutex; callbacks run
// inline. Not persistent, not for production. CountingStore wraps any store and counts
// calls per operation (tests assert, e.g., that a validation inside the touch interval
// writes nothing), and can be told to fail every call with Unavailable.
#ifndef SESSIONKIT_TESTING_MEMORY_STORE_H_
#define SESSIONKIT_TESTING_MEMORY_STORE_H_

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <string>

#include "sessionkit/clock.h"
#include "sessionkit/session_store.h"

namespace sessionkit::testing {

class MemoryStore final : public SessionStore {
 public:
  explicit MemoryStore(const Clock* clock = nullptr) : clock_(ClockOrSystem(clock)) {}

  void InsertAsync(const Session& s, std::uint32_t max_per_user,
                   ResultCallback<std::vector<std::string>> done) override;
  void GetAsync(std::string_view session_id, ResultCallback<Session> done) override;
  void TouchAsync(const Session& current, TimePoint last_seen, TimePoint expires_at,
                  StatusCallback done) override;
  void DeleteAsync(std::string_view session_id, ResultCallback<bool> done) override;
  void DeleteAllForUserAsync(std::string_view user_id, std::string_view keep_session_id,
                             ResultCallback<std::uint64_t> done) override;
  void ListForUserAsync(std::string_view user_id,
                        ResultCallback<std::vector<Session>> done) override;
  void CountAsync(ResultCallback<std::uint64_t> done) override;
  void ScanAsync(std::string_view cursor, std::size_t limit, ResultCallback<ScanPage> done) override;
  void PingAsync(StatusCallback done) override { done(Status::Ok()); }
  // Every dead session in one page (the cursor is ignored).
  void PurgeDeadAsync(std::string_view cursor, std::size_t limit,
                      ResultCallback<PurgePage> done) override;

 private:
  bool LiveLocked(const Session& s, TimePoint now) const { return now < s.expires_at; }
  void EraseLocked(const std::string& id);

  const Clock& clock_;
  std::mutex mu_;
  std::map<std::string, Session, std::less<>> sessions_;                  // guarded by mu_
  std::map<std::string, std::set<std::string>, std::less<>> by_user_;     // guarded by mu_
};

struct StoreCallCounts {
  std::atomic<int> insert{0}, get{0}, touch{0}, del{0}, delete_all{0}, list{0};
  int writes() const { return insert + touch + del + delete_all; }
};

class CountingStore final : public SessionStore {
 public:
  explicit CountingStore(SessionStorePtr inner) : inner_(std::move(inner)) {}

  StoreCallCounts& counts() { return counts_; }
  // While set, every call fails with Unavailable (the store is "down").
  void set_down(bool down) { down_ = down; }

  void InsertAsync(const Session& s, std::uint32_t max_per_user,
                   ResultCallback<std::vector<std::string>> done) override {
    ++counts_.insert;
    if (down_) return done(Down());
    inner_->InsertAsync(s, max_per_user, std::move(done));
  }
  void GetAsync(std::string_view id, ResultCallback<Session> done) override {
    ++counts_.get;
    if (down_) return done(Down());
    inner_->GetAsync(id, std::move(done));
  }
  void TouchAsync(const Session& current, TimePoint last_seen, TimePoint expires_at,
                  StatusCallback done) override {
    ++counts_.touch;
    if (down_) return done(Down());
    inner_->TouchAsync(current, last_seen, expires_at, std::move(done));
  }
  void DeleteAsync(std::string_view id, ResultCallback<bool> done) override {
    ++counts_.del;
    if (down_) return done(Down());
    inner_->DeleteAsync(id, std::move(done));
  }
  void DeleteAllForUserAsync(std::string_view user_id, std::string_view keep,
                             ResultCallback<std::uint64_t> done) override {
    ++counts_.delete_all;
    if (down_) return done(Down());
    inner_->DeleteAllForUserAsync(user_id, keep, std::move(done));
  }
  void ListForUserAsync(std::string_view user_id, ResultCallback<std::vector<Session>> done) override {
    ++counts_.list;
    if (down_) return done(Down());
    inner_->ListForUserAsync(user_id, std::move(done));
  }
  void CountAsync(ResultCallback<std::uint64_t> done) override {
    if (down_) return done(Down());
    inner_->CountAsync(std::move(done));
  }
  void ScanAsync(std::string_view cursor, std::size_t limit, ResultCallback<ScanPage> done) override {
    if (down_) return done(Down());
    inner_->ScanAsync(cursor, limit, std::move(done));
  }
  void PingAsync(StatusCallback done) override {
    if (down_) return done(Down());
    inner_->PingAsync(std::move(done));
  }
  void PurgeDeadAsync(std::string_view cursor, std::size_t limit,
                      ResultCallback<PurgePage> done) override {
    if (down_) return done(Down());
    inner_->PurgeDeadAsync(cursor, limit, std::move(done));
  }

 private:
  static Status Down() { return Status::Unavailable("store is down (test)"); }

  SessionStorePtr inner_;
  StoreCallCounts counts_;
  std::atomic<bool> down_{false};
};

}  // namespace sessionkit::testing

#endif  // SESSIONKIT_TESTING_MEMORY_STORE_H_
