#include "src/account/login_throttle.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <utility>

#include "src/crypto/hex.h"
#include "src/crypto/sha256.h"

namespace sessionkit::internal {
namespace {

constexpr std::size_t kMaxIdentifierInKey = 256;

using Millis = std::chrono::milliseconds;

// The Retry-After of one window, or 0 when it is under its limit (or the limit is off).
std::int64_t Refusal(const FailureWindow& w, std::uint32_t limit, std::chrono::seconds window,
                     TimePoint now) {
  if (limit == 0 || w.count < limit) return 0;
  return RetryAfterSeconds(w.oldest, window, now);
}

}  // namespace

std::string IdentifierKey(std::string_view identifier) {
  if (identifier.size() > kMaxIdentifierInKey) {
    return "idh:" + HexLower(AsBytes(Sha256(identifier)));
  }
  std::string key = "id:";
  key.reserve(key.size() + identifier.size());
  for (char c : identifier) {
    key.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
  }
  return key;
}

std::string IpKey(std::string_view client_ip) {
  // One IPv6 subscriber usually holds a whole /64 and may pick any address in it, so the
  // window counts the /64 (its first 8 bytes), not the address.
  char text[INET6_ADDRSTRLEN + 1];
  unsigned char bytes[16];
  if (client_ip.size() < sizeof(text) && client_ip.find(':') != std::string_view::npos) {
    std::memcpy(text, client_ip.data(), client_ip.size());
    text[client_ip.size()] = '\0';
    static constexpr unsigned char kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (inet_pton(AF_INET6, text, bytes) == 1) {
      if (std::memcmp(bytes, kMappedPrefix, sizeof(kMappedPrefix)) == 0 &&
          inet_ntop(AF_INET, bytes + 12, text, sizeof(text)) != nullptr) {
        return "ip:" + std::string(text);  // an IPv4 client seen through an IPv6 socket
      }
      std::memset(bytes + 8, 0, 8);
      if (inet_ntop(AF_INET6, bytes, text, sizeof(text)) != nullptr) {
        return "ip:" + std::string(text) + "/64";
      }
    }
  }
  return "ip:" + std::string(client_ip);
}

std::int64_t RetryAfterSeconds(TimePoint oldest, std::chrono::seconds window, TimePoint now) {
  auto left = std::chrono::ceil<std::chrono::seconds>(oldest + window - now).count();
  return std::max<std::int64_t>(left, 1);
}

void LoginThrottle::CheckAsync(std::string id_key, std::string ip_key, TimePoint now,
                               ThrottleCallback done) const {
  // The IP window second, so the answer can carry the larger Retry-After of the two.
  auto check_ip = [this, ip_key = std::move(ip_key), now, done](std::int64_t id_refusal) {
    if (limits_.max_per_ip == 0) return done(id_refusal);
    store_.PeekFailuresAsync(ip_key, now, Millis(limits_.window),
                             [this, now, id_refusal, done](Result<FailureWindow> w) {
                               if (!w.ok()) return done(w.status());
                               done(std::max(id_refusal,
                                             Refusal(*w, limits_.max_per_ip, limits_.window, now)));
                             });
  };
  if (limits_.max_per_identifier == 0) return check_ip(0);
  store_.PeekFailuresAsync(
      id_key, now, Millis(limits_.window),
      [this, now, check_ip = std::move(check_ip), done](Result<FailureWindow> w) mutable {
        if (!w.ok()) return done(w.status());
        check_ip(Refusal(*w, limits_.max_per_identifier, limits_.window, now));
      });
}

void LoginThrottle::RecordFailureAsync(std::string id_key, std::string ip_key, TimePoint now,
                                       StatusCallback done) const {
  auto record_ip = [this, ip_key = std::move(ip_key), now, done]() {
    if (limits_.max_per_ip == 0) return done(Status::Ok());
    store_.RecordFailureAsync(ip_key, now, Millis(limits_.window),
                              [done](Result<FailureWindow> w) { done(w.status()); });
  };
  if (limits_.max_per_identifier == 0) return record_ip();
  store_.RecordFailureAsync(id_key, now, Millis(limits_.window),
                            [record_ip = std::move(record_ip), done](Result<FailureWindow> w) {
                              if (!w.ok()) return done(w.status());
                              record_ip();
                            });
}

void LoginThrottle::ResetIdentifierAsync(std::string_view id_key, StatusCallback done) const {
  if (limits_.max_per_identifier == 0) return done(Status::Ok());
  store_.ResetFailuresAsync(id_key, std::move(done));
}

}  // namespace sessionkit::internal
