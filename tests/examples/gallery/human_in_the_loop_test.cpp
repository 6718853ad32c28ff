// examples/human_in_the_loop: the workflow waits on its promise until someone outside settles
// it: this test with the SDK (Resonate::resolve), or the `resonate` CLI run exactly as the
// example tells its user.
#include <doctest/doctest.h>

#include <chrono>
#include <future>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "child_process.hpp"
#include "gallery_support.hpp"
#include "resonate/resonate.hpp"

namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using resonate::test_support::ChildProcess;

constexpr std::string_view instruction = "settle it with: ";

// Starts the example and returns the command it prints for settling its promise.
std::string await_instruction(ChildProcess& review) {
  const auto line = review.wait_for_line_starting(instruction, 30s);
  REQUIRE_MESSAGE(line.has_value(), review.transcript());
  return line->substr(instruction.size());
}

// Splits a shell command made of plain words and '…'-quoted words.
std::vector<std::string> shell_words(std::string_view command) {
  std::vector<std::string> words;
  std::optional<std::string> word;
  bool quoted = false;
  for (const char c : command) {
    if (quoted) {
      if (c == '\'') quoted = false;
      else word->push_back(c);
    } else if (c == '\'') {
      quoted = true;
      if (!word) word.emplace();
    } else if (c == ' ') {
      if (word) words.push_back(std::move(*word));
      word.reset();
    } else {
      if (!word) word.emplace();
      word->push_back(c);
    }
  }
  if (word) words.push_back(std::move(*word));
  return words;
}

void resolve_with_sdk(const std::string& url, const std::string& id, const std::string& decision) {
  asio::io_context io;
  resonate::RemoteConfig config;
  config.url = url;
  config.group = "reviewers";
  auto reviewer = resonate::Resonate::remote(io.get_executor(), config);
  auto done = asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        co_await reviewer.resolve(id, decision);
        reviewer.stop();
      },
      asio::use_future);
  io.run_for(30s);
  REQUIRE(done.wait_for(0s) == std::future_status::ready);
  done.get();
}

}  // namespace

TEST_CASE("human_in_the_loop continues once the test resolves its promise with the SDK") {
  gallery::Server server;
  ChildProcess review("review", {HUMAN_IN_THE_LOOP_PROGRAM, "--url", server.url(), "--id", "review-sdk",
                                 "--document", "Q3 report"});
  const auto command = await_instruction(review);
  CHECK(command == "resonate promises resolve review-sdk:0 --data '\"approved\"'");
  // Still waiting: nothing published, no outcome.
  CHECK_FALSE(review.has_printed([](std::string_view line) { return line.starts_with("review-sdk: "); }));

  resolve_with_sdk(server.url(), "review-sdk:0", "approved");

  REQUIRE_MESSAGE(review.wait_for_exit(30s) == 0, review.transcript() << server.transcript());
  const auto lines = review.lines();
  REQUIRE(lines.size() == 4);
  CHECK(lines[0] == "'Q3 report' waits for a decision on promise review-sdk:0");
  CHECK(lines[2] == "publishing 'Q3 report'");
  CHECK(lines[3] == "review-sdk: published");
}

TEST_CASE("human_in_the_loop ends without publishing when the decision is not \"approved\"") {
  gallery::Server server;
  ChildProcess review("review", {HUMAN_IN_THE_LOOP_PROGRAM, "--url", server.url(), "--id", "review-no"});
  await_instruction(review);
  resolve_with_sdk(server.url(), "review-no:0", "needs work");
  REQUIRE_MESSAGE(review.wait_for_exit(30s) == 0, review.transcript());
  const auto lines = review.lines();
  REQUIRE_FALSE(lines.empty());
  CHECK(lines.back() == "review-no: not published (needs work)");
  CHECK_FALSE(review.has_printed([](std::string_view line) { return line.starts_with("publishing"); }));
}

#ifdef RESONATE_CLI_PROGRAM
TEST_CASE("human_in_the_loop continues once its printed `resonate promises resolve` command is run") {
  gallery::Server server;
  ChildProcess review("review", {HUMAN_IN_THE_LOOP_PROGRAM, "--url", server.url(), "--id", "review-cli"});
  auto words = shell_words(await_instruction(review));
  REQUIRE(words.size() == 6);
  REQUIRE(words[0] == "resonate");
  CHECK(words[5] == "\"approved\"");
  words[0] = RESONATE_CLI_PROGRAM;
  words.push_back("--server");
  words.push_back(server.url());

  ChildProcess cli("cli", words);
  REQUIRE_MESSAGE(cli.wait_for_exit(30s) == 0, cli.transcript() << server.transcript());
  REQUIRE_MESSAGE(review.wait_for_exit(30s) == 0, review.transcript() << server.transcript());
  const auto lines = review.lines();
  REQUIRE_FALSE(lines.empty());
  CHECK(lines.back() == "review-cli: published");
}
#endif
