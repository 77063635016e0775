// sessionkit-consumer: the smallest program on an installed sessionkit. Opens the
// embedded store (a SQLite file), creates a session, validates it, revokes it, and checks
// that the revoked id is refused. Exit status 0 when all of that held.
//
//   sessionkit-consumer PATH.db
#include <sessionkit/session_manager.h>
#include <sessionkit/sqlite_store.h>

#include <cstdio>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s PATH.db\n", argv[0]);
    return 2;
  }
  auto store = sessionkit::OpenSqliteStore({.path = argv[1]});
  if (!store.ok()) {
    std::fprintf(stderr, "open store: %s\n", store.status().ToString().c_str());
    return 1;
  }
  auto manager = sessionkit::SessionManager::Open({}, *store);
  if (!manager.ok()) return 1;
  sessionkit::SessionManager& sessions = **manager;

  auto created = sessions.Create({.user_id = "42", .username = "alice", .purpose = "login"});
  if (!created.ok()) return 1;
  auto valid = sessions.Validate({.session_id = created->session.id, .expected_user_id = "42"});
  if (!valid.ok()) return 1;
  if (!sessions.Revoke(created->session.id).ok()) return 1;
  auto after = sessions.Validate({.session_id = created->session.id});
  if (after.status().code() != sessionkit::Code::kNotFound) return 1;
  std::printf("sessionkit consumer: created, validated and revoked a session\n");
  return 0;
}
