#include "server/json_body.h"

#include <simdjson.h>

namespace sessionkit::server {

Status ReadStringFields(std::string_view body, std::initializer_list<StringField> fields) {
  static constexpr std::string_view kNotAnObject = "Request body must be a JSON object";
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (body.empty() || parser.parse(body.data(), body.size(), true).get(root) != simdjson::SUCCESS) {
    return Status::Malformed(std::string(kNotAnObject));
  }
  simdjson::dom::object object;
  if (root.get_object().get(object) != simdjson::SUCCESS) {
    return Status::Malformed(std::string(kNotAnObject));
  }
  for (const StringField& field : fields) {
    field.target->clear();
    simdjson::dom::element value;
    if (object.at_key(field.name).get(value) != simdjson::SUCCESS || value.is_null()) continue;
    std::string_view text;
    if (value.get_string().get(text) != simdjson::SUCCESS) {
      return Status::Malformed(std::string(field.name) + " must be a string");
    }
    field.target->assign(text);
  }
  return Status::Ok();
}

}  // namespace sessionkit::server
