#include "server/response.h"

#include <gtest/gtest.h>

namespace sessionkit::server {
namespace {

TEST(ResponseTest, SuccessWithData) {
  SuccessBody body;
  body.data().BeginObject().Key("revoked").Int(3).EndObject();
  Response r = body.Finish(200, "All sessions revoked");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"success":true,"data":{"revoked":3},"message":"All sessions revoked"})");
}

TEST(ResponseTest, SuccessWithoutDataHasNull) {
  SuccessBody body;
  Response r = body.Finish(200, "Logged out");
  EXPECT_EQ(r.body, R"({"success":true,"data":null,"message":"Logged out"})");
}

TEST(ResponseTest, ErrorEnvelopeEscapes) {
  EXPECT_EQ(ErrorEnvelope("bad_request", "a\nb"),
            R"({"success":false,"message":"a\nb","error":{"code":"bad_request"}})");
}

}  // namespace
}  // namespace sessionkit::server
