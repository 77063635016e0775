#include "src/account/login_throttle.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <vector>
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

void LoginThrottle::ReserveAsync(const std::string& id_key, const std::string& ip_key,
                                 TimePoint now, ResultCallback<ThrottleReservation> done) const {
  std::vector<AttemptKey> keys;
  if (limits_.max_per_identifier > 0) keys.push_back({id_key, limits_.max_per_identifier});
  if (limits_.max_per_ip > 0) keys.push_back({ip_key, limits_.max_per_ip});
  if (keys.empty()) return done(ThrottleReservation{});
  std::vector<std::uint32_t> key_limits;
  for (const AttemptKey& k : keys) key_limits.push_back(k.limit);
  store_.ReserveAttemptAsync(
      keys, now, Millis(limits_.window),
      [this, key_limits = std::move(key_limits), now,
       done = std::move(done)](Result<AttemptReservation> r) {
        if (!r.ok()) return done(r.status());
        ThrottleReservation out;
        if (r->granted) {
          out.ticket = std::move(r->ticket);
          return done(std::move(out));
        }
        for (std::size_t i = 0; i < r->windows.size() && i < key_limits.size(); ++i) {
          out.retry_after_seconds = std::max(
              out.retry_after_seconds, Refusal(r->windows[i], key_limits[i], limits_.window, now));
        }
        // A refusal always names a full window; guard against a store that says otherwise.
        out.retry_after_seconds = std::max<std::int64_t>(out.retry_after_seconds, 1);
        done(std::move(out));
      });
}

void LoginThrottle::SucceededAsync(const std::string& id_key, std::string ip_key,
                                   std::string ticket, StatusCallback done) const {
  auto release_ip = [this, ip_key = std::move(ip_key), ticket = std::move(ticket), done]() {
    if (limits_.max_per_ip == 0 || ticket.empty()) return done(Status::Ok());
    store_.ReleaseAttemptAsync(ip_key, ticket, done);
  };
  if (limits_.max_per_identifier == 0) return release_ip();
  store_.ResetFailuresAsync(id_key, [release_ip = std::move(release_ip), done](Status reset) {
    if (!reset.ok()) return done(reset);
    release_ip();
  });
}

void LoginThrottle::ReleaseAsync(const std::string& id_key, std::string ip_key,
                                 std::string ticket, StatusCallback done) const {
  if (ticket.empty()) return done(Status::Ok());
  auto release_ip = [this, ip_key = std::move(ip_key), ticket, done]() {
    if (limits_.max_per_ip == 0) return done(Status::Ok());
    store_.ReleaseAttemptAsync(ip_key, ticket, done);
  };
  if (limits_.max_per_identifier == 0) return release_ip();
  store_.ReleaseAttemptAsync(id_key, ticket, [release_ip = std::move(release_ip), done](Status r) {
    if (!r.ok()) return done(r);
    release_ip();
  });
}

}  // namespace sessionkit::internal
