#include "wire/envelope.hpp"

#include "wire/json_codec.hpp"

namespace resonate::wire {

namespace json = boost::json;

json::object to_json(RequestEnvelope envelope) {
  json::object head;
  head.reserve(3);
  head.emplace("corrId", envelope.corr_id);
  head.emplace("version", protocol_version);
  if (envelope.auth) head.emplace("auth", *envelope.auth);
  json::object out;
  out.reserve(3);
  out.emplace("kind", envelope.kind);
  out.emplace("head", std::move(head));
  out.emplace("data", std::move(envelope.data));  // emplace moves; an initializer list would copy
  return out;
}

ReceivedRequest read_request_envelope(const json::value& request) {
  const auto* object = request.if_object();
  if (object == nullptr) throw InvalidRequest("Invalid request: the envelope must be a JSON object");
  const auto* kind = object->if_contains("kind");
  if (kind == nullptr || !kind->is_string() || kind->get_string().empty()) {
    throw InvalidRequest("Invalid request: kind must be a non-empty string");
  }
  const auto* head = object->if_contains("head");
  if (head == nullptr || !head->is_object()) throw InvalidRequest("Invalid request: head must be an object");
  const auto* corr_id = head->get_object().if_contains("corrId");
  if (corr_id == nullptr || !corr_id->is_string()) {
    throw InvalidRequest("Invalid request: head.corrId must be a string");
  }
  const auto* data = object->if_contains("data");
  if (data == nullptr || !data->is_object()) throw InvalidRequest("Invalid request: data must be an object");
  const auto* version = head->get_object().if_contains("version");
  if (version == nullptr || !version->is_string()) throw InvalidRequest("Invalid request: head.version is required");
  if (version->get_string() != protocol_version) {
    throw InvalidRequest("Unsupported protocol version '" + std::string(version->get_string()) +
                         "' (supported: " + std::string(protocol_version) + ")");
  }
  return {kind->get_string(), corr_id->get_string(), head->get_object(), data->get_object()};
}

RequestIdentity identify_request(const json::value& request) {
  RequestIdentity identity;
  const auto* object = request.if_object();
  if (object == nullptr) return identity;
  if (const auto* kind = object->if_contains("kind"); kind && kind->is_string() && !kind->get_string().empty()) {
    identity.kind = kind->get_string();
  }
  if (const auto* head = object->if_contains("head"); head && head->is_object()) {
    if (const auto* corr = head->get_object().if_contains("corrId"); corr && corr->is_string()) {
      identity.corr_id = corr->get_string();
    }
  }
  return identity;
}

std::string Response::message() const {
  if (data.is_string()) return std::string(data.get_string());
  return "status " + std::to_string(status);
}

json::object to_json(Response response) {
  json::object out;
  out.reserve(3);
  out.emplace("kind", response.kind);
  out.emplace("head",
              json::object{{"corrId", response.corr_id}, {"status", response.status}, {"version", protocol_version}});
  out.emplace("data", std::move(response.data));  // emplace moves; an initializer list would copy
  return out;
}

namespace {

// The envelope's fields but its data.
Response response_head(const json::object& object) {
  Response out;
  if (const auto* kind = object.if_contains("kind"); kind && kind->is_string()) out.kind = kind->get_string();
  if (const auto* head = object.if_contains("head"); head && head->is_object()) {
    const auto& fields = head->get_object();
    if (const auto* corr = fields.if_contains("corrId"); corr && corr->is_string()) out.corr_id = corr->get_string();
    if (const auto* status = fields.if_contains("status"); status && status->is_int64()) {
      out.status = static_cast<int>(status->get_int64());
    }
  }
  return out;
}

}  // namespace

Response response_from_json(const json::value& value) {
  const auto* object = value.if_object();
  if (object == nullptr) return {};
  auto out = response_head(*object);
  if (const auto* data = object->if_contains("data")) out.data = *data;
  return out;
}

Response response_from_json(json::value&& value) {
  auto* object = value.if_object();
  if (object == nullptr) return {};
  auto out = response_head(*object);
  // The data of an answer is most of it (records, preload): taken, not copied.
  if (auto* data = object->if_contains("data")) out.data = std::move(*data);
  return out;
}

}  // namespace resonate::wire
