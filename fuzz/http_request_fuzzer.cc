// Fuzz target: the server's HTTP/1.1 request parser (server/http/request_parser.h).
//
// Input: two bytes choosing how to cut, then the bytes a client sends. The request is
// parsed twice: whole (one buffer, as when it arrives in one read), and cut into pieces
// of alternately byte0+1 and byte1+1 bytes fed one at a time (the parser keeps what it
// has not consumed, as a connection's buffer does). Both must reach the same outcome:
// both complete with the same bytes consumed and the same request (method, version,
// target, kept headers, body, keep-alive, Expect: 100-continue), or neither (with the
// same error, except where Beast's early check of an incomplete header differs: below). Limits are smaller than the server's (the code
// path is the same) so that the fuzzer's inputs reach them.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>

#include "fuzz/fuzz_check.h"
#include "server/http/request_parser.h"

namespace {

namespace http = boost::beast::http;
using sessionkit::server::RequestData;
using sessionkit::server::RequestParser;

constexpr std::uint32_t kHeaderLimit = 2048;
constexpr std::uint64_t kBodyLimit = 1024;


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

  if (whole.done != cut.done) {
    // Only at the header limit: Beast counts the bytes offered to one put(), and
    // RequestParser the running total of the header without the blanks around values,
    // so near the limit either may refuse first (found by this target: Beast alone let a
    // header of any size through when it arrived a line at a time).
    FUZZ_CHECK((whole.done ? cut : whole).error == http::error::header_limit);
    return 0;
  }
  if (!whole.done) {
    // Neither produced a request. Beast parses the fields of a header that arrived in
    // one read before its end is there, but waits for the end once it had to ask for
    // more: so an incomplete header with a bad byte is rejected whole and waited on in
    // pieces (the header limit or timeout ends the wait). Likewise a bad byte can be
    // found whole where the pieces hit the header or body limit first (e.g. a long bad
    // chunk extension: 400 whole, 413 in pieces). Two other errors must agree.
    const auto limit_or_wait = [](const boost::beast::error_code& ec) {
      return ec == http::error::need_more || ec == http::error::header_limit ||
             ec == http::error::body_limit;
    };
    FUZZ_CHECK(whole.error == cut.error || limit_or_wait(whole.error) ||
               limit_or_wait(cut.error));
    return 0;
  }
  FUZZ_CHECK(whole.consumed == cut.consumed);
  FUZZ_CHECK(whole.keep_alive == cut.keep_alive);
  const RequestData& a = *whole_data;
  const RequestData& b = *cut_data;
  FUZZ_CHECK(a.method() == b.method());
  FUZZ_CHECK(a.version() == b.version());
  FUZZ_CHECK(a.version() == 10 || a.version() == 11);
  FUZZ_CHECK(a.expect_continue() == b.expect_continue());
  FUZZ_CHECK(a.target() == b.target());
  FUZZ_CHECK(a.authorization() == b.authorization());
  FUZZ_CHECK(a.user_agent() == b.user_agent());
  FUZZ_CHECK(a.device_id() == b.device_id());
  FUZZ_CHECK(a.forwarded_for() == b.forwarded_for());
  FUZZ_CHECK(a.body() == b.body());
  FUZZ_CHECK(a.body().size() <= kBodyLimit);
  return 0;
}
