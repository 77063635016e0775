// Log line formats of the server: `text` (the default: "2026-01-02T03:04:05.678Z info
// message") and `json` (LOG_FORMAT=json): one JSON object per line, for log shippers.
//
// A JSON line has the stable keys, in this order:
//   ts     UTC time, RFC 3339 with milliseconds ("2026-01-02T03:04:05.678Z")
//   level  trace, debug, info, warning, error or critical (spdlog's names, as in text)
//   event  the message's leading lower-case words before a ':' or a non-word token, in
//          snake_case ("session created: ..." -> "session_created", "listening on ..."
//          -> "listening_on"); "message" when the text starts otherwise
//   msg    the whole message, exactly the text line's message
// then one string key per `name=value` pair of the message (`user_id=42 reason=logout`
// -> "user_id":"42","reason":"logout"; a value runs to the next ` name=`; a quoted value,
// as written by {:?}, is unquoted). A name that repeats, or is one of the four keys
// above, is left in msg only. The JSON carries exactly what the text line carries, so
// the rule that no secret reaches a log line holds for both. Strings are escaped so that
// every line is valid JSON, whatever bytes a message holds (invalid UTF-8 -> U+FFFD).
//
// Thread safety: the formatter is used under spdlog's sink lock, like the pattern
// formatter; the free functions are pure.
#ifndef SESSIONKIT_SERVER_APP_LOG_FORMAT_H_
#define SESSIONKIT_SERVER_APP_LOG_FORMAT_H_

#include <spdlog/formatter.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

namespace sessionkit::server {

// The `event` key of a message (see above).
std::string LogEventName(std::string_view message);

// Appends one JSON log line (with its '\n') to `out`.
void AppendJsonLogLine(std::string& out, std::chrono::system_clock::time_point time,
                       std::string_view level, std::string_view message);

// An spdlog formatter writing AppendJsonLogLine's lines.
std::unique_ptr<spdlog::formatter> MakeJsonLogFormatter();

}  // namespace sessionkit::server

#endif  // SESSIONKIT_SERVER_APP_LOG_FORMAT_H_
