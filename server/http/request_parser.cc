#include "server/http/request_parser.h"

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>

namespace sessionkit::server {

namespace http = boost::beast::http;

namespace {

// Buffers that grew past this for one large request are given back afterwards.
constexpr std::size_t kKeptBytes = 64 * 1024;

}  // namespace

void RequestData::Clear() {
  method_ = http::verb::unknown;
  version_ = 11;
  expect_continue_ = false;
  if (text_.capacity() > kKeptBytes) std::string().swap(text_);
  text_.clear();
  target_ = authorization_ = user_agent_ = device_id_ = forwarded_for_ = Slice{};
  cookie_ = origin_ = sec_fetch_site_ = csrf_token_ = auth_transport_ = forwarded_method_ =
      original_method_ = host_ = require_aal_ = Slice{};
  forwarded_for_joined_ = false;
  if (joined_forwarded_for_.capacity() > kKeptBytes) std::string().swap(joined_forwarded_for_);
  joined_forwarded_for_.clear();
  if (body_.capacity() > kKeptBytes) std::string().swap(body_);
  body_.clear();
}

void RequestData::Keep(Slice& slice, std::string_view value) {
  if (slice.set) return;  // the first of a repeated header, as Beast's lookup gave
  slice.offset = static_cast<std::uint32_t>(text_.size());
  slice.size = static_cast<std::uint32_t>(value.size());
  slice.set = true;
  text_.append(value);
}

void RequestData::KeepForwardedFor(std::string_view value) {
  if (!forwarded_for_.set) return Keep(forwarded_for_, value);  // the usual single line
  if (value.empty()) return;  // an empty line is no list element
  if (!forwarded_for_joined_) {
    forwarded_for_joined_ = true;
    joined_forwarded_for_.assign(View(forwarded_for_));
  }
  if (!joined_forwarded_for_.empty()) joined_forwarded_for_.append(", ");
  joined_forwarded_for_.append(value);
}

void RequestParser::Spend(std::size_t bytes, error_code& ec) {
  if (bytes > header_budget_) {
    header_budget_ = 0;
    ec = http::error::header_limit;
    return;
  }
  header_budget_ -= bytes;
}

void RequestParser::on_request_impl(http::verb method, string_view method_str, string_view target,
                                    int version, error_code& ec) {
  Spend(method_str.size() + target.size() + sizeof(" HTTP/1.1\r\n"), ec);
  if (ec) return;
  data_.method_ = method;
  data_.version_ = version;
  data_.Keep(data_.target_, target);
}

void RequestParser::on_field_impl(http::field name, string_view name_string, string_view value,
                                  error_code& ec) {
  Spend(name_string.size() + value.size() + 4, ec);  // ": " and CRLF
  if (ec) return;
  switch (name) {
    case http::field::authorization: return data_.Keep(data_.authorization_, value);
    case http::field::user_agent: return data_.Keep(data_.user_agent_, value);
    case http::field::expect:
      if (boost::beast::iequals(value, "100-continue")) data_.expect_continue_ = true;
      return;
    case http::field::cookie: return data_.Keep(data_.cookie_, value);
    case http::field::origin: return data_.Keep(data_.origin_, value);
    case http::field::host: return data_.Keep(data_.host_, value);
    case http::field::unknown:
      // The names the server reads have distinct lengths: one comparison per field.
      switch (name_string.size()) {
        case 11:
          if (boost::beast::iequals(name_string, "X-Device-Id")) {
            data_.Keep(data_.device_id_, value);
          }
          return;
        case 12:
          if (boost::beast::iequals(name_string, "X-CSRF-Token")) {
            data_.Keep(data_.csrf_token_, value);
          }
          return;
        case 13:
          if (boost::beast::iequals(name_string, "X-Require-AAL")) {
            data_.Keep(data_.require_aal_, value);
          }
          return;
        case 14:
          if (boost::beast::iequals(name_string, "Sec-Fetch-Site")) {
            data_.Keep(data_.sec_fetch_site_, value);
          }
          return;
        case 15:
          if (boost::beast::iequals(name_string, "X-Forwarded-For")) data_.KeepForwardedFor(value);
          return;
        case 16:
          if (boost::beast::iequals(name_string, "X-Auth-Transport")) {
            data_.Keep(data_.auth_transport_, value);
          }
          return;
        case 17:
          if (boost::beast::iequals(name_string, "X-Original-Method")) {
            data_.Keep(data_.original_method_, value);
          }
          return;
        case 18:
          if (boost::beast::iequals(name_string, "X-Forwarded-Method")) {
            data_.Keep(data_.forwarded_method_, value);
          }
          return;
        default:
          return;
      }
    default:
      return;
  }
}

void RequestParser::on_body_init_impl(const boost::optional<std::uint64_t>& content_length,
                                      error_code&) {
  // The body limit was checked against Content-Length before this is called.
  if (content_length) data_.body_.reserve(static_cast<std::size_t>(*content_length));
}

std::size_t RequestParser::on_body_impl(string_view body, error_code&) {
  data_.body_.append(body.data(), body.size());
  return body.size();
}

std::size_t RequestParser::on_chunk_body_impl(std::uint64_t, string_view body, error_code&) {
  data_.body_.append(body.data(), body.size());
  return body.size();
}

}  // namespace sessionkit::server
