#include "ctl/import_line.h"

#include <simdjson.h>

#include <string>

#include "server/users/validation.h"

namespace sessionkit::ctl {
namespace {

bool IsBcryptChar(char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         c == '.' || c == '/';
}

bool IsDigit(char c) noexcept { return c >= '0' && c <= '9'; }

}  // namespace

bool IsImportableHash(std::string_view hash) noexcept {
  // $2b$10$ + 22 characters of salt + 31 of hash.
  if (hash.size() == 60 && hash[0] == '$' && hash[1] == '2' &&
      (hash[2] == 'a' || hash[2] == 'b' || hash[2] == 'y') && hash[3] == '$' &&
      IsDigit(hash[4]) && IsDigit(hash[5]) && hash[6] == '$') {
    const int cost = (hash[4] - '0') * 10 + (hash[5] - '0');
    if (cost < 4 || cost > 31) return false;
    for (char c : hash.substr(7)) {
      if (!IsBcryptChar(c)) return false;
    }
    return true;
  }
  constexpr std::string_view kArgon2id = "$argon2id$v=19$m=";
  if (hash.starts_with(kArgon2id) && hash.size() <= 512) {
    for (char c : hash) {
      if (c <= ' ' || c > '~') return false;
    }
    return true;
  }
  return false;
}

bool IsValidRole(std::string_view role) noexcept {
  if (role.empty() || role.size() > 64) return false;
  for (char c : role) {
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || IsDigit(c) || c == '_' ||
          c == '.' || c == '-')) {
      return false;
    }
  }
  return true;
}

Result<User> ParseImportLine(std::string_view line) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (line.empty() || parser.parse(line.data(), line.size(), true).get(root) != simdjson::SUCCESS) {
    return Status::InvalidArgument("not JSON");
  }
  simdjson::dom::object object;
  if (root.get_object().get(object) != simdjson::SUCCESS) {
    return Status::InvalidArgument("not a JSON object");
  }
  User user;
  auto text = [&](const char* name, std::string& out, bool required) -> Status {
    simdjson::dom::element value;
    if (object.at_key(name).get(value) != simdjson::SUCCESS || value.is_null()) {
      return required ? Status::InvalidArgument(std::string(name) + " is missing") : Status::Ok();
    }
    std::string_view view;
    if (value.get_string().get(view) != simdjson::SUCCESS) {
      return Status::InvalidArgument(std::string(name) + " must be a string");
    }
    out = std::string(view);
    return Status::Ok();
  };
  auto flag = [&](const char* name, bool& out) -> Status {
    simdjson::dom::element value;
    if (object.at_key(name).get(value) != simdjson::SUCCESS || value.is_null()) return Status::Ok();
    bool b = false;
    if (value.get_bool().get(b) == simdjson::SUCCESS) {
      out = b;
      return Status::Ok();
    }
    std::int64_t n = 0;  // 0 / 1 as MySQL exports booleans
    if (value.get_int64().get(n) == simdjson::SUCCESS && (n == 0 || n == 1)) {
      out = n == 1;
      return Status::Ok();
    }
    return Status::InvalidArgument(std::string(name) + " must be true or false");
  };

  if (Status st = text("username", user.username, true); !st.ok()) return st;
  if (std::string_view problem = server::CheckUsername(user.username); !problem.empty()) {
    return Status::InvalidArgument(std::string(problem));
  }
  if (Status st = text("email", user.email, true); !st.ok()) return st;
  if (std::string_view problem = server::CheckEmail(user.email); !problem.empty()) {
    return Status::InvalidArgument(std::string(problem));
  }
  if (Status st = text("password_hash", user.password_hash, true); !st.ok()) return st;
  if (!IsImportableHash(user.password_hash)) {
    return Status::InvalidArgument("password_hash is neither bcrypt ($2a$/$2b$/$2y$) nor argon2id");
  }
  if (Status st = text("role", user.role, false); !st.ok()) return st;
  if (!IsValidRole(user.role)) return Status::InvalidArgument("role must be 1-64 of [A-Za-z0-9_.-]");
  if (Status st = flag("is_premium", user.is_premium); !st.ok()) return st;
  if (Status st = flag("is_verified", user.is_email_verified); !st.ok()) return st;

  simdjson::dom::element id;
  if (object.at_key("id").get(id) == simdjson::SUCCESS && !id.is_null()) {
    std::string_view id_text;
    std::uint64_t id_number = 0;
    if (id.get_string().get(id_text) == simdjson::SUCCESS) {
      if (id_text.empty() || id_text.size() > 64) {
        return Status::InvalidArgument("id must be 1-64 characters");
      }
      for (char c : id_text) {
        if (c <= ' ' || c > '~') return Status::InvalidArgument("id must be printable ASCII");
      }
      user.id = std::string(id_text);
    } else if (id.get_uint64().get(id_number) == simdjson::SUCCESS) {
      user.id = std::to_string(id_number);
    } else {
      return Status::InvalidArgument("id must be a string or a whole number");
    }
  }
  return user;
}

}  // namespace sessionkit::ctl
