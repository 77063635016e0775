#include "server/handlers/views.h"

#include "sessionkit/user_agent.h"
#include "src/util/rfc3339.h"

namespace sessionkit::server {

void WriteUser(internal::JsonWriter& w, const User& user) {
  w.BeginObject()
      .Key("id").String(user.id)
      .Key("username").String(user.username)
      .Key("email").String(user.email)
      .Key("role").String(user.role)
      .Key("is_premium").Bool(user.is_premium)
      .EndObject();
}

void WriteUserFromClaims(internal::JsonWriter& w, const AccessClaims& claims) {
  w.BeginObject().Key("id");
  internal::WriteUserId(w, claims.user_id, claims.user_id_is_number);
  w.Key("username").String(claims.username)
      .Key("email").String(claims.email)
      .Key("role").String(claims.role.empty() ? std::string_view("user") : claims.role)
      .Key("is_premium").Bool(claims.is_premium)
      .EndObject();
}

void WriteSession(internal::JsonWriter& w, const Session& s, bool current, SessionShape shape) {
  w.BeginObject().Key("id").String(s.id).Key("user_id");
  internal::WriteUserId(w, s.user_id, s.user_id_is_number);
  w.Key("username").String(s.username)
      .Key("purpose").String(s.purpose)
      .Key("ip_address").String(s.ip_address)
      .Key("user_agent").String(s.user_agent)
      .Key("device_id").String(s.device_id)
      .Key("created_at").String(internal::FormatRfc3339(s.created_at))
      .Key("expires_at").String(internal::FormatRfc3339(s.expires_at))
      .Key("last_seen").String(internal::FormatRfc3339(s.last_seen))
      .Key("current").Bool(current)
      .Key("aal").Int(s.aal);  // API.md §9: 2 when made through the second factor
  if (shape == SessionShape::kRecord) {
    w.EndObject();
    return;
  }
  // API.md §8: what a person recognises of the User-Agent ("Firefox 128", "Windows").
  UserAgentInfo client = ParseUserAgent(s.user_agent);
  w.Key("client").BeginObject()
      .Key("browser").String(client.browser)
      .Key("os").String(client.os)
      .Key("device_type").String(DeviceTypeName(client.device_type))
      .EndObject();
  w.EndObject();
}

}  // namespace sessionkit::server
