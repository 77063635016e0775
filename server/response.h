// Success and error envelopes of API.md §6, written with the library's JsonWriter.
//
//   {"success":true,"data":…,"message":"…"}
//   {"success":false,"message":"…","error":{"code":"…"}}
//
// SuccessBody writes the envelope around the data in one buffer (no second copy):
//   SuccessBody body;  body.data().BeginObject()...EndObject();
//   return body.Finish(200, "Login successful");
// If data() is never written, "data" is null. Not thread-safe (one per response).
#ifndef SESSIONKIT_SERVER_RESPONSE_H_
#define SESSIONKIT_SERVER_RESPONSE_H_

#include <string>
#include <string_view>

#include "server/http/message.h"
#include "src/util/json_writer.h"

namespace sessionkit::server {

class SuccessBody {
 public:
  SuccessBody();
  SuccessBody(const SuccessBody&) = delete;
  SuccessBody& operator=(const SuccessBody&) = delete;

  // The writer positioned at the value of "data": write exactly one value.
  internal::JsonWriter& data() {
    data_written_ = true;
    return writer_;
  }
  Response Finish(int status, std::string_view message);

 private:
  std::string body_;
  internal::JsonWriter writer_;
  bool data_written_ = false;
};

// The error envelope's bytes.
std::string ErrorEnvelope(std::string_view code, std::string_view message);

}  // namespace sessionkit::server

#endif  // SESSIONKIT_SERVER_RESPONSE_H_
