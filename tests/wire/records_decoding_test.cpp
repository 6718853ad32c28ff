// The record readers accept what other implementations of the protocol send
// (../shared/docs/resonate-protocol.md §5.9, issue 12): one case per variation seen.
#include <doctest/doctest.h>

#include <boost/json/parse.hpp>

#include "wire/json_codec.hpp"
#include "wire/messages.hpp"
#include "wire/responses.hpp"

namespace json = boost::json;
using namespace resonate::wire;

namespace {

Promise promise_of(const char* text) { return promise_from_json(json::parse(text)); }
Task task_of(const char* text) { return task_from_json(json::parse(text)); }

}  // namespace

TEST_CASE("records: a task's resumes may be a count, an array of callbacks, a boolean or absent") {
  CHECK(task_of(R"({"id":"t","state":"acquired","version":1,"resumes":2})").resumes == 2);
  CHECK(task_of(R"({"id":"t","state":"acquired","version":1,"resumes":["a","b","c"]})").resumes == 3);
  CHECK(task_of(R"({"id":"t","state":"acquired","version":1,"resumes":[]})").resumes == 0);
  CHECK(task_of(R"({"id":"t","state":"acquired","version":1,"resumes":true})").resumes == 1);
  CHECK(task_of(R"({"id":"t","state":"acquired","version":1,"resumes":false})").resumes == 0);
  CHECK(task_of(R"({"id":"t","state":"acquired","version":1})").resumes == 0);
  CHECK(task_of(R"({"id":"t","state":"acquired","version":1,"resumes":null})").resumes == 0);
}

TEST_CASE("records: a task's ttl and pid may be absent or null") {
  const auto task = task_of(R"({"id":"t","state":"pending","version":0,"ttl":null,"pid":null})");
  CHECK_FALSE(task.ttl.has_value());
  CHECK_FALSE(task.pid.has_value());
}

TEST_CASE("records: a pending promise's value may be {} , null or absent") {
  for (const char* text : {R"({"id":"p","state":"pending","timeoutAt":9,"createdAt":1,"value":{}})",
                           R"({"id":"p","state":"pending","timeoutAt":9,"createdAt":1,"value":null})",
                           R"({"id":"p","state":"pending","timeoutAt":9,"createdAt":1})"}) {
    CAPTURE(text);
    const auto promise = promise_of(text);
    CHECK(promise.pending());
    CHECK_FALSE(promise.value.data.has_value());
    CHECK_FALSE(promise.value.headers.has_value());
  }
}

TEST_CASE("records: param, headers and tags may be absent, null or empty") {
  const auto bare = promise_of(R"({"id":"p","state":"resolved","timeoutAt":9,"createdAt":1})");
  CHECK(bare.tags.empty());
  CHECK_FALSE(bare.param.data.has_value());
  const auto nulls = promise_of(
      R"({"id":"p","state":"resolved","timeoutAt":9,"createdAt":1,"param":null,"tags":null,)"
      R"("value":{"headers":null,"data":"MQ=="}})");
  CHECK(nulls.tags.empty());
  CHECK_FALSE(nulls.value.headers.has_value());
  CHECK(nulls.value.data == "MQ==");
  const auto empty = promise_of(
      R"({"id":"p","state":"resolved","timeoutAt":9,"createdAt":1,"param":{"headers":{},"data":"e30="},"tags":{}})");
  CHECK(empty.param.data == "e30=");
  CHECK((empty.param.headers && empty.param.headers->empty()));
}

TEST_CASE("records: createdAt and settledAt may be absent or null; tags that are not strings keep their JSON") {
  const auto promise = promise_of(
      R"({"id":"p","state":"resolved","timeoutAt":9,"settledAt":null,"tags":{"resonate:timer":true,"n":3,"s":"x"}})");
  CHECK(promise.created_at == 0);
  CHECK_FALSE(promise.settled_at.has_value());
  CHECK(promise.tag("resonate:timer") == "true");
  CHECK(promise.tag("n") == "3");
  CHECK(promise.tag("s") == "x");
}

TEST_CASE("records: members a client cannot do without are still required, and the error names them") {
  std::string problem;
  try {
    task_of(R"({"id":"t","state":"acquired"})");
  } catch (const InvalidRequest& error) {
    problem = error.what();
  }
  CHECK(problem.find("version") != std::string::npos);
  CHECK_THROWS_AS(promise_of(R"({"id":"p","state":"bogus","timeoutAt":9})"), InvalidRequest);
}

TEST_CASE("messages: execute with or without head.serverUrl, and with extra members") {
  for (const char* text : {R"({"kind":"execute","head":{"serverUrl":"http://127.0.0.1:8001"},"data":{"task":{"id":"t","version":2}}})",
                           R"({"kind":"execute","head":{},"data":{"task":{"id":"t","version":2,"extra":1}},"more":true})",
                           R"({"kind":"execute","data":{"task":{"id":"t","version":2}}})"}) {
    CAPTURE(text);
    const auto message = message_from_json(json::parse(text));
    REQUIRE(message.has_value());
    CHECK(std::get<ExecuteMessage>(*message).version == 2);
  }
}

TEST_CASE("answers: a fence answer without preload, and an acquire answer with a TS in-memory server's task") {
  const auto fence = fence_result_from_json(json::parse(
      R"({"action":{"kind":"promise.create","head":{"corrId":"c","status":200,"version":"2026-04-01"},)"
      R"("data":{"promise":{"id":"p:0","state":"pending","timeoutAt":9,"createdAt":1,"param":{},"value":{},"tags":{}}}}})"));
  CHECK(fence.preload.empty());
  CHECK(fence.action.ok());
  CHECK(promise_result_from_json(fence.action.data).promise.id == "p:0");

  const auto acquired = acquired_task_from_json(json::parse(
      R"({"task":{"id":"p","state":"acquired","version":1,"resumes":[],"ttl":60000,"pid":"w"},)"
      R"("promise":{"id":"p","state":"pending","timeoutAt":9,"createdAt":1,"param":{"data":"e30="},"value":{}}})"));
  CHECK(acquired.task.resumes == 0);
  CHECK(acquired.promise.param.data == "e30=");
  CHECK(acquired.preload.empty());
}
