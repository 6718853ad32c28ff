// libFuzzer target of the protocol core (docs/fuzzing.md). The first input byte picks a mode:
//   even: the rest is one raw request body for Core::apply, as `POST /` would pass it;
//   odd:  the rest drives RequestGenerator as a sequence of operations, with the invariants
//         of invariants.hpp checked after every step.
// A crash, a sanitizer report or a violated invariant (abort with a message) is a finding.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "choices.hpp"
#include "core/core.hpp"
#include "invariants.hpp"
#include "request_generator.hpp"
#include "store/factories.hpp"

namespace {

using namespace resonate;
using fuzz::json::object;

void fail(const std::string& violation, const std::string& context) {
  std::fprintf(stderr, "invariant violated: %s\n%s\n", violation.c_str(), context.c_str());
  std::abort();
}

object snap(core::Core& core, wire::Millis at) {
  return core.apply(at, fuzz::json::value(object{{"kind", "debug.snap"},
                                                  {"head", object{{"corrId", "snap"}, {"version", "2026-04-01"}}},
                                                  {"data", object{}}}))
      .at("data")
      .as_object();
}

void apply_body(core::Core& core, std::string_view body) {
  const auto reply = core.apply(fuzz::start_time, body);
  if (reply.status == 413) return;
  boost::system::error_code error;
  const auto response = fuzz::json::parse(reply.body, error);
  if (error || !response.is_object()) fail("the reply is not a JSON envelope", reply.body);
  boost::system::error_code request_error;  // the request need not parse: the echo checks then skip
  if (auto violation = fuzz::envelope_violation(fuzz::json::parse(body, request_error), response.get_object());
      !violation.empty()) {
    fail(violation, std::string(body));
  }
}

void apply_sequence(core::Core& core, const std::uint8_t* data, std::size_t size) {
  fuzz::ByteChoices choices(data, size);
  fuzz::RequestGenerator generator(choices);
  auto before = snap(core, fuzz::start_time);
  std::string history;
  for (int steps = 0; steps < 64 && !choices.exhausted(); ++steps) {
    const auto step = generator.next(before);
    for (const auto& request : step.requests) {
      const auto response = core.apply(step.at, fuzz::json::value(request));
      history += fuzz::json::serialize(request) + " -> " + fuzz::json::serialize(response) + "\n";
      if (auto violation = fuzz::envelope_violation(request, response); !violation.empty()) fail(violation, history);
    }
    if (step.deliver) core.take_messages(1000);
    auto after = snap(core, step.at);
    if (auto violation = fuzz::state_violation(before, after); !violation.empty()) fail(violation, history);
    before = std::move(after);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  auto store = store::make_memory_store();
  core::Core core(*store, {.debug = true, .max_request_bytes = 64 * 1024});
  if (data[0] % 2 == 0) {
    apply_body(core, std::string_view(reinterpret_cast<const char*>(data + 1), size - 1));
  } else {
    apply_sequence(core, data + 1, size - 1);
  }
  return 0;
}
