#include "server/mail/smtp_sender.h"

#include <curl/curl.h>

#include <algorithm>
#include <cstring>
#include <mutex>

namespace sessionkit::server {
namespace {

struct ReadState {
  std::string_view data;
  std::size_t offset = 0;
};

std::size_t ReadMessage(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto* state = static_cast<ReadState*>(user);
  const std::size_t room = size * count;
  const std::size_t left = state->data.size() - state->offset;
  const std::size_t n = std::min(room, left);
  std::memcpy(buffer, state->data.data() + state->offset, n);
  state->offset += n;
  return n;
}

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

}  // namespace

SmtpSender::SmtpSender(SmtpUrl url, std::string envelope_from, std::chrono::milliseconds timeout)
    : url_(std::move(url)), envelope_from_(std::move(envelope_from)), timeout_(timeout) {
  GlobalInit();
}

std::string SmtpSender::ServerName() const { return url_.host + ":" + std::to_string(url_.port); }

Status SmtpSender::Send(std::string_view recipient, std::string_view message) const {
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return Status::Unavailable("smtp: cannot create a libcurl handle");
  const std::string target = url_.CurlUrl();
  const std::string from = "<" + envelope_from_ + ">";
  const std::string to = "<" + std::string(recipient) + ">";
  curl_slist* recipients = curl_slist_append(nullptr, to.c_str());
  ReadState state{message, 0};
  char error[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(curl, CURLOPT_URL, target.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  if (!url_.user.empty()) {
    curl_easy_setopt(curl, CURLOPT_USERNAME, url_.user.c_str());
    curl_easy_setopt(curl, CURLOPT_PASSWORD, url_.password.c_str());
  }
  // STARTTLS when offered (smtp://); smtps:// is TLS throughout.
  curl_easy_setopt(curl, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_TRY));
  curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, recipients);
  curl_easy_setopt(curl, CURLOPT_READFUNCTION, ReadMessage);
  curl_easy_setopt(curl, CURLOPT_READDATA, &state);
  curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(message.size()));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(std::min<std::int64_t>(timeout_.count(), 10'000)));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_.count()));
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
  const CURLcode rc = curl_easy_perform(curl);
  long response = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response);
  curl_slist_free_all(recipients);
  curl_easy_cleanup(curl);
  if (rc == CURLE_OK) return Status::Ok();
  // libcurl's messages name the host and the SMTP reply, never the credentials.
  std::string reason = error[0] != '\0' ? std::string(error) : std::string(curl_easy_strerror(rc));
  return Status::Unavailable("smtp " + ServerName() + ": " + reason +
                             (response > 0 ? " (reply " + std::to_string(response) + ")" : ""));
}

}  // namespace sessionkit::server
