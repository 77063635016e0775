// Fuzz target: the server's HTTP/1.1 request parser (server/http/request_parser.h).
//
// Input: two bytes choosing how to cut, then the bytes a client sends. The request is
// parsed twice: whole (one buffer, as when it arrives in one read), and cut into pieces
// of alternately byte0+1 and byte1+1 bytes fed one at a time (the parser keeps what it
// has not consumed, as a connection's buffer does). Both must reach the same outcome:
// the same error, or both still waiting for bytes, or both complete with the same bytes
// consumed and the same request (method, version, target, kept headers, body,
// keep-alive, Expect: 100-continue). Limits are smaller than the server's (the code
// path is the same) so that the fuzzer's inputs reach them.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>

#include "server/http/request_parser.h"

namespace {

namespace http = boost::beast::http;
using sessionkit::server::RequestData;
using sessionkit::server::RequestParser;

constexpr std::uint32_t kHeaderLimit = 2048;
constexpr std::uint64_t kBodyLimit = 1024;

void Check(bool ok) {
  if (!ok) std::abort();
}

struct Outcome {
  boost::beast::error_code error;  // need_more: the bytes ran out first
  bool done = false;
  bool keep_alive = false;
  std::size_t consumed = 0;
};

// Offers `pending` to the parser until it wants more bytes, fails, or is done; removes
// what it consumed. Returns false when the parse is over (done or failed).
bool Pump(RequestParser& parser, std::string& pending, Outcome& outcome) {
  while (!parser.is_done()) {
    boost::beast::error_code ec;
    const std::size_t used = parser.put(boost::asio::buffer(pending), ec);
    pending.erase(0, used);
    outcome.consumed += used;
    if (ec == http::error::need_more) return true;
    if (ec) {
      outcome.error = ec;
      return false;
    }
    if (used == 0 && !parser.is_done()) return true;  // nothing to do without more bytes
  }
  return false;
}

Outcome Parse(RequestData& data, std::string_view wire, std::size_t step_a, std::size_t step_b) {
  data.Clear();
  RequestParser parser(data);
  parser.header_limit(kHeaderLimit);
  parser.body_limit(kBodyLimit);
  Outcome outcome;
  std::string pending;
  bool more = true;
  for (std::size_t at = 0, piece = 0; more && at < wire.size(); ++piece) {
    const std::size_t step = piece % 2 == 0 ? step_a : step_b;
    pending.append(wire.substr(at, step));
    at += std::min(step, wire.size() - at);
    more = Pump(parser, pending, outcome);
  }
  outcome.done = parser.is_done();
  if (outcome.done) outcome.keep_alive = parser.keep_alive();
  if (!outcome.done && !outcome.error) outcome.error = http::error::need_more;
  return outcome;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::size_t step_a = std::size_t{data[0]} + 1, step_b = std::size_t{data[1]} + 1;
  const std::string_view wire(reinterpret_cast<const char*>(data + 2), size - 2);

  static RequestData* whole_data = new RequestData();
  static RequestData* cut_data = new RequestData();
  const Outcome whole = Parse(*whole_data, wire, wire.size() + 1, wire.size() + 1);
  const Outcome cut = Parse(*cut_data, wire, step_a, step_b);

  Check(whole.error == cut.error);
  Check(whole.done == cut.done);
  if (!whole.done) return 0;
  Check(whole.consumed == cut.consumed);
  Check(whole.keep_alive == cut.keep_alive);
  const RequestData& a = *whole_data;
  const RequestData& b = *cut_data;
  Check(a.method() == b.method());
  Check(a.version() == b.version());
  Check(a.version() == 10 || a.version() == 11);
  Check(a.expect_continue() == b.expect_continue());
  Check(a.target() == b.target());
  Check(a.authorization() == b.authorization());
  Check(a.user_agent() == b.user_agent());
  Check(a.device_id() == b.device_id());
  Check(a.forwarded_for() == b.forwarded_for());
  Check(a.body() == b.body());
  Check(a.body().size() <= kBodyLimit);
  return 0;
}
