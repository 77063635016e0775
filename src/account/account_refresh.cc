// AccountService::Refresh: refresh-token rotation with grace replay and reuse detection
// (API.md §5).
//
//   1. the token's shape (43 base64url characters), then GetRefresh(SHA-256 of it):
//      unknown or expired -> kInvalid;
//   2. an active token: validate its session through the SessionManager (live, same
//      user, binding policy; the validation is activity, so the session slides), then
//      RotateRefresh with successor = HMAC(refresh key, token), live until the session's
//      absolute deadline;
//      a spent token: RotateRefresh first (a replay reads, a reuse revokes), then
//      validate the session of a replay;
//   3. rotated or grace replay -> a pair whose access token is signed with iat = the
//      rotation time, so a replay gets byte-identical tokens; the user's fields come
//      from a UserStore read on the blocking executor (a user this database does not
//      know -- an imported session -- is described by its session);
//      a grace replay hands out the newest live descendant of the token (the store walks
//      the chain of successors; each is derived from the one before, so the pair is the
//      one the winning tab got at that rotation), never a successor that is spent already
//      (its holder would be revoked for reuse on the next refresh); no live descendant ->
//      kInvalid (kReplayLineGone: the client logs in again, no theft verdict);
//      reuse (spent longer than the grace ago) -> the store has deleted the session and
//      its tokens: kReused.
// A store outage is kStoreError at any step.
#include <chrono>
#include <memory>
#include <utility>

#include "sessionkit/account_service.h"
#include "src/account/flows.h"

namespace sessionkit {
namespace {

// One refresh request's state, shared by its continuations.
struct RefreshFlow {
  std::function<void(RefreshOutcome)> done;
  RefreshRequest request;
  TimePoint now;
  std::string presented_hash;
  std::string successor;  // handed out only with a pair
  std::string successor_hash;
  RefreshRecord record;
  bool validated = false;
  Session session;  // once validated
  RefreshOutcome outcome;

  void Finish(RefreshResult result, Status error = Status::Ok()) {
    outcome.result = result;
    outcome.error = std::move(error);
    done(std::move(outcome));
  }

  // Outage -> kStoreError; unknown or expired -> kInvalid; anything else -> kInternal.
  void Failed(const Status& status) {
    if (status.IsUnavailable()) return Finish(RefreshResult::kStoreError, status);
    if (status.IsNotFound() || status.IsExpired()) return Finish(RefreshResult::kInvalid);
    Finish(RefreshResult::kInternal, status);
  }
};

using RefreshFlowPtr = std::shared_ptr<RefreshFlow>;

}  // namespace

void AccountService::Refresh(RefreshRequest request, std::function<void(RefreshOutcome)> done) {
  auto state = std::make_shared<RefreshFlow>();
  state->done = std::move(done);
  if (!internal::RefreshTokens::IsWellFormed(request.refresh_token)) {
    return state->Finish(RefreshResult::kInvalid);
  }
  state->now = Now();
  state->presented_hash = internal::RefreshTokens::HashOf(request.refresh_token);
  state->successor = flows_->refresh_tokens.SuccessorOf(request.refresh_token);
  state->successor_hash = internal::RefreshTokens::HashOf(state->successor);
  state->request = std::move(request);

  // Validates the token's session; `next` runs only for a valid one.
  auto validate = [this](RefreshFlowPtr state, std::function<void()> next) {
    ValidateRequest check{state->record.session_id, state->record.user_id,
                          state->request.client_ip, state->request.user_agent};
    deps_.sessions->ValidateAsync(check, [state, next = std::move(next)](Result<Validation> v) {
      if (!v.ok()) {
        if (v.status().IsUnavailable()) return state->Failed(v.status());
        return state->Finish(RefreshResult::kInvalid);  // revoked, expired, drifted...
      }
      state->validated = true;
      state->session = std::move(v->session);
      next();
    });
  };

  // The answer: the user's fields (a blocking read) and the access token.
  auto answer = [this](RefreshFlowPtr state, TimePoint rotated_at) {
    bool submitted = deps_.blocking([this, state, rotated_at] {
      Result<User> found = deps_.users->FindById(state->session.user_id);
      if (!found.ok() && !found.status().IsNotFound()) return state->Failed(found.status());
      User user;
      if (found.ok() && found->disabled) {
        // Disabling revokes the user's sessions; one issued by a login racing with it
        // ends here, at its first refresh.
        state->outcome.refusal = RefreshRefusal::kAccountDisabled;
        state->outcome.session_id = state->session.id;
        state->outcome.user_id = state->session.user_id;
        return deps_.sessions->RevokeAsync(state->session.id, [state](Result<bool>) {
          state->Finish(RefreshResult::kInvalid);
        });
      }
      if (found.ok()) {
        user = std::move(found).value();
      } else {
        user.id = state->session.user_id;
        user.username = state->session.username;
      }
      state->outcome.access_token =
          deps_.jwt->Sign(ClaimsFor(user, state->session, UnixSeconds(rotated_at)));
      state->outcome.refresh_token = std::move(state->successor);
      state->outcome.session_created_at = state->session.created_at;
      state->Finish(state->outcome.rotation == RotateOutcome::kRotated
                        ? RefreshResult::kRotated
                        : RefreshResult::kGraceReplay);
    });
    if (!submitted) state->Finish(RefreshResult::kBusy);
  };

  auto rotated = [this, validate, answer](RefreshFlowPtr state,
                                          Result<RefreshRotation> rotation) {
    RefreshOutcome& outcome = state->outcome;
    if (!rotation.ok()) {
      if (rotation.status().code() == Code::kConflict) {
        outcome.refusal = RefreshRefusal::kSuccessorConflict;
        outcome.session_id = state->record.session_id;
        return state->Finish(RefreshResult::kInvalid);
      }
      return state->Failed(rotation.status());
    }
    outcome.session_id = rotation->session_id;
    outcome.user_id = rotation->user_id;
    switch (rotation->outcome) {
      case RotateOutcome::kReused:
        outcome.spent_ago = std::chrono::duration_cast<std::chrono::milliseconds>(
            state->now - rotation->rotated_at);
        return state->Finish(RefreshResult::kReused);
      case RotateOutcome::kGraceReplay:
        if (rotation->generations == 0) {
          // No live descendant to hand out: the client logs in again (no theft verdict).
          outcome.refusal = RefreshRefusal::kReplayLineGone;
          return state->Finish(RefreshResult::kInvalid);
        }
        // The newest live descendant, `generations` rotations down the line.
        for (std::uint32_t g = 1; g < rotation->generations; ++g) {
          state->successor = flows_->refresh_tokens.SuccessorOf(state->successor);
        }
        if (rotation->generations > 1) {
          state->successor_hash = internal::RefreshTokens::HashOf(state->successor);
        }
        if (rotation->successor_hash != state->successor_hash) {
          // Derived under another key (the secret changed since the rotation).
          outcome.refusal = RefreshRefusal::kReplayKeyChanged;
          return state->Finish(RefreshResult::kInvalid);
        }
        break;
      case RotateOutcome::kRotated:
        break;
    }
    outcome.rotation_done = true;
    outcome.rotation = rotation->outcome;
    TimePoint rotated_at = rotation->rotated_at;
    if (state->validated) return answer(state, rotated_at);
    validate(state, [state, answer, rotated_at] { answer(state, rotated_at); });
  };

  auto rotate = [this, rotated](RefreshFlowPtr state) {
    TimePoint expires =
        state->validated
            ? state->session.created_at + deps_.sessions->options().absolute_lifetime
            : state->record.expires_at;  // a spent token never rotates again
    if (expires <= state->now) expires = state->now + std::chrono::seconds(1);
    RotateRequest request;
    request.presented_hash = state->presented_hash;
    request.successor_hash = state->successor_hash;
    request.now = state->now;
    request.grace = options_.refresh_grace;
    request.successor_expires_at = expires;
    deps_.auth_state->RotateRefreshAsync(
        request, [state, rotated](Result<RefreshRotation> rotation) {
          rotated(state, std::move(rotation));
        });
  };

  deps_.auth_state->GetRefreshAsync(
      state->presented_hash, [state, validate, rotate](Result<RefreshRecord> found) {
        if (!found.ok()) return state->Failed(found.status());
        state->record = std::move(found).value();
        if (state->record.state == RefreshState::kActive) {
          validate(state, [state, rotate] { rotate(state); });
        } else {
          rotate(state);
        }
      });
}

}  // namespace sessionkit
