// Fuzz target: one line of `sessionkit-ctl users import` (ParseImportLine,
// ctl/import_line.h): the Go service's users as JSON lines, read from a file an
// operator was handed.
//
// Input: one line (any bytes).
//
// Properties beyond "no crash":
//   - an accepted line gives a user that obeys the import rules: username and email
//     pass the registration checks, the hash is importable (bcrypt / argon2id), the
//     role is valid, the id is empty or 1-64 printable ASCII characters;
//   - round trip: that user written back as a JSON line parses to the same user;
//   - a refused line's message never holds its password_hash, for a hash shaped like
//     one ('$' then 15 bytes or more) that is not a piece of the one fixed message that
//     quotes '$' ("... bcrypt ($2a$/$2b$/$2y$) nor argon2id"): shorter or other strings
//     can be words of the fixed messages.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <simdjson.h>

#include "ctl/import_line.h"
#include "fuzz/fuzz_check.h"
#include "server/users/validation.h"

namespace {

using sessionkit::User;

constexpr std::string_view kHashShapeMessage =
    "password_hash is neither bcrypt ($2a$/$2b$/$2y$) nor argon2id";

void AppendJsonString(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (byte < 0x20) {
      out.append("\\u00").push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 0xf]);
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
}

std::string AsLine(const User& user) {
  std::string line = "{\"username\":";
  AppendJsonString(line, user.username);
  line.append(",\"email\":");
  AppendJsonString(line, user.email);
  line.append(",\"password_hash\":");
  AppendJsonString(line, user.password_hash);
  line.append(",\"role\":");
  AppendJsonString(line, user.role);
  line.append(",\"is_premium\":").append(user.is_premium ? "true" : "false");
  line.append(",\"is_verified\":").append(user.is_email_verified ? "true" : "false");
  if (!user.id.empty()) {
    line.append(",\"id\":");
    AppendJsonString(line, user.id);
  }
  line.push_back('}');
  return line;
}

bool SameUser(const User& a, const User& b) {
  return a.id == b.id && a.username == b.username && a.email == b.email &&
         a.password_hash == b.password_hash && a.role == b.role &&
         a.is_premium == b.is_premium && a.is_email_verified == b.is_email_verified;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view line(reinterpret_cast<const char*>(data), size);
  sessionkit::Result<User> parsed = sessionkit::ctl::ParseImportLine(line);
  if (!parsed.ok()) {
    thread_local simdjson::dom::parser parser;
    simdjson::dom::element root;
    std::string_view hash;
    if (parser.parse(line.data(), line.size(), true).get(root) == simdjson::SUCCESS &&
        root["password_hash"].get_string().get(hash) == simdjson::SUCCESS && hash.size() >= 16 && hash.front() == '$' &&
        kHashShapeMessage.find(hash) == std::string_view::npos) {
      FUZZ_CHECK(parsed.status().message().find(hash) == std::string_view::npos);
    }
    return 0;
  }
  const User& user = *parsed;
  FUZZ_CHECK(sessionkit::server::CheckUsername(user.username).empty());
  FUZZ_CHECK(sessionkit::server::CheckEmail(user.email).empty());
  FUZZ_CHECK(sessionkit::ctl::IsImportableHash(user.password_hash));
  FUZZ_CHECK(sessionkit::ctl::IsValidRole(user.role));
  FUZZ_CHECK(user.id.size() <= 64);
  for (char c : user.id) FUZZ_CHECK(c > ' ' && c <= '~');

  sessionkit::Result<User> again = sessionkit::ctl::ParseImportLine(AsLine(user));
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(SameUser(user, *again));
  return 0;
}
