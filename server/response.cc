#include "server/response.h"

#include <utility>

namespace sessionkit::server {

SuccessBody::SuccessBody() : writer_(body_) {
  body_.reserve(256);
  writer_.BeginObject().Key("success").Bool(true).Key("data");
}

Response SuccessBody::Finish(int status, std::string_view message) {
  if (!data_written_) writer_.Null();
  writer_.Key("message").String(message).EndObject();
  Response response;
  response.status = status;
  response.body = std::move(body_);
  return response;
}

std::string ErrorEnvelope(std::string_view code, std::string_view message) {
  std::string body;
  body.reserve(96 + message.size());
  internal::JsonWriter w(body);
  w.BeginObject()
      .Key("success").Bool(false)
      .Key("message").String(message)
      .Key("error").BeginObject().Key("code").String(code).EndObject()
      .EndObject();
  return body;
}

}  // namespace sessionkit::server
