#include "server/app/log_format.h"

#include <ctime>
#include <vector>

#include "src/util/json_writer.h"

namespace sessionkit::server {
namespace {

bool IsLower(char c) { return c >= 'a' && c <= 'z'; }
bool IsNameChar(char c) { return IsLower(c) || c == '_' || (c >= '0' && c <= '9'); }

// The position of the next ` name=` after `from` (the blank's index), or npos.
std::size_t NextPair(std::string_view text, std::size_t from) {
  for (std::size_t i = from; i < text.size(); ++i) {
    if (text[i] != ' ') continue;
    std::size_t j = i + 1;
    if (j >= text.size() || !IsLower(text[j])) continue;
    while (j < text.size() && IsNameChar(text[j])) ++j;
    if (j < text.size() && text[j] == '=') return i;
  }
  return std::string_view::npos;
}

// A value written by fmt's {:?}: "..." with \" \\ \n \t \r \xNN \uNNNN escapes. Returns
// the decoded text and sets `end` past the closing quote, or false if it is not one.
bool DecodeQuoted(std::string_view text, std::size_t start, std::string& out, std::size_t& end) {
  out.clear();
  for (std::size_t i = start + 1; i < text.size(); ++i) {
    char c = text[i];
    if (c == '"') {
      end = i + 1;
      return true;
    }
    if (c != '\\') {
      out += c;
      continue;
    }
    if (++i >= text.size()) return false;
    switch (text[i]) {
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      case 'r': out += '\r'; break;
      case '"': out += '"'; break;
      case '\'': out += '\''; break;
      case '\\': out += '\\'; break;
      default: out += '\\'; out += text[i]; break;  // kept as written
    }
  }
  return false;
}

struct Pair {
  std::string name;
  std::string value;
};

std::vector<Pair> PairsOf(std::string_view message) {
  std::vector<Pair> pairs;
  // The first pair may open the message ("name=..."); the others follow a blank.
  std::size_t j = 0;
  while (j < message.size() && IsNameChar(message[j])) ++j;
  const bool opens = j > 0 && IsLower(message[0]) && j < message.size() && message[j] == '=';
  std::size_t at = opens ? 0 : NextPair(message, 0);
  while (at != std::string_view::npos) {
    std::size_t name_start = message[at] == ' ' ? at + 1 : at;
    std::size_t eq = message.find('=', name_start);
    Pair pair{std::string(message.substr(name_start, eq - name_start)), {}};
    std::size_t value_start = eq + 1;
    std::size_t next;
    std::size_t quoted_end = 0;
    if (value_start < message.size() && message[value_start] == '"' &&
        DecodeQuoted(message, value_start, pair.value, quoted_end)) {
      next = NextPair(message, quoted_end);
    } else {
      next = NextPair(message, value_start);
      std::string_view value = message.substr(value_start, next == std::string_view::npos
                                                               ? std::string_view::npos
                                                               : next - value_start);
      while (!value.empty() && (value.back() == ',' || value.back() == ';' || value.back() == ' ')) {
        value.remove_suffix(1);
      }
      pair.value = std::string(value);
    }
    pairs.push_back(std::move(pair));
    at = next;
  }
  return pairs;
}

void AppendTimestamp(std::string& out, std::chrono::system_clock::time_point time) {
  using namespace std::chrono;
  const auto ms = duration_cast<milliseconds>(time.time_since_epoch()).count();
  std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  if (ms < 0 && ms % 1000 != 0) --seconds;
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[40];
  int millis = static_cast<int>(((ms % 1000) + 1000) % 1000);
  std::size_t n = std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
  out.append(buf, n);
  char frac[8];
  std::snprintf(frac, sizeof(frac), ".%03dZ", millis);
  out += frac;
}

class JsonLogFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    line_.clear();
    spdlog::string_view_t level = spdlog::level::to_string_view(msg.level);
    AppendJsonLogLine(line_, msg.time, std::string_view(level.data(), level.size()),
                      std::string_view(msg.payload.data(), msg.payload.size()));
    dest.append(line_.data(), line_.data() + line_.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonLogFormatter>();
  }

 private:
  std::string line_;  // reused: one line's text
};

}  // namespace

std::string LogEventName(std::string_view message) {
  std::string event;
  std::size_t i = 0;
  while (i < message.size() && IsLower(message[i])) {
    std::size_t start = i;
    while (i < message.size() && (IsLower(message[i]) || message[i] == '-')) ++i;
    std::string_view word = message.substr(start, i - start);
    const bool ends_word = i == message.size() || message[i] == ' ' || message[i] == ':';
    if (!ends_word) break;  // "user_id=", "127.0.0.1": not a word of the event
    if (!event.empty()) event += '_';
    for (char c : word) event += c == '-' ? '_' : c;
    if (i == message.size() || message[i] == ':') break;
    ++i;  // the blank
  }
  while (!event.empty() && event.back() == '_') event.pop_back();
  return event.empty() ? "message" : event;
}

void AppendJsonLogLine(std::string& out, std::chrono::system_clock::time_point time,
                       std::string_view level, std::string_view message) {
  out += "{\"ts\":\"";
  AppendTimestamp(out, time);
  out += "\",\"level\":";
  internal::AppendJsonString(out, level);
  out += ",\"event\":";
  internal::AppendJsonString(out, LogEventName(message));
  out += ",\"msg\":";
  internal::AppendJsonString(out, message);
  std::vector<std::string> seen = {"ts", "level", "event", "msg"};
  for (Pair& pair : PairsOf(message)) {
    bool duplicate = false;
    for (const std::string& name : seen) duplicate = duplicate || name == pair.name;
    if (duplicate) continue;
    out += ',';
    internal::AppendJsonString(out, pair.name);
    out += ':';
    internal::AppendJsonString(out, pair.value);
    seen.push_back(std::move(pair.name));
  }
  out += "}\n";
}

std::unique_ptr<spdlog::formatter> MakeJsonLogFormatter() {
  return std::make_unique<JsonLogFormatter>();
}

}  // namespace sessionkit::server
