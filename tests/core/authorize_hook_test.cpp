// CoreOptions::authorize: the hook sees each envelope together with the request metadata its
// caller passed to Core::apply (the server passes the HTTP Authorization header that way), and
// its answer decides before any operation runs.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include <boost/json/parse.hpp>

#include "core/core.hpp"
#include "store/factories.hpp"

namespace {

namespace json = boost::json;
using resonate::core::Core;
using resonate::core::CoreOptions;
using resonate::core::RequestMetadata;

constexpr std::int64_t kNow = 1700000000000;
const std::string get_body = R"({"kind":"promise.get","head":{"corrId":"c","version":"2026-04-01"},"data":{"id":"x"}})";

}  // namespace

TEST_CASE("the authorize hook receives the metadata given to apply, and its refusal is the answer") {
  std::vector<std::string> seen;
  CoreOptions options;
  options.authorize = [&seen](const json::object& envelope, const RequestMetadata& metadata) {
    seen.emplace_back(metadata.authorization);
    CHECK(envelope.at("kind") == "promise.get");
    return metadata.authorization == "Bearer good" ? std::pair<int, std::string>{0, ""}
                                                   : std::pair<int, std::string>{401, "Unauthorized"};
  };
  auto store = resonate::store::make_memory_store();
  Core core(*store, options);

  const auto refused = core.apply(kNow, get_body);
  CHECK(refused.status == 401);
  CHECK(json::parse(refused.body).at("data") == "Unauthorized");

  const auto accepted = core.apply(kNow, get_body, RequestMetadata{.authorization = "Bearer good"});
  CHECK(accepted.status == 404);  // authorized; the promise does not exist

  const auto parsed = core.apply(kNow, json::parse(get_body), RequestMetadata{.authorization = "Bearer bad"});
  CHECK(parsed.at("head").at("status") == 401);

  CHECK(seen == std::vector<std::string>{"", "Bearer good", "Bearer bad"});
}
