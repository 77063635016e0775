// RequestParser: Beast's HTTP/1.1 request parser (basic_parser: the syntax, the
// header/body limits, chunked bodies, keep-alive rules) keeping only what the handlers
// read, in storage the connection reuses from one request to the next.
//
// Beast's ready-made request_parser builds a field list with one allocation per header
// and a fresh body string for every request; this one copies the request target and the
// few header values the server reads (Authorization, User-Agent, X-Device-Id: the first
// of each, as Beast's lookup returned; Expect: 100-continue as a flag) into one string,
// and the body into another, both kept by the connection with their capacity, so a
// typical request costs no allocation.
//
// X-Forwarded-For is a list: repeated field lines are one value, joined in order with
// ", " (RFC 9110 §5.3), since a proxy may append its own line after the client's (the
// right-to-left walk of client_ip.h must see the proxy's hop last). A single line stays
// a view into the shared string; only a repeated one is copied, into a second string
// the connection also keeps. Empty lines add no list element.
//
// A parser parses one request (construct a new one for the next, with the same
// RequestData after Clear()). The views of RequestData point into its own strings and
// are valid until the next Clear(); those of the header once the header is complete.
// Not thread-safe (one per connection, on its loop).
#ifndef SESSIONKIT_SERVER_HTTP_REQUEST_PARSER_H_
#define SESSIONKIT_SERVER_HTTP_REQUEST_PARSER_H_

#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/verb.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace sessionkit::server {

// What the server keeps of a request.
class RequestData {
 public:
  boost::beast::http::verb method() const noexcept { return method_; }
  int version() const noexcept { return version_; }  // 10 or 11
  bool expect_continue() const noexcept { return expect_continue_; }
  std::string_view target() const noexcept { return View(target_); }
  std::string_view authorization() const noexcept { return View(authorization_); }
  std::string_view user_agent() const noexcept { return View(user_agent_); }
  std::string_view device_id() const noexcept { return View(device_id_); }
  std::string_view require_aal() const noexcept { return View(require_aal_); }
  std::string_view cookie() const noexcept { return View(cookie_); }
  std::string_view origin() const noexcept { return View(origin_); }
  std::string_view sec_fetch_site() const noexcept { return View(sec_fetch_site_); }
  std::string_view csrf_token() const noexcept { return View(csrf_token_); }
  std::string_view auth_transport() const noexcept { return View(auth_transport_); }
  // X-Forwarded-Method if sent, else X-Original-Method ("" if neither).
  std::string_view forwarded_method() const noexcept {
    return forwarded_method_.set ? View(forwarded_method_) : View(original_method_);
  }
  std::string_view host() const noexcept { return View(host_); }
  // Every X-Forwarded-For line, joined with ", " ("" if absent).
  std::string_view forwarded_for() const noexcept {
    return forwarded_for_joined_ ? std::string_view(joined_forwarded_for_)
                                 : View(forwarded_for_);
  }
  std::string_view body() const noexcept { return body_; }

  // Forgets the request, keeping the capacity (up to a bound: a large body's buffer is
  // given back).
  void Clear();

 private:
  friend class RequestParser;
  struct Slice {
    std::uint32_t offset = 0;
    std::uint32_t size = 0;
    bool set = false;
  };
  // Slices always lie inside text_ (Keep made them): no bounds check, so this inlines.
  std::string_view View(Slice s) const noexcept {
    return std::string_view(text_.data() + s.offset, s.size);
  }
  void Keep(Slice& slice, std::string_view value);
  void KeepForwardedFor(std::string_view value);

  boost::beast::http::verb method_ = boost::beast::http::verb::unknown;
  int version_ = 11;
  bool expect_continue_ = false;
  std::string text_;  // the target and the kept header values, back to back
  Slice target_, authorization_, user_agent_, device_id_, forwarded_for_;
  Slice require_aal_;  // X-Require-AAL
  Slice cookie_, origin_, sec_fetch_site_, csrf_token_, auth_transport_, forwarded_method_,
      original_method_, host_;
  // X-Forwarded-For when it came in more than one line (then forwarded_for_ is unused).
  bool forwarded_for_joined_ = false;
  std::string joined_forwarded_for_;
  std::string body_;
};

class RequestParser final : public boost::beast::http::basic_parser<true> {
 public:
  explicit RequestParser(RequestData& data) : data_(data) {}

  // Beast applies its header limit to the bytes offered to one put(), so a header that
  // arrives in small pieces (each put consuming whole lines) is never refused
  // (fuzz/http_request_fuzzer.cc). This sets Beast's limit and also bounds the running
  // total of the request line and fields seen (names, values, 4 bytes of separators
  // per line; whitespace around values is not counted), failing with header_limit.
  void header_limit(std::uint32_t bytes) {
    header_budget_ = bytes;
    basic_parser::header_limit(bytes);
  }

 private:
  using string_view = boost::beast::string_view;
  using error_code = boost::beast::error_code;

  void on_request_impl(boost::beast::http::verb method, string_view method_str, string_view target,
                       int version, error_code& ec) override;
  void on_response_impl(int, string_view, int, error_code&) override {}
  void on_field_impl(boost::beast::http::field name, string_view name_string, string_view value,
                     error_code& ec) override;
  void on_header_impl(error_code&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>& content_length,
                         error_code& ec) override;
  std::size_t on_body_impl(string_view body, error_code& ec) override;
  void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t remain, string_view body, error_code& ec) override;
  void on_finish_impl(error_code&) override {}

  // Spends `bytes` of the header budget; header_limit once it is exhausted.
  void Spend(std::size_t bytes, error_code& ec);

  RequestData& data_;
  std::uint64_t header_budget_ = 8 * 1024;  // Beast's default header limit
};

}  // namespace sessionkit::server

#endif  // SESSIONKIT_SERVER_HTTP_REQUEST_PARSER_H_
