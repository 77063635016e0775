#include "server/handlers/error_reply.h"
#include "server/handlers/issue_session.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <memory>

#include "server/error_map.h"
#include "server/handlers/views.h"
#include "server/refresh_token.h"
#include "server/response.h"

namespace sessionkit::server {
namespace {

// What the continuations of one IssueSession share.
struct Issue {
  Services& s;
  User user;
  int status;
  std::string_view message;
  Responder reply;
  std::function<void()> on_failure;
  CreatedSession created;
  std::string refresh_token;

  void Fail(const Status& status, std::string_view what) {
    if (on_failure) on_failure();
    MappedError mapped = MapAndCount(*s.metrics, status, Site::kWrite);
    if (mapped.error != ApiError::kStoreUnavailable) {
      mapped = {ApiError::kInternal, "Could not create the session"};
      spdlog::error("{} failed for user_id={}: {}", what, user.id, status.ToString());
    }
    reply(ErrorResponse(mapped));
  }

  void Answer() {
    const Session& session = created.session;
    std::string token = s.jwt->Sign(
        ClaimsFor(s, user, session, UnixSeconds(ClockOrSystem(s.clock).Now())));
    SuccessBody body;
    internal::JsonWriter& w = body.data();
    w.BeginObject().Key("user");
    WriteUser(w, user);
    w.Key("token").String(token)
        .Key("refresh_token").String(refresh_token)
        .Key("requires_2fa").Bool(false)
        .Key("is_verified").Bool(user.is_email_verified)
        .EndObject();
    reply(body.Finish(status, message));
  }
};

// The session exists but its refresh token does not: take the session back too.
void Unwind(Services& s, const std::string& session_id) {
  s.sessions->RevokeAsync(session_id, [id = session_id](Result<bool> revoked) {
    if (!revoked.ok()) {
      spdlog::warn("session {} left without a refresh token: revoke failed ({})",
                   ShortSessionId(id), CodeName(revoked.status().code()));
    }
  });
}

}  // namespace

std::int64_t UnixSeconds(TimePoint t) noexcept {
  return std::chrono::floor<std::chrono::seconds>(t.time_since_epoch()).count();
}

AccessClaims ClaimsFor(const Services& s, const User& user, const Session& session,
                       std::int64_t issued_at) {
  AccessClaims c;
  c.user_id = user.id;
  c.user_id_is_number = session.user_id_is_number;
  c.session_id = session.id;
  c.device_id = session.device_id;
  c.last_ip = session.ip_address;
  c.username = user.username;
  c.email = user.email;
  c.role = user.role;
  c.is_premium = user.is_premium;
  c.is_verified = user.is_email_verified;
  c.issuer = s.issuer;
  c.subject = user.id;
  c.issued_at = issued_at;
  c.expires_at = c.issued_at + s.token_lifetime.count();
  return c;
}

void ForgetRefreshTokens(Services& s, std::string_view session_id) {
  s.auth_state->RevokeRefreshForSessionAsync(
      session_id, [id = std::string(session_id)](Result<std::uint64_t> dropped) {
        if (!dropped.ok()) {
          spdlog::debug("refresh tokens of {} not dropped ({}); they die with the session",
                        ShortSessionId(id), CodeName(dropped.status().code()));
        }
      });
}

void IssueSession(Services& s, User user, std::string purpose, ClientInfo client, int status,
                  std::string_view message, Responder reply, std::function<void()> on_failure) {
  NewSession request;
  request.user_id = user.id;
  request.username = user.username;
  request.purpose = std::move(purpose);
  request.ip_address = client.ip;
  request.user_agent = std::move(client.user_agent);
  request.device_id = std::move(client.device_id_header);  // the manager derives if unusable

  auto issue = std::make_shared<Issue>(Issue{s, std::move(user), status, message,
                                             std::move(reply), std::move(on_failure), {}, {}});
  s.sessions->CreateAsync(std::move(request), [issue](Result<CreatedSession> created) {
    Services& s = issue->s;
    if (!created.ok()) return issue->Fail(created.status(), "session create");
    issue->created = std::move(created).value();
    const Session& session = issue->created.session;
    s.metrics->SessionCreated();
    spdlog::info("session created: {} user_id={} purpose={} ip={} device={:?}",
                 ShortSessionId(session.id), issue->user.id, session.purpose,
                 session.ip_address, session.device_id);
    for (const std::string& evicted : issue->created.evicted) {
      spdlog::info("session revoked: {} user_id={} reason=per-user cap", ShortSessionId(evicted),
                   issue->user.id);
      ForgetRefreshTokens(s, evicted);
    }

    Result<std::string> token = RefreshTokens::Generate();
    if (!token.ok()) {
      Unwind(s, session.id);
      return issue->Fail(Status::Internal("CSPRNG unavailable"), "refresh token");
    }
    issue->refresh_token = std::move(token).value();
    RefreshRecord record;
    record.token_hash = RefreshTokens::HashOf(issue->refresh_token);
    record.session_id = session.id;
    record.user_id = session.user_id;
    record.issued_at = session.created_at;
    // A refresh token lives as long as its session can: the absolute deadline.
    record.expires_at = session.created_at + s.sessions->options().absolute_lifetime;
    s.auth_state->IssueRefreshAsync(record, [issue](Status stored) {
      if (!stored.ok()) {
        Unwind(issue->s, issue->created.session.id);
        return issue->Fail(stored, "refresh token store");
      }
      issue->Answer();
    });
  });
}

}  // namespace sessionkit::server
