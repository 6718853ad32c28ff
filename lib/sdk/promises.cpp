// Resonate::promises(): promise records over the runtime's transport.
#include "resonate/promises.hpp"

#include "resonate/errors.hpp"
#include "sdk/promise_record.hpp"
#include "sdk/runtime.hpp"
#include "sdk/wire.hpp"
#include "wire/clock.hpp"
#include "wire/requests.hpp"
#include "wire/responses.hpp"

namespace resonate {

namespace asio = boost::asio;

namespace {

// The record in a successful answer to `kind`; NotFoundError on 404, PlatformError otherwise.
PromiseRecord answer_record(const wire::Response& response, std::string_view kind, const std::string& id,
                            const Encryptor* encryptor) {
  if (response.status == 404) throw NotFoundError("promise '" + id + "' not found");
  if (!response.ok()) throw PlatformError(std::string(kind) + ": " + response.message());
  return sdk::promise_record(sdk::read_answer(response, kind, &wire::promise_result_from_json).promise, encryptor);
}

}  // namespace

asio::awaitable<PromiseRecord> Promises::get(std::string id) const {
  const wire::PromiseGet request{id};
  auto response = co_await runtime_->send(request);
  co_return answer_record(response, request.kind, id, runtime_->encryptor());
}

asio::awaitable<PromiseRecord> Promises::create_encoded(std::string id, std::chrono::milliseconds timeout,
                                                        boost::json::value param, Tags tags) const {
  if (id.empty()) throw Error("promises.create: the id is empty");
  const wire::PromiseCreate request{id, wire::deadline_after(runtime_->now(), timeout.count()),
                                    sdk::encode_value(param, runtime_->encryptor()), wire::Tags(tags.begin(), tags.end())};
  auto response = co_await runtime_->send(request);
  co_return answer_record(response, request.kind, id, runtime_->encryptor());
}

asio::awaitable<PromiseRecord> Promises::settle_encoded(std::string id, PromiseState state,
                                                        boost::json::value value) const {
  const auto wire_state = state == PromiseState::resolved ? wire::PromiseState::resolved : wire::PromiseState::rejected;
  const wire::PromiseSettle request{id, wire_state, sdk::encode_value(value, runtime_->encryptor())};
  auto response = co_await runtime_->send(request);
  co_return answer_record(response, request.kind, id, runtime_->encryptor());
}

asio::awaitable<PromiseRecord> Promises::cancel(std::string id) const {
  const wire::PromiseSettle request{id, wire::PromiseState::rejected_canceled, sdk::encode_value(nullptr, runtime_->encryptor())};
  auto response = co_await runtime_->send(request);
  co_return answer_record(response, request.kind, id, runtime_->encryptor());
}

}  // namespace resonate
