#include "testing/session_factory.h"

#include <cstdio>
#include <utility>

namespace sessionkit::testing {

std::string TestSessionId(std::uint64_t n) {
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(n));
  return std::string(kSessionIdPrefix) + std::string(48, '0') + hex;
}

Session MakeTestSession(std::string id, std::string user_id, TimePoint now,
                        std::chrono::seconds ttl) {
  Session s;
  s.id = std::move(id);
  s.username = "user " + user_id;
  s.user_id = std::move(user_id);
  s.purpose = "login";
  s.ip_address = "203.0.113.7";
  s.user_agent = "Mozilla/5.0 (X11; \"Linux\" x86_64) caf\xc3\xa9/1.0 \xe2\x9c\x93";
  s.device_id = "fp_0123456789ab";
  s.created_at = now;
  s.last_seen = now;
  s.expires_at = now + ttl;
  return s;
}

}  // namespace sessionkit::testing
