// RFC 3339 timestamps for API responses: UTC, whole seconds, "Z"
// ("2025-01-20T10:00:00Z"), the form the session records use. Thread-safe.
#ifndef SESSIONKIT_SERVER_TIME_FORMAT_H_
#define SESSIONKIT_SERVER_TIME_FORMAT_H_

#include <string>

#include "sessionkit/clock.h"

namespace sessionkit::server {

std::string FormatRfc3339(TimePoint t);

}  // namespace sessionkit::server

#endif  // SESSIONKIT_SERVER_TIME_FORMAT_H_
