// SessionManager: session policy over an asynchronous SessionStore.
//
// Each operation reads the clock once, does its checks in the order of API.md §2/§4
// (format before lookup; expiry, then owner, then binding; slide last) and hands the
// store's completion straight to the caller. No lock is held; the manager keeps no
// per-session state, so every validation consults the store.
#include "sessionkit/session_manager.h"

#include <algorithm>
#include <utility>

#include "src/core/blocking.h"
#include "src/util/json_writer.h"

namespace sessionkit {
namespace {

using std::chrono::floor;
using std::chrono::seconds;

// Records are written with whole seconds; keep the in-memory copy identical.
TimePoint WholeSeconds(TimePoint t) { return floor<seconds>(t); }

// Newest created_at first; ties: smaller id first.
bool NewerFirst(const Session& a, const Session& b) {
  if (a.created_at != b.created_at) return a.created_at > b.created_at;
  return a.id < b.id;
}

}  // namespace

Result<std::unique_ptr<SessionManager>> SessionManager::Open(const ManagerOptions& options,
                                                             SessionStorePtr store) {
  if (store == nullptr) return Status::InvalidArgument("session store is null");
  if (options.idle_timeout <= seconds::zero()) {
    return Status::InvalidArgument("idle_timeout must be positive");
  }
  if (options.absolute_lifetime <= seconds::zero()) {
    return Status::InvalidArgument("absolute_lifetime must be positive");
  }
  if (options.touch_interval < seconds::zero()) {
    return Status::InvalidArgument("touch_interval must not be negative");
  }
  return std::unique_ptr<SessionManager>(new SessionManager(options, std::move(store)));
}

SessionManager::SessionManager(const ManagerOptions& options, SessionStorePtr store)
    : options_(options), clock_(ClockOrSystem(options.clock)), store_(std::move(store)) {}

SessionManager::~SessionManager() = default;

TimePoint SessionManager::DeadlineFor(TimePoint created_at, TimePoint last_seen) const noexcept {
  return std::min(last_seen + options_.idle_timeout, created_at + options_.absolute_lifetime);
}

void SessionManager::CreateAsync(NewSession request, ResultCallback<CreatedSession> done) {
  if (request.user_id.empty()) {
    done(Status::InvalidArgument("user_id is empty"));
    return;
  }
  Result<std::string> id = store_->NewSessionIdFor(request.user_id);
  if (!id.ok()) {
    done(id.status());
    return;
  }
  const TimePoint now = WholeSeconds(clock_.Now());
  Session s;
  s.id = std::move(id).value();
  s.user_id = std::move(request.user_id);
  s.user_id_is_number = request.user_id_is_number;
  s.username = std::move(request.username);
  s.purpose = std::move(request.purpose);
  s.ip_address = std::move(request.ip_address);
  s.device_id = DeriveDeviceId(request.device_id, request.user_agent);
  s.aal = request.aal == 2 ? 2 : 1;
  s.user_agent = std::move(request.user_agent);
  s.created_at = now;
  s.last_seen = now;
  s.expires_at = DeadlineFor(now, now);

  // The store copies what it needs from `s` before InsertAsync returns; the callback
  // keeps its own copy to report.
  auto on_inserted = [session = s, done = std::move(done)](
                         Result<std::vector<std::string>> evicted) mutable {
    if (!evicted.ok()) {
      done(evicted.status());
      return;
    }
    done(CreatedSession{std::move(session), std::move(evicted).value()});
  };
  store_->InsertAsync(s, options_.max_sessions_per_user, std::move(on_inserted));
}

void SessionManager::ValidateAsync(const ValidateRequest& request, ResultCallback<Validation> done) {
  if (!IsWellFormedSessionId(request.session_id)) {
    done(Status::Malformed("session id is not sess_ followed by 64 lowercase hex"));
    return;
  }
  store_->GetAsync(
      request.session_id,
      [this, expected_user = std::string(request.expected_user_id),
       ip = std::string(request.ip_address), user_agent = std::string(request.user_agent),
       done = std::move(done)](Result<Session> loaded) mutable {
        if (!loaded.ok()) {
          done(loaded.status());
          return;
        }
        Validation v;
        v.session = std::move(loaded).value();
        Session& s = v.session;
        const TimePoint now = clock_.Now();

        // Idle and absolute expiry, whatever expires_at the writer chose.
        const TimePoint deadline = std::min(s.expires_at, DeadlineFor(s.created_at, s.last_seen));
        if (now >= deadline) {
          store_->DeleteAsync(s.id, [](Result<bool>) {});  // best effort; dead either way
          done(Status::Expired("session expired"));
          return;
        }
        if (!expected_user.empty() && s.user_id != expected_user) {
          done(Status::WrongUser());
          return;
        }
        v.ip_changed = !ip.empty() && !s.ip_address.empty() && ip != s.ip_address;
        // The stored User-Agent went through the record's JSON, which keeps invalid
        // UTF-8 bytes as U+FFFD: compare the presented one read the same way, or a
        // Latin-1 User-Agent would differ from its own stored copy on every request.
        v.user_agent_changed = !user_agent.empty() && !s.user_agent.empty() &&
                               !internal::SameTextAfterUtf8Repair(user_agent, s.user_agent);
        if (options_.binding == BindingPolicy::kStrict && (v.ip_changed || v.user_agent_changed)) {
          done(Status::BindingMismatch(v.ip_changed ? "client IP differs from the session's"
                                                    : "User-Agent differs from the session's"));
          return;
        }
        if (now - s.last_seen < options_.touch_interval) {
          done(std::move(v));
          return;
        }
        Slide(std::move(v), WholeSeconds(now), std::move(done));
      });
}

void SessionManager::Slide(Validation v, TimePoint now, ResultCallback<Validation> done) {
  const TimePoint last_seen = now;
  const TimePoint expires_at = DeadlineFor(v.session.created_at, now);
  // The callback takes ownership of `v`, and it is built before TouchAsync reads its
  // arguments, so the store gets its own copy of the record (a throttled, rare path).
  const Session current = v.session;
  store_->TouchAsync(current, last_seen, expires_at,
                     [v = std::move(v), last_seen, expires_at, done = std::move(done)](Status st) mutable {
                       if (st.IsNotFound()) {  // revoked between our read and our write
                         done(std::move(st));
                         return;
                       }
                       // Any other failure only means the session was not extended this
                       // time: it was live when read, so the validation stands.
                       if (st.ok()) {
                         v.session.last_seen = last_seen;
                         v.session.expires_at = expires_at;
                         v.touched = true;
                       }
                       done(std::move(v));
                     });
}

void SessionManager::RevokeAsync(std::string_view session_id, ResultCallback<bool> done) {
  if (!IsWellFormedSessionId(session_id)) {
    done(Status::Malformed("session id is not sess_ followed by 64 lowercase hex"));
    return;
  }
  store_->DeleteAsync(session_id, std::move(done));
}

void SessionManager::RevokeAllForUserAsync(std::string_view user_id, std::string_view keep_session_id,
                                           ResultCallback<std::uint64_t> done) {
  if (user_id.empty()) {
    done(Status::InvalidArgument("user_id is empty"));
    return;
  }
  store_->DeleteAllForUserAsync(user_id, keep_session_id, std::move(done));
}

void SessionManager::ListForUserAsync(std::string_view user_id,
                                      ResultCallback<std::vector<Session>> done) {
  if (user_id.empty()) {
    done(Status::InvalidArgument("user_id is empty"));
    return;
  }
  store_->ListForUserAsync(user_id, [this, done = std::move(done)](
                                        Result<std::vector<Session>> listed) mutable {
    if (!listed.ok()) {
      done(listed.status());
      return;
    }
    std::vector<Session> sessions = std::move(listed).value();
    const TimePoint now = clock_.Now();
    std::erase_if(sessions, [&](const Session& s) {
      return now >= std::min(s.expires_at, DeadlineFor(s.created_at, s.last_seen));
    });
    std::sort(sessions.begin(), sessions.end(), NewerFirst);
    done(std::move(sessions));
  });
}

// --- blocking forms ---------------------------------------------------------------

Result<CreatedSession> SessionManager::Create(NewSession request) {
  return internal::WaitFor<CreatedSession>(
      [&](auto cb) { CreateAsync(std::move(request), std::move(cb)); });
}

Result<Validation> SessionManager::Validate(const ValidateRequest& request) {
  return internal::WaitFor<Validation>([&](auto cb) { ValidateAsync(request, std::move(cb)); });
}

Result<bool> SessionManager::Revoke(std::string_view session_id) {
  return internal::WaitFor<bool>([&](auto cb) { RevokeAsync(session_id, std::move(cb)); });
}

Result<std::uint64_t> SessionManager::RevokeAllForUser(std::string_view user_id,
                                                       std::string_view keep_session_id) {
  return internal::WaitFor<std::uint64_t>(
      [&](auto cb) { RevokeAllForUserAsync(user_id, keep_session_id, std::move(cb)); });
}

Result<std::vector<Session>> SessionManager::ListForUser(std::string_view user_id) {
  return internal::WaitFor<std::vector<Session>>(
      [&](auto cb) { ListForUserAsync(user_id, std::move(cb)); });
}

}  // namespace sessionkit
