#include "ctl/commands.h"

#include <sodium.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "ctl/exit_codes.h"
#include "ctl/import_line.h"
#include "ctl/password_input.h"
#include "ctl/session_stats.h"
#include "server/users/validation.h"
#include "sessionkit/mysql_store.h"
#include "sessionkit/password_hasher.h"
#include "src/util/json_writer.h"
#include "src/util/rfc3339.h"

namespace sessionkit::ctl {
namespace {

using internal::JsonWriter;

constexpr std::size_t kScanBatch = 1000;  // sessions per admin scan page
constexpr std::size_t kUserPage = 500;    // users per list page

// A plain text table: columns padded to their widest cell, two spaces apart.
class Table {
 public:
  explicit Table(std::vector<std::string> header) : rows_{std::move(header)} {}
  void Add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  void Print(std::ostream& out) const {
    std::vector<std::size_t> width(rows_.front().size(), 0);
    for (const auto& row : rows_) {
      for (std::size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
    }
    for (const auto& row : rows_) {
      std::string line;
      for (std::size_t i = 0; i < row.size(); ++i) {
        line += row[i];
        if (i + 1 < row.size()) line.append(width[i] - row[i].size() + 2, ' ');
      }
      while (!line.empty() && line.back() == ' ') line.pop_back();
      out << line << '\n';
    }
  }

 private:
  std::vector<std::vector<std::string>> rows_;
};

std::string Time(TimePoint t) { return internal::FormatRfc3339(t); }

std::string SessionJson(const Session& s) {
  std::string out;
  JsonWriter w(out);
  w.BeginObject()
      .Key("id").String(s.id)
      .Key("user_id").String(s.user_id)
      .Key("username").String(s.username)
      .Key("purpose").String(s.purpose)
      .Key("ip_address").String(s.ip_address)
      .Key("user_agent").String(s.user_agent)
      .Key("device_id").String(s.device_id)
      .Key("created_at").String(Time(s.created_at))
      .Key("expires_at").String(Time(s.expires_at))
      .Key("last_seen").String(Time(s.last_seen))
      .EndObject();
  return out;
}

// A user without its hash.
std::string UserJson(const User& u) {
  std::string out;
  JsonWriter w(out);
  w.BeginObject()
      .Key("id").String(u.id)
      .Key("username").String(u.username)
      .Key("email").String(u.email)
      .Key("role").String(u.role)
      .Key("is_premium").Bool(u.is_premium)
      .Key("is_verified").Bool(u.is_email_verified)
      .Key("disabled").Bool(u.disabled)
      .Key("created_at").String(u.created_at)
      .EndObject();
  return out;
}

const std::vector<std::string> kUserHeader = {"ID", "USERNAME", "EMAIL", "ROLE", "PREMIUM",
                                              "VERIFIED", "DISABLED", "CREATED"};

std::vector<std::string> UserRow(const User& u) {
  return {u.id, u.username, u.email, u.role, u.is_premium ? "yes" : "no",
          u.is_email_verified ? "yes" : "no", u.disabled ? "yes" : "no", u.created_at};
}

const std::vector<std::string> kSessionHeader = {"ID", "USER", "PURPOSE", "IP", "CREATED",
                                                 "LAST SEEN", "EXPIRES", "USER AGENT"};

std::vector<std::string> SessionRow(const Session& s) {
  std::string agent = s.user_agent.size() > 40 ? s.user_agent.substr(0, 37) + "..." : s.user_agent;
  return {s.id, s.username.empty() ? s.user_id : s.username, s.purpose, s.ip_address,
          Time(s.created_at), Time(s.last_seen), Time(s.expires_at), agent};
}

std::string CountJson(std::string_view key, std::uint64_t n) {
  std::string out;
  JsonWriter(out).BeginObject().Key(key).Int(static_cast<std::int64_t>(n)).EndObject();
  return out;
}

}  // namespace

Ctl::Ctl(const server::ServerConfig& config, CtlOptions options, std::ostream& out,
         std::ostream& err)
    : config_(config), options_(options), out_(out), err_(err) {}

namespace {

// Drops `owner` once its reference is the last one, so that the object is destroyed, and
// the threads it owns joined, on this thread. A blocking store call returns as soon as
// its callback has run, while the store's I/O thread may still be unwinding that
// callback's captures (which hold the store) for a moment; had that thread dropped the
// last reference, the store's Redis client could not join its own thread and would leave
// it running at exit. Bounded: past `limit` the reference is dropped anyway.
template <typename T>
void ReleaseOnThisThread(std::shared_ptr<T>& owner, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (owner && owner.use_count() > 1 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
  owner.reset();
}

}  // namespace

Ctl::~Ctl() {
  manager_.reset();  // the manager holds the session store
  if (stores_) {
    constexpr std::chrono::milliseconds kLimit(2000);
    stores_->redis_nodes = nullptr;
    ReleaseOnThisThread(stores_->sessions, kLimit);
    ReleaseOnThisThread(stores_->auth_state, kLimit);
    ReleaseOnThisThread(stores_->users, kLimit);
  }
  stores_.reset();
}

int Ctl::Open() {
  if (manager_) return kExitDone;
  server::StoreOpenError error;
  stores_ = server::OpenConfiguredStores(config_, {}, error);
  if (!stores_) {
    err_ << "sessionkit-ctl: " << error.message << '\n';
    return error.exit_code == 2 ? kExitUsage : kExitUnreachable;
  }
  Result<std::unique_ptr<SessionManager>> manager =
      SessionManager::Open(server::ManagerOptionsOf(config_), stores_->sessions);
  if (!manager.ok()) {
    err_ << "sessionkit-ctl: session manager: " << manager.status().ToString() << '\n';
    return kExitUsage;
  }
  manager_ = std::move(manager).value();
  return kExitDone;
}

int Ctl::Fail(const Status& status, const std::string& what) {
  if (status.IsUnavailable()) {
    err_ << "sessionkit-ctl: " << what << ": store unreachable (" << status.ToString() << ")\n";
  } else {
    err_ << "sessionkit-ctl: " << what << ": " << status.message() << '\n';
  }
  return ExitCodeOf(status);
}

void Ctl::Progress(const std::string& text) {
  if (options_.progress) err_ << '\r' << text << "\x1b[K" << std::flush;
}

Result<User> Ctl::Resolve(const std::string& who) {
  Result<User> user = stores_->users->FindById(who);
  if (user.ok() || !user.status().IsNotFound()) return user;
  user = stores_->users->FindByLogin(who);
  if (!user.ok() && user.status().IsNotFound()) return Status::NotFound("no user '" + who + "'");
  return user;
}

Result<std::string> Ctl::HashOfNewPassword() {
  Result<std::string> password = ReadNewPassword(options_.in_fd, STDERR_FILENO);
  if (!password.ok()) return password.status();
  Result<PasswordHasher> hasher = server::PasswordHasherOf(config_);
  if (!hasher.ok()) return hasher.status();
  return hasher->Hash(*password);
}

// --- sessions ---------------------------------------------------------------------------

int Ctl::SessionsList(const std::string& user_id, const std::string& username) {
  if (int rc = Open(); rc != kExitDone) return rc;
  std::string id = user_id;
  if (id.empty()) {
    Result<User> user = stores_->users->FindByLogin(username);
    if (!user.ok()) {
      return Fail(user.status().IsNotFound() ? Status::NotFound("no user '" + username + "'")
                                             : user.status(),
                  "sessions list");
    }
    id = user->id;
  }
  Result<std::vector<Session>> sessions = manager_->ListForUser(id);
  if (!sessions.ok()) return Fail(sessions.status(), "sessions list");
  if (options_.json) {
    for (const Session& s : *sessions) out_ << SessionJson(s) << '\n';
  } else {
    Table table(kSessionHeader);
    for (const Session& s : *sessions) table.Add(SessionRow(s));
    table.Print(out_);
  }
  return kExitDone;
}

int Ctl::SessionsShow(const std::string& session_id) {
  if (!IsWellFormedSessionId(session_id)) {
    err_ << "sessionkit-ctl: malformed session id (sess_ + 64 lowercase hex)\n";
    return kExitUsage;
  }
  if (int rc = Open(); rc != kExitDone) return rc;
  Result<Session> s = stores_->sessions->Get(session_id);
  if (!s.ok()) {
    if (s.status().IsExpired()) return Fail(Status::NotFound("no live session"), "sessions show");
    return Fail(s.status().IsNotFound() ? Status::NotFound("no live session") : s.status(),
                "sessions show");
  }
  if (options_.json) {
    out_ << SessionJson(*s) << '\n';
  } else {
    Table table({"FIELD", "VALUE"});
    const std::vector<std::string> row = SessionRow(*s);
    table.Add({"id", s->id});
    table.Add({"user_id", s->user_id});
    table.Add({"username", s->username});
    table.Add({"purpose", s->purpose});
    table.Add({"ip_address", s->ip_address});
    table.Add({"user_agent", s->user_agent});
    table.Add({"device_id", s->device_id});
    table.Add({"created_at", row[4]});
    table.Add({"last_seen", row[5]});
    table.Add({"expires_at", row[6]});
    table.Print(out_);
  }
  return kExitDone;
}

int Ctl::SessionsRevoke(const std::string& session_id) {
  if (!IsWellFormedSessionId(session_id)) {
    err_ << "sessionkit-ctl: malformed session id (sess_ + 64 lowercase hex)\n";
    return kExitUsage;
  }
  if (int rc = Open(); rc != kExitDone) return rc;
  Result<bool> revoked = manager_->Revoke(session_id);
  if (!revoked.ok()) return Fail(revoked.status(), "sessions revoke");
  if (!*revoked) return Fail(Status::NotFound("no live session " + session_id), "sessions revoke");
  if (options_.json) {
    out_ << CountJson("revoked", 1) << '\n';
  } else {
    out_ << "revoked " << session_id << '\n';
  }
  return kExitDone;
}

int Ctl::SessionsRevokeUser(const std::string& who) {
  if (int rc = Open(); rc != kExitDone) return rc;
  // A user of this database by id or name; else `who` is taken as a user id (sessions of
  // users this database does not know, e.g. issued by the Go service).
  std::string user_id = who;
  Result<User> user = Resolve(who);
  if (user.ok()) {
    user_id = user->id;
  } else if (!user.status().IsNotFound()) {
    return Fail(user.status(), "sessions revoke-user");
  }
  Result<std::uint64_t> revoked = manager_->RevokeAllForUser(user_id);
  if (!revoked.ok()) return Fail(revoked.status(), "sessions revoke-user");
  if (options_.json) {
    out_ << CountJson("revoked", *revoked) << '\n';
  } else {
    out_ << *revoked << " sessions revoked for user " << user_id << '\n';
  }
  return kExitDone;
}

int Ctl::SessionsStats(std::size_t top) {
  if (int rc = Open(); rc != kExitDone) return rc;
  SessionStatsCollector collector;
  std::string cursor;
  std::size_t pages = 0;
  do {
    Result<ScanPage> page = stores_->sessions->Scan(cursor, kScanBatch);
    if (!page.ok()) {
      if (options_.progress) err_ << '\n';
      return Fail(page.status(), "sessions stats");
    }
    for (const Session& s : page->sessions) collector.Add(s);
    cursor = std::move(page->next_cursor);
    if (++pages % 16 == 0) Progress("scanned " + std::to_string(collector.seen()) + " sessions");
  } while (!cursor.empty());
  if (options_.progress) err_ << '\r' << "\x1b[K" << std::flush;
  const SessionStats stats = collector.Finish(SystemClock().Now(), top);

  if (options_.json) {
    std::string line;
    JsonWriter w(line);
    w.BeginObject().Key("total").Int(static_cast<std::int64_t>(stats.total));
    w.Key("by_purpose").BeginObject();
    for (const auto& [purpose, n] : stats.by_purpose) w.Key(purpose).Int(static_cast<std::int64_t>(n));
    w.EndObject().Key("top_users").BeginArray();
    for (const auto& [user, n] : stats.top_users) {
      w.BeginObject().Key("user_id").String(user).Key("sessions").Int(static_cast<std::int64_t>(n)).EndObject();
    }
    w.EndArray().EndObject();
    out_ << line << '\n';
    return kExitDone;
  }
  out_ << "live sessions: " << stats.total << "\n\n";
  Table purposes({"PURPOSE", "SESSIONS"});
  for (const auto& [purpose, n] : stats.by_purpose) purposes.Add({purpose, std::to_string(n)});
  purposes.Print(out_);
  out_ << '\n';
  Table users({"USER ID", "SESSIONS"});
  for (const auto& [user, n] : stats.top_users) users.Add({user, std::to_string(n)});
  users.Print(out_);
  return kExitDone;
}

// Two walks. First every record in bounded pages (PurgeDead): the dead ones -- past their
// expires_at whatever their TTL says, e.g. a record written by another service or by
// hand with a long TTL or none -- are deleted with their index entries, each only if
// unchanged since read. Then every live session in bounded pages, and the users database
// page by page, and the sessions of each user found listed once: a user-index read drops
// the members whose record is gone (Redis). An index left by a user in neither walk
// expires by its own TTL.
int Ctl::SessionsPurge() {
  if (int rc = Open(); rc != kExitDone) return rc;
  PurgePage dead;
  {
    std::string cursor;
    do {
      Result<PurgePage> page = stores_->sessions->PurgeDead(cursor, kScanBatch);
      if (!page.ok()) {
        if (options_.progress) err_ << '\n';
        return Fail(page.status(), "sessions purge");
      }
      dead.examined += page->examined;
      dead.deleted += page->deleted;
      cursor = std::move(page->next_cursor);
      Progress("examined " + std::to_string(dead.examined) + " records, deleted " +
               std::to_string(dead.deleted) + " dead ones");
    } while (!cursor.empty());
  }
  std::vector<std::string> users;
  {
    std::unordered_map<std::string, bool> seen;
    std::string cursor;
    do {
      Result<ScanPage> page = stores_->sessions->Scan(cursor, kScanBatch);
      if (!page.ok()) return Fail(page.status(), "sessions purge");
      for (const Session& s : page->sessions) {
        if (seen.emplace(s.user_id, true).second) users.push_back(s.user_id);
      }
      cursor = std::move(page->next_cursor);
      Progress("scanned sessions of " + std::to_string(users.size()) + " users");
    } while (!cursor.empty());
    std::string after;
    while (true) {
      Result<std::vector<User>> page = stores_->users->List(after, kUserPage);
      if (!page.ok()) {
        if (page.status().code() == Code::kInvalidArgument) break;  // read-only users
        return Fail(page.status(), "sessions purge");
      }
      for (const User& u : *page) {
        if (seen.emplace(u.id, true).second) users.push_back(u.id);
      }
      if (page->size() < kUserPage) break;
      after = page->back().username;
    }
  }
  std::uint64_t live = 0;
  for (std::size_t i = 0; i < users.size(); ++i) {
    Result<std::vector<Session>> listed = manager_->ListForUser(users[i]);
    if (!listed.ok()) return Fail(listed.status(), "sessions purge");
    live += listed->size();
    if (i % 256 == 0) Progress("tidied " + std::to_string(i) + "/" + std::to_string(users.size()) + " user indexes");
  }
  if (options_.progress) err_ << '\r' << "\x1b[K" << std::flush;
  if (options_.json) {
    std::string line;
    JsonWriter(line).BeginObject().Key("users").Int(static_cast<std::int64_t>(users.size()))
        .Key("live_sessions").Int(static_cast<std::int64_t>(live))
        .Key("examined").Int(static_cast<std::int64_t>(dead.examined))
        .Key("dead_deleted").Int(static_cast<std::int64_t>(dead.deleted)).EndObject();
    out_ << line << '\n';
  } else {
    out_ << "deleted " << dead.deleted << " dead session records (" << dead.examined
         << " examined)\n";
    out_ << "tidied the session indexes of " << users.size() << " users (" << live
         << " live sessions kept)\n";
  }
  return kExitDone;
}

// --- users ------------------------------------------------------------------------------

int Ctl::UsersList() {
  if (int rc = Open(); rc != kExitDone) return rc;
  Table table(kUserHeader);
  std::string after;
  while (true) {
    Result<std::vector<User>> page = stores_->users->List(after, kUserPage);
    if (!page.ok()) return Fail(page.status(), "users list");
    for (const User& u : *page) {
      if (options_.json) {
        out_ << UserJson(u) << '\n';
      } else {
        table.Add(UserRow(u));
      }
    }
    if (page->size() < kUserPage) break;
    after = page->back().username;
  }
  if (!options_.json) table.Print(out_);
  return kExitDone;
}

int Ctl::UsersShow(const std::string& who) {
  if (int rc = Open(); rc != kExitDone) return rc;
  Result<User> user = Resolve(who);
  if (!user.ok()) return Fail(user.status(), "users show");
  if (options_.json) {
    out_ << UserJson(*user) << '\n';
  } else {
    Table table(kUserHeader);
    table.Add(UserRow(*user));
    table.Print(out_);
  }
  return kExitDone;
}

int Ctl::UsersAdd(const std::string& username, const std::string& email, const std::string& role) {
  for (std::string_view problem : {server::CheckUsername(username), server::CheckEmail(email)}) {
    if (!problem.empty()) {
      err_ << "sessionkit-ctl: users add: " << problem << '\n';
      return kExitUsage;
    }
  }
  if (!IsValidRole(role)) {
    err_ << "sessionkit-ctl: users add: role must be 1-64 of [A-Za-z0-9_.-]\n";
    return kExitUsage;
  }
  if (int rc = Open(); rc != kExitDone) return rc;
  if (Status free = stores_->users->CheckAvailable(username, email); !free.ok()) {
    return Fail(free, "users add");
  }
  Result<std::string> hash = HashOfNewPassword();
  if (!hash.ok()) return Fail(hash.status(), "users add");
  User user;
  user.username = username;
  user.email = email;
  user.role = role;
  user.password_hash = std::move(hash).value();
  Result<User> created = stores_->users->Insert(user);
  if (!created.ok()) return Fail(created.status(), "users add");
  if (options_.json) {
    out_ << UserJson(*created) << '\n';
  } else {
    out_ << "created user " << created->username << " (" << created->id << ")\n";
  }
  return kExitDone;
}

int Ctl::UsersSetPassword(const std::string& who) {
  if (int rc = Open(); rc != kExitDone) return rc;
  Result<User> user = Resolve(who);
  if (!user.ok()) return Fail(user.status(), "users set-password");
  Result<std::string> hash = HashOfNewPassword();
  if (!hash.ok()) return Fail(hash.status(), "users set-password");
  if (Status st = stores_->users->UpdatePasswordHash(user->id, *hash); !st.ok()) {
    return Fail(st, "users set-password");
  }
  Result<std::uint64_t> revoked = manager_->RevokeAllForUser(user->id);
  if (!revoked.ok()) {
    err_ << "sessionkit-ctl: the password is changed, but the sessions were not revoked\n";
    return Fail(revoked.status(), "users set-password");
  }
  if (options_.json) {
    out_ << CountJson("revoked", *revoked) << '\n';
  } else {
    out_ << "password changed for " << user->username << "; " << *revoked
         << " sessions revoked\n";
  }
  return kExitDone;
}

int Ctl::UsersSetDisabled(const std::string& who, bool disabled) {
  const std::string what = disabled ? "users disable" : "users enable";
  if (int rc = Open(); rc != kExitDone) return rc;
  Result<User> user = Resolve(who);
  if (!user.ok()) return Fail(user.status(), what);
  if (Status st = stores_->users->SetDisabled(user->id, disabled); !st.ok()) return Fail(st, what);
  std::uint64_t revoked = 0;
  if (disabled) {
    // The flag first: every login from now on is refused. Then the sessions. A login
    // that read the user just before the flag reads it again once its session exists
    // (AccountService::Login) and revokes it itself, so nothing outlives this sweep.
    Result<std::uint64_t> n = manager_->RevokeAllForUser(user->id);
    if (!n.ok()) {
      err_ << "sessionkit-ctl: the user is disabled, but its sessions were not revoked\n";
      return Fail(n.status(), what);
    }
    revoked = *n;
  }
  if (options_.json) {
    std::string line;
    JsonWriter(line).BeginObject().Key("id").String(user->id).Key("disabled").Bool(disabled)
        .Key("revoked").Int(static_cast<std::int64_t>(revoked)).EndObject();
    out_ << line << '\n';
  } else if (disabled) {
    out_ << "disabled " << user->username << "; " << revoked << " sessions revoked\n";
  } else {
    out_ << "enabled " << user->username << '\n';
  }
  return kExitDone;
}

int Ctl::UsersSetRole(const std::string& who, const std::string& role) {
  if (!IsValidRole(role)) {
    err_ << "sessionkit-ctl: users set-role: role must be 1-64 of [A-Za-z0-9_.-]\n";
    return kExitUsage;
  }
  if (int rc = Open(); rc != kExitDone) return rc;
  Result<User> user = Resolve(who);
  if (!user.ok()) return Fail(user.status(), "users set-role");
  if (Status st = stores_->users->SetRole(user->id, role); !st.ok()) return Fail(st, "users set-role");
  if (options_.json) {
    std::string line;
    JsonWriter(line).BeginObject().Key("id").String(user->id).Key("role").String(role).EndObject();
    out_ << line << '\n';
  } else {
    out_ << user->username << " now has role " << role << " (in tokens issued from now on)\n";
  }
  return kExitDone;
}

int Ctl::UsersImport(const std::string& file) {
  std::ifstream in_file;
  std::istream* in = &std::cin;
  if (file != "-") {
    in_file.open(file);
    if (!in_file) {
      err_ << "sessionkit-ctl: users import: cannot read " << file << '\n';
      return kExitUsage;
    }
    in = &in_file;
  }
  if (int rc = Open(); rc != kExitDone) return rc;
  std::uint64_t created = 0, skipped = 0, invalid = 0, number = 0;
  auto report = [&](std::string_view result, std::string_view username, std::string_view reason) {
    if (options_.json) {
      std::string line;
      JsonWriter w(line);
      w.BeginObject().Key("line").Int(static_cast<std::int64_t>(number)).Key("result").String(result);
      if (!username.empty()) w.Key("username").String(username);
      if (!reason.empty()) w.Key("reason").String(reason);
      w.EndObject();
      out_ << line << '\n';
    } else {
      out_ << "line " << number << ": " << result;
      if (!username.empty()) out_ << ' ' << username;
      if (!reason.empty()) out_ << " (" << reason << ')';
      out_ << '\n';
    }
  };
  std::string line;
  while (std::getline(*in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;  // blank
    Result<User> parsed = ParseImportLine(line);
    if (!parsed.ok()) {
      ++invalid;
      report("invalid", "", parsed.status().message());
      continue;
    }
    Result<User> inserted = stores_->users->Insert(*parsed);
    if (inserted.ok()) {
      ++created;
      report("created", parsed->username, "");
    } else if (inserted.status().code() == Code::kConflict) {
      ++skipped;  // already there: a re-run skips
      report("skipped", parsed->username, inserted.status().message());
    } else if (inserted.status().IsUnavailable()) {
      err_ << "sessionkit-ctl: users import: stopped at line " << number << '\n';
      return Fail(inserted.status(), "users import");
    } else {
      ++invalid;
      report("invalid", parsed->username, inserted.status().message());
    }
    if (number % 500 == 0) Progress("line " + std::to_string(number));
  }
  if (options_.progress) err_ << '\r' << "\x1b[K" << std::flush;
  err_ << "users import: " << created << " created, " << skipped << " skipped, " << invalid
       << " invalid (" << number << " lines)\n";
  return invalid == 0 ? kExitDone : kExitRefused;
}

// --- config -----------------------------------------------------------------------------

int Ctl::ConfigCheck() {
  Table table({"SETTING", "VALUE"});
  for (const auto& [name, value] : server::DescribeConfig(config_)) {
    if (options_.json) {
      std::string line;
      JsonWriter(line).BeginObject().Key("setting").String(name).Key("value").String(value).EndObject();
      out_ << line << '\n';
    } else {
      table.Add({name, value});
    }
  }
  if (!options_.json) {
    table.Print(out_);
    out_ << '\n';
  }
  bool all_reached = true;
  Table stores({"STORE", "WHERE", "STATE"});
  // `checked` false: the store was not reached for (another one failed to open first).
  auto report = [&](const std::string& store, const std::string& where, const Status& status,
                    bool checked = true) {
    if (!status.ok() || !checked) all_reached = false;
    const std::string state = !checked    ? "not checked (another store failed first)"
                              : status.ok() ? "reachable"
                                            : "UNREACHABLE: " + status.ToString();
    if (options_.json) {
      std::string line;
      JsonWriter w(line);
      w.BeginObject().Key("store").String(store).Key("where").String(where);
      if (checked) {
        w.Key("reachable").Bool(status.ok());
      } else {
        w.Key("reachable").Null();
      }
      w.EndObject();
      out_ << line << '\n';
    } else {
      stores.Add({store, where, state});
    }
  };
  const std::string session_where =
      config_.redis_addr.empty() ? "sqlite " + config_.database_path : "redis " + config_.redis_addr;
  const std::string users_where = config_.mysql_users ? RedactedUrl(config_.database_url)
                                                      : "sqlite " + config_.database_path;
  server::StoreOpenError error;
  stores_ = server::OpenConfiguredStores(config_, {}, error);
  if (!stores_) {
    if (error.message.starts_with("session store")) {
      report("sessions", session_where, Status::Unavailable(error.message));
      report("users", users_where, Status::Ok(), /*checked=*/false);
    } else {
      report("sessions", session_where, Status::Ok(), /*checked=*/false);
      report("users", users_where, Status::Unavailable(error.message));
    }
  } else {
    report("sessions", session_where, stores_->sessions->Ping());
    Result<User> probe = stores_->users->FindById("00000000-0000-4000-8000-000000000000");
    report("users", users_where,
           probe.ok() || probe.status().IsNotFound() ? Status::Ok() : probe.status());
  }
  if (!options_.json) stores.Print(out_);
  return all_reached ? kExitDone : kExitUnreachable;
}

int SecretGenerate(std::ostream& out, std::ostream& err) {
  if (sodium_init() < 0) {
    err << "sessionkit-ctl: no CSPRNG\n";
    return kExitRefused;
  }
  unsigned char bytes[32];
  randombytes_buf(bytes, sizeof(bytes));
  char hex[2 * sizeof(bytes) + 1];
  sodium_bin2hex(hex, sizeof(hex), bytes, sizeof(bytes));
  sodium_memzero(bytes, sizeof(bytes));
  out << hex << '\n';
  sodium_memzero(hex, sizeof(hex));
  return kExitDone;
}

}  // namespace sessionkit::ctl
