// Test sessions with predictable ids and every field filled in.
//
// TestSessionId(n) is a well-formed id ("sess_" + 64 lowercase hex) that encodes n, so
// ids sort like their numbers: TestSessionId(2) < TestSessionId(10). MakeTestSession
// fills every field of API.md §2 (a User-Agent with quotes and non-ASCII text, to
// exercise escaping) with created_at = last_seen = `now` and expires_at = now + ttl.
// Use whole-second `now` values: records are written with whole seconds.
//
// Thread-safe (pure functions).
#ifndef SESSIONKIT_TESTING_SESSION_FACTORY_H_
#define SESSIONKIT_TESTING_SESSION_FACTORY_H_

#include <chrono>
#include <cstdint>
#include <string>

#include "sessionkit/clock.h"
#include "sessionkit/session.h"

namespace sessionkit::testing {

std::string TestSessionId(std::uint64_t n);

Session MakeTestSession(std::string id, std::string user_id, TimePoint now,
                        std::chrono::seconds ttl = std::chrono::hours(1));

}  // namespace sessionkit::testing

#endif  // SESSIONKIT_TESTING_SESSION_FACTORY_H_
