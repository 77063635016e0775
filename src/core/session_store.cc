// Blocking wrappers of SessionStore: each starts the *Async form and waits.
#include "sessionkit/session_store.h"

#include "src/core/blocking.h"

namespace sessionkit {

using internal::WaitFor;
using internal::WaitForStatus;

Result<std::vector<std::string>> SessionStore::Insert(const Session& s, std::uint32_t max_per_user) {
  return WaitFor<std::vector<std::string>>([&](auto cb) { InsertAsync(s, max_per_user, std::move(cb)); });
}

Result<Session> SessionStore::Get(std::string_view session_id) {
  return WaitFor<Session>([&](auto cb) { GetAsync(session_id, std::move(cb)); });
}

Status SessionStore::Touch(const Session& current, TimePoint last_seen, TimePoint expires_at) {
  return WaitForStatus([&](auto cb) { TouchAsync(current, last_seen, expires_at, std::move(cb)); });
}

Result<bool> SessionStore::Delete(std::string_view session_id) {
  return WaitFor<bool>([&](auto cb) { DeleteAsync(session_id, std::move(cb)); });
}

Result<std::uint64_t> SessionStore::DeleteAllForUser(std::string_view user_id,
                                                     std::string_view keep_session_id) {
  return WaitFor<std::uint64_t>(
      [&](auto cb) { DeleteAllForUserAsync(user_id, keep_session_id, std::move(cb)); });
}

Result<std::vector<Session>> SessionStore::ListForUser(std::string_view user_id) {
  return WaitFor<std::vector<Session>>([&](auto cb) { ListForUserAsync(user_id, std::move(cb)); });
}

Result<std::uint64_t> SessionStore::Count() {
  return WaitFor<std::uint64_t>([&](auto cb) { CountAsync(std::move(cb)); });
}

Result<ScanPage> SessionStore::Scan(std::string_view cursor, std::size_t limit) {
  return WaitFor<ScanPage>([&](auto cb) { ScanAsync(cursor, limit, std::move(cb)); });
}

Status SessionStore::Ping() {
  return WaitForStatus([&](auto cb) { PingAsync(std::move(cb)); });
}

void SessionStore::PurgeDeadAsync(std::string_view /*cursor*/, std::size_t /*limit*/,
                                  ResultCallback<PurgePage> done) {
  done(Status::InvalidArgument("this session store cannot purge dead records"));
}

Result<PurgePage> SessionStore::PurgeDead(std::string_view cursor, std::size_t limit) {
  return WaitFor<PurgePage>([&](auto cb) { PurgeDeadAsync(cursor, limit, std::move(cb)); });
}

}  // namespace sessionkit
