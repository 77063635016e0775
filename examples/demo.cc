// sessionkit-demo: the library's life cycle on the embedded store, step by step.
//
//   sessionkit-demo [path.db]      (default: sessionkit-demo.db in the working directory)
//
// Creates two sessions for one user, validates one, revokes it, revokes the rest, and
// prints what happened. Exit status 0 when every step behaved as documented.
#include <cstdio>
#include <string>

#include "sessionkit/session_manager.h"
#include "sessionkit/sqlite_store.h"

using namespace sessionkit;

namespace {

int Fail(const char* step, const Status& s) {
  std::fprintf(stderr, "%s failed: %s\n", step, s.ToString().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string path = argc > 1 ? argv[1] : "sessionkit-demo.db";

  auto store = OpenSqliteStore({.path = path});
  if (!store.ok()) return Fail("open store", store.status());
  auto manager = SessionManager::Open({.touch_interval = std::chrono::seconds(60)}, *store);
  if (!manager.ok()) return Fail("open manager", manager.status());
  SessionManager& sessions = **manager;

  // Log in twice (two devices).
  auto laptop = sessions.Create({.user_id = "user-42", .username = "alice", .purpose = "login",
                                 .ip_address = "203.0.113.7", .user_agent = "Mozilla/5.0"});
  if (!laptop.ok()) return Fail("create", laptop.status());
  auto phone = sessions.Create({.user_id = "user-42", .username = "alice",
                                .ip_address = "198.51.100.9", .user_agent = "MyApp/2.1",
                                .device_id = "phone-1"});
  if (!phone.ok()) return Fail("create", phone.status());
  std::printf("created %s and %s\n", ShortSessionId(laptop->session.id).c_str(),
              ShortSessionId(phone->session.id).c_str());

  // Every request: validate (format, store, expiry, owner, binding, throttled slide).
  auto valid = sessions.Validate({.session_id = laptop->session.id,
                                  .expected_user_id = "user-42",
                                  .ip_address = "203.0.113.7",
                                  .user_agent = "Mozilla/5.0"});
  if (!valid.ok()) return Fail("validate", valid.status());
  std::printf("validated: user %s, expires %s\n", valid->session.user_id.c_str(),
              EncodeSession(valid->session).c_str());

  // Log out of one device: the id is dead at once.
  auto revoked = sessions.Revoke(laptop->session.id);
  if (!revoked.ok()) return Fail("revoke", revoked.status());
  auto after = sessions.Validate({.session_id = laptop->session.id});
  std::printf("after revoke: %s\n", after.status().ToString().c_str());
  if (after.status().code() != Code::kNotFound) return 1;

  // Log out everywhere.
  auto n = sessions.RevokeAllForUser("user-42");
  if (!n.ok()) return Fail("revoke all", n.status());
  std::printf("revoked %llu remaining session(s)\n", static_cast<unsigned long long>(*n));
  return 0;
}
