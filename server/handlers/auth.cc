// POST /api/auth/register, /login, /logout, /logout-all (API.md §6).
//
// Register and login do their slow part (user lookup, argon2id) on the worker pool;
// unknown user and wrong password cost the same (a dummy argon2id verify), get the
// same 401 and are counted the same way by the login throttle (login_throttle.h): an
// identifier or IP past its limit gets 429 with Retry-After before any password check,
// and a success resets the identifier's failures. A bcrypt hash (imported user) is
// upgraded to argon2id after a good login.
#include <spdlog/spdlog.h>

#include "server/error_map.h"
#include "server/handlers/bearer.h"
#include "server/handlers/error_reply.h"
#include "server/handlers/handlers.h"
#include "server/handlers/issue_session.h"
#include "server/handlers/on_worker.h"
#include "server/json_body.h"
#include "server/response.h"
#include "server/users/validation.h"

namespace sessionkit::server {
namespace {

constexpr std::string_view kInvalidCredentials = "Invalid credentials";

bool IsBlank(std::string_view s) {
  return s.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

void ReplyUserStoreError(Services& s, const Status& status, Responder& reply) {
  MappedError mapped = MapAndCount(*s.metrics, status, Site::kWrite);
  if (mapped.error == ApiError::kConflict) mapped.message = status.message();  // fixed texts
  reply(ErrorResponse(mapped));
}

// The worker part of a login that the throttle let through.
void CheckLogin(Services& s, const std::string& identifier, const std::string& password,
                std::string id_key, std::string ip_key, ClientInfo client, Responder reply) {
  Result<User> user = s.users->FindByLogin(identifier);
  if (!user.ok() && !user.status().IsNotFound()) {
    return ReplyUserStoreError(s, user.status(), reply);
  }
  PasswordCheck check = PasswordCheck::kMismatch;
  if (user.ok()) {
    check = s.hasher->Verify(user->password_hash, password);
  } else {
    s.hasher->VerifyDummy(password);  // same cost as a wrong password
  }
  if (check == PasswordCheck::kMismatch) {
    s.metrics->LoginFailed();
    spdlog::info("login failed: identifier={:?} ip={} reason={}", identifier.substr(0, 64),
                 client.ip, user.ok() ? "wrong password" : "unknown user");
    // Counted before answering, so the next attempt sees it.
    return s.login_throttle->RecordFailureAsync(
        std::move(id_key), std::move(ip_key), ClockOrSystem(s.clock).Now(),
        [&s, reply](Status recorded) mutable {
          if (!recorded.ok()) return ReplyUserStoreError(s, recorded, reply);
          reply(ErrorResponse(ApiError::kInvalidCredentials, kInvalidCredentials));
        });
  }
  if (check == PasswordCheck::kMatchNeedsRehash) {
    Result<std::string> upgraded = s.hasher->Hash(password);
    Status saved =
        upgraded.ok() ? s.users->UpdatePasswordHash(user->id, *upgraded) : upgraded.status();
    if (saved.ok()) {
      user->password_hash = std::move(upgraded).value();
      spdlog::info("password rehashed to argon2id: user_id={}", user->id);
    } else {
      spdlog::warn("password rehash not saved: user_id={} ({})", user->id,
                   CodeName(saved.code()));
    }
  }
  s.metrics->LoginOk();
  s.login_throttle->ResetIdentifierAsync(
      id_key, [&s, user = std::move(user).value(), client = std::move(client),
               reply = std::move(reply)](Status reset) mutable {
        if (!reset.ok()) {
          spdlog::warn("failed-login count not reset for user_id={} ({})", user.id,
                       CodeName(reset.code()));
        }
        IssueSession(s, std::move(user), "login", std::move(client), 200, "Login successful",
                     std::move(reply));
      });
}

}  // namespace

void HandleRegister(Services& s, const Request& req, Responder reply) {
  std::string username, email, password;
  Status parsed = ReadStringFields(
      req.body, {{"username", &username}, {"email", &email}, {"password", &password}});
  if (!parsed.ok()) return reply(ErrorResponse(ApiError::kBadRequest, parsed.message()));
  for (std::string_view problem :
       {CheckUsername(username), CheckEmail(email), CheckPassword(password)}) {
    if (!problem.empty()) return reply(ErrorResponse(ApiError::kBadRequest, problem));
  }

  OnWorker(s, reply, [&s, username = std::move(username), email = std::move(email),
                      password = std::move(password), client = ClientInfo::From(req),
                      reply]() mutable {
    // A cheap check first, so a taken name does not cost an argon2id hash.
    if (Status free = s.users->CheckAvailable(username, email); !free.ok()) {
      return ReplyUserStoreError(s, free, reply);
    }
    Result<std::string> hash = s.hasher->Hash(password);
    if (!hash.ok()) return reply(ErrorResponse(ApiError::kInternal, "Internal server error"));
    Result<User> user = s.users->Create(username, email, *hash);
    if (!user.ok()) return ReplyUserStoreError(s, user.status(), reply);

    spdlog::info("user registered: user_id={} username={:?}", user->id, user->username);
    std::string id = user->id;
    // No half-registered user when the session store is down.
    auto remove_user = [&s, id] {
      if (!s.workers->Submit([&s, id] { s.users->Delete(id).IgnoreError(); })) {
        s.users->Delete(id).IgnoreError();
      }
    };
    IssueSession(s, std::move(user).value(), "register", std::move(client), 201,
                 "Registration successful", std::move(reply), std::move(remove_user));
  });
}

void HandleLogin(Services& s, const Request& req, Responder reply) {
  std::string email_or_username, email, username, password;
  Status parsed = ReadStringFields(req.body, {{"email_or_username", &email_or_username},
                                              {"email", &email},
                                              {"username", &username},
                                              {"password", &password}});
  if (!parsed.ok()) return reply(ErrorResponse(ApiError::kBadRequest, parsed.message()));
  // API.md §6: email_or_username, else email, else username; any may hold either.
  std::string identifier = !IsBlank(email_or_username) ? std::move(email_or_username)
                           : !IsBlank(email)           ? std::move(email)
                                                       : std::move(username);
  if (IsBlank(identifier) || password.empty()) {
    return reply(ErrorResponse(ApiError::kBadRequest,
                               "email_or_username and password are required"));
  }
  // Matched ignoring surrounding whitespace (and case, in the users table).
  identifier.erase(0, identifier.find_first_not_of(" \t\r\n"));
  identifier.erase(identifier.find_last_not_of(" \t\r\n") + 1);

  std::string id_key = IdentifierKey(identifier);
  std::string ip_key = IpKey(req.client_ip);
  TimePoint now = ClockOrSystem(s.clock).Now();
  s.login_throttle->CheckAsync(
      id_key, ip_key, now,
      [&s, identifier = std::move(identifier), password = std::move(password), id_key, ip_key,
       client = ClientInfo::From(req), reply](Result<std::int64_t> refusal) mutable {
        if (!refusal.ok()) return ReplyUserStoreError(s, refusal.status(), reply);
        if (*refusal > 0) {
          s.metrics->LoginThrottled();
          spdlog::info("login throttled: identifier={:?} ip={} retry_after={}s",
                       identifier.substr(0, 64), client.ip, *refusal);
          return reply(ThrottledResponse(*refusal));
        }
        OnWorker(s, reply,
                 [&s, identifier = std::move(identifier), password = std::move(password),
                  id_key = std::move(id_key), ip_key = std::move(ip_key),
                  client = std::move(client), reply]() mutable {
                   CheckLogin(s, identifier, password, std::move(id_key), std::move(ip_key),
                              std::move(client), std::move(reply));
                 });
      });
}

void HandleLogout(Services& s, const Request& req, Responder reply) {
  Authenticate(s, req, std::move(reply), [&s](AuthContextPtr auth, Responder reply) {
    const std::string& id = auth->claims.session_id;
    s.sessions->RevokeAsync(id, [&s, auth, reply](Result<bool> revoked) mutable {
      if (!revoked.ok()) return ReplyError(*s.metrics, revoked.status(), Site::kWrite, reply);
      spdlog::info("session revoked: {} user_id={} reason=logout",
                   ShortSessionId(auth->claims.session_id), auth->claims.user_id);
      ForgetRefreshTokens(s, auth->claims.session_id);
      reply(SuccessBody().Finish(200, "Logged out"));
    });
  });
}

void HandleLogoutAll(Services& s, const Request& req, Responder reply) {
  Authenticate(s, req, std::move(reply), [&s](AuthContextPtr auth, Responder reply) {
    s.sessions->RevokeAllForUserAsync(
        auth->claims.user_id, {}, [&s, auth, reply](Result<std::uint64_t> revoked) mutable {
          if (!revoked.ok()) return ReplyError(*s.metrics, revoked.status(), Site::kWrite, reply);
          spdlog::info("sessions revoked: {} of user_id={} reason=logout-all (by {})", *revoked,
                       auth->claims.user_id, ShortSessionId(auth->claims.session_id));
          SuccessBody body;
          body.data().BeginObject().Key("revoked").Int(static_cast<std::int64_t>(*revoked)).EndObject();
          reply(body.Finish(200, "All sessions revoked"));
        });
  });
}

}  // namespace sessionkit::server
