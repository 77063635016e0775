// RFC 3339 timestamps for API responses: UTC, whole seconds, "Z"
// ("2025-01-20T10:00:00Z"), the form the session records use. Thread-safe.
//
// The server writes times with the library's one formatter (src/util/rfc3339.h); this
// header only makes it available under sessionkit::server.
#ifndef SESSIONKIT_SERVER_TIME_FORMAT_H_
#define SESSIONKIT_SERVER_TIME_FORMAT_H_

#include "src/util/rfc3339.h"

namespace sessionkit::server {

using internal::FormatRfc3339;

}  // namespace sessionkit::server

#endif  // SESSIONKIT_SERVER_TIME_FORMAT_H_
