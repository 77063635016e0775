// Request bodies: a flat JSON object whose wanted fields are strings.
//
// ReadStringFields parses the body once (simdjson, one parser per thread) and copies
// the wanted fields out. An absent field or a JSON null leaves the target empty.
// Errors (Malformed, message safe to show a client and naming no value):
//   - empty body, invalid JSON, or a top-level value that is not an object;
//   - a wanted field present with a type other than string ("<name> must be a string").
// Unknown fields are ignored. Thread safety: reentrant (thread-local parser).
#ifndef SESSIONKIT_SERVER_JSON_BODY_H_
#define SESSIONKIT_SERVER_JSON_BODY_H_

#include <initializer_list>
#include <string>
#include <string_view>

#include "sessionkit/status.h"

namespace sessionkit::server {

struct StringField {
  std::string_view name;
  std::string* target;
};

Status ReadStringFields(std::string_view body, std::initializer_list<StringField> fields);

}  // namespace sessionkit::server

#endif  // SESSIONKIT_SERVER_JSON_BODY_H_
