#include "server/handlers/issue_session.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "server/error_map.h"
#include "server/handlers/browser.h"
#include "server/handlers/error_reply.h"
#include "server/handlers/views.h"
#include "server/response.h"

namespace sessionkit::server {

ClientInfo ClientInfoOf(const Request& req) {
  return {req.client_ip, std::string(req.user_agent), std::string(req.device_id)};
}

void NoteIssuedSession(Services& s, const User& user, const IssuedSession& issued) {
  const Session& session = issued.session;
  if (session.id.empty()) return;
  s.metrics->SessionCreated();
  spdlog::info("session created: {} user_id={} purpose={} ip={} device={:?}",
               ShortSessionId(session.id), user.id, session.purpose, session.ip_address,
               session.device_id);
  for (const std::string& evicted : issued.evicted) {
    spdlog::info("session revoked: {} user_id={} reason=per-user cap", ShortSessionId(evicted),
                 user.id);
  }
}

void ReplyIssued(const User& user, const IssuedSession& issued, int status,
                 std::string_view message, Responder& reply) {
  SuccessBody body;
  internal::JsonWriter& w = body.data();
  w.BeginObject().Key("user");
  WriteUser(w, user);
  w.Key("token").String(issued.access_token)
      .Key("refresh_token").String(issued.refresh_token)
      .Key("requires_2fa").Bool(false)
      .Key("is_verified").Bool(user.is_email_verified)
      .EndObject();
  Response r = body.Finish(status, message);
  AddNoStore(r);
  reply(std::move(r));
}

std::chrono::seconds RemainingSessionLifetime(const Services& s, TimePoint created_at) {
  TimePoint end = created_at + s.sessions->options().absolute_lifetime;
  auto left = std::chrono::duration_cast<std::chrono::seconds>(end - ClockOrSystem(s.clock).Now());
  return std::max(left, std::chrono::seconds(0));
}

void ReplyIssued(Services& s, bool cookie_transport, const User& user,
                 const IssuedSession& issued, int status, std::string_view message,
                 Responder& reply) {
  if (!cookie_transport || s.browser == nullptr) {
    return ReplyIssued(user, issued, status, message, reply);
  }
  Response r;
  std::string csrf = SetSessionCookies(
      *s.browser,
      {.access_token = issued.access_token,
       .refresh_token = issued.refresh_token,
       .session_id = issued.session.id,
       .refresh_max_age = RemainingSessionLifetime(s, issued.session.created_at)},
      r);
  SuccessBody body;
  internal::JsonWriter& w = body.data();
  w.BeginObject().Key("user");
  WriteUser(w, user);
  w.Key("csrf_token").String(csrf)
      .Key("requires_2fa").Bool(false)
      .Key("is_verified").Bool(user.is_email_verified)
      .EndObject();
  Response finished = body.Finish(status, message);
  finished.headers = std::move(r.headers);
  reply(std::move(finished));
}

void ReplyIssueFailure(Services& s, const Status& error, IssueStep step, const User& user,
                       Responder& reply) {
  MappedError mapped = MapAndCount(*s.metrics, error, Site::kWrite);
  if (mapped.error != ApiError::kStoreUnavailable) {
    mapped = {ApiError::kInternal, "Could not create the session"};
    spdlog::error("{} failed for user_id={}: {}", step, user.id, error.ToString());
  }
  reply(ErrorResponse(mapped));
}

void ReplyBusy(Services& s, Responder& reply) {
  s.metrics->BusyRejected();
  Response r = ErrorResponse(ApiError::kRateLimited, "Server busy; try again later");
  r.headers.emplace_back("Retry-After", "1");
  reply(std::move(r));
}

void ForgetRefreshTokens(Services& s, std::string_view session_id) {
  s.accounts->ForgetRefreshTokens(session_id);
}

void LogAccountNotice(const AccountNotice& notice) {
  switch (notice.kind) {
    case AccountNotice::Kind::kRefreshTokensNotDropped:
      spdlog::debug("refresh tokens of {} not dropped ({}); they die with the session",
                    ShortSessionId(notice.session_id), CodeName(notice.code));
      break;
    case AccountNotice::Kind::kSessionWithoutRefreshToken:
      spdlog::warn("session {} left without a refresh token: revoke failed ({})",
                   ShortSessionId(notice.session_id), CodeName(notice.code));
      break;
  }
}

}  // namespace sessionkit::server
