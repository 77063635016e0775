// Session: the record of API.md §2, its id format (§1) and its JSON codec.
//
// The JSON is the bytes the Go services keep under `session:<id>` in Redis; sessionkit
// reads theirs and writes records they can read. Decoding accepts any RFC 3339 time
// (fractional seconds, offsets), ignores unknown fields and tolerates the optional ones
// (username, purpose, ip_address, user_agent, device_id, last_seen). Encoding writes UTC
// with whole seconds and `Z`.
//
// A decoded Session keeps the exact bytes it came from in `raw`. A sliding rewrite
// (RewriteSessionTimes) changes only `last_seen` and `expires_at` in those bytes, so
// every other field -- unknown ones included, and a numeric `user_id` -- survives.
//
// All functions are thread-safe (no shared state) and never throw.
#ifndef SESSIONKIT_SESSION_H_
#define SESSIONKIT_SESSION_H_

#include <string>
#include <string_view>

#include "sessionkit/clock.h"
#include "sessionkit/result.h"

namespace sessionkit {

struct Session {
  std::string id;                   // "sess_" + 64 lowercase hex
  std::string user_id;              // as text; a JSON number keeps its literal digits
  bool user_id_is_number = false;   // JSON type of user_id as read (encoded back the same way)
  std::string username;
  std::string purpose;              // "login", "register", or caller-defined
  std::string ip_address;
  std::string user_agent;
  std::string device_id;
  TimePoint created_at{};
  TimePoint expires_at{};           // dead at or after this instant
  TimePoint last_seen{};            // time of the last sliding write (created_at if absent)
  // Authenticator assurance level (API.md §9): 2 for a session made through the second
  // factor, else 1. Written to the JSON only when 2 (`"aal": 2`); read as 2 only from
  // the number 2. A sliding rewrite keeps it (it keeps every field).
  int aal = 1;
  std::string raw;                  // the JSON as read from a store; empty for a new session
};

// --- ids (API.md §1) ---------------------------------------------------------

inline constexpr std::string_view kSessionIdPrefix = "sess_";
inline constexpr std::size_t kSessionIdLength = 5 + 64;

// A new id: "sess_" + 64 lowercase hex of 32 CSPRNG bytes. Unavailable only if the
// system CSPRNG fails.
Result<std::string> NewSessionId();

// True iff `id` is exactly "sess_" + 64 lowercase hex. Checked before any store lookup.
bool IsWellFormedSessionId(std::string_view id) noexcept;

// For logs: the first 12 characters of the id and an ellipsis ("sess_1a2b3c4…"), never
// the whole id. Input that is not a well-formed id gives "<malformed>".
std::string ShortSessionId(std::string_view id);

// API.md §2 device_id: `header` if it is 1..128 printable ASCII characters (0x21..0x7e
// and space), else "fp_" + first 12 hex of SHA-256(user_agent).
std::string DeriveDeviceId(std::string_view header, std::string_view user_agent);

// --- JSON codec (API.md §2) --------------------------------------------------

// Parses a record. Malformed if the JSON is invalid or `id`, `user_id`, `created_at` or
// `expires_at` is missing or of the wrong type. On success `raw` holds a copy of `json`.
Result<Session> DecodeSession(std::string_view json);

// A fresh record with the fields of `s` (ignores s.raw). Times in whole seconds, UTC, `Z`.
std::string EncodeSession(const Session& s);

// Rewrites only `last_seen` and `expires_at` of a stored record, preserving every other
// byte; a missing `last_seen` is appended. Malformed if `raw` is not a JSON object.
Result<std::string> RewriteSessionTimes(std::string_view raw, TimePoint last_seen,
                                        TimePoint expires_at);

}  // namespace sessionkit

#endif  // SESSIONKIT_SESSION_H_
