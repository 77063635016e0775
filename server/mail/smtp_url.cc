#include "server/mail/smtp_url.h"

#include <charconv>

namespace sessionkit::server {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool PercentDecode(std::string_view in, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out.push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size()) return false;
    const int hi = HexValue(in[i + 1]);
    const int lo = HexValue(in[i + 2]);
    if (hi < 0 || lo < 0) return false;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return true;
}

// Splits "scheme://rest"; false when it is not smtp or smtps.
bool SplitScheme(std::string_view text, bool& tls, std::string_view& rest) {
  if (text.starts_with("smtp://")) {
    tls = false;
    rest = text.substr(7);
    return true;
  }
  if (text.starts_with("smtps://")) {
    tls = true;
    rest = text.substr(8);
    return true;
  }
  return false;
}

}  // namespace

std::string SmtpUrl::CurlUrl() const {
  return std::string(tls ? "smtps://" : "smtp://") + host + ":" + std::to_string(port);
}

Result<SmtpUrl> ParseSmtpUrl(std::string_view text) {
  SmtpUrl url;
  std::string_view rest;
  if (!SplitScheme(text, url.tls, rest)) {
    return Status::InvalidArgument("SMTP_URL must start with smtp:// or smtps://");
  }
  // Nothing after the authority but an optional "/".
  if (std::size_t slash = rest.find('/'); slash != std::string_view::npos) {
    if (slash + 1 != rest.size()) {
      return Status::InvalidArgument("SMTP_URL must be smtp[s]://[user:password@]host:port");
    }
    rest = rest.substr(0, slash);
  }
  if (std::size_t at = rest.rfind('@'); at != std::string_view::npos) {
    std::string_view userinfo = rest.substr(0, at);
    rest = rest.substr(at + 1);
    std::string_view user = userinfo;
    std::string_view password;
    if (std::size_t colon = userinfo.find(':'); colon != std::string_view::npos) {
      user = userinfo.substr(0, colon);
      password = userinfo.substr(colon + 1);
    }
    if (!PercentDecode(user, url.user) || !PercentDecode(password, url.password)) {
      return Status::InvalidArgument("SMTP_URL has a malformed %-escape in its user or password");
    }
    if (url.user.empty()) return Status::InvalidArgument("SMTP_URL has a password but no user");
  }
  std::string_view host = rest;
  std::string_view port_text;
  if (rest.starts_with('[')) {
    std::size_t close = rest.find(']');
    if (close == std::string_view::npos) return Status::InvalidArgument("SMTP_URL has a bad [IPv6] host");
    host = rest.substr(0, close + 1);
    std::string_view after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return Status::InvalidArgument("SMTP_URL has a bad [IPv6] host");
      port_text = after.substr(1);
    }
  } else if (std::size_t colon = rest.rfind(':'); colon != std::string_view::npos) {
    host = rest.substr(0, colon);
    port_text = rest.substr(colon + 1);
  }
  if (host.empty() || host.find_first_of(" \t\r\n%") != std::string_view::npos) {
    return Status::InvalidArgument("SMTP_URL must name a host");
  }
  url.host = std::string(host);
  if (port_text.empty()) {
    url.port = url.tls ? 465 : 587;
  } else {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || value == 0 ||
        value > 65535) {
      return Status::InvalidArgument("SMTP_URL has a bad port (1-65535)");
    }
    url.port = static_cast<std::uint16_t>(value);
  }
  return url;
}

std::string RedactSmtpUrl(std::string_view text) {
  bool tls = false;
  std::string_view rest;
  if (!SplitScheme(text, tls, rest)) {
    // Not an SMTP URL at all: show only that much (it might hold anything).
    return "(not an smtp:// URL)";
  }
  std::size_t at = rest.rfind('@');
  std::size_t colon = rest.find(':');
  if (at == std::string_view::npos || colon == std::string_view::npos || colon > at) {
    return std::string(text);
  }
  return std::string(tls ? "smtps://" : "smtp://") + std::string(rest.substr(0, colon)) + ":***" +
         std::string(rest.substr(at));
}

}  // namespace sessionkit::server
