// human_in_the_loop: a workflow that waits for a person's decision.
//
// review(document) creates a durable promise with ctx.promise<std::string>() that nothing in
// this program settles, prints its id and the command that settles it, and awaits it. The
// workflow is suspended meanwhile, for seconds or for days, and continues once someone
// resolves the promise: with the `resonate` CLI, or from code with Resonate::resolve.
//
//   resonate-server serve &
//   human_in_the_loop --id review-1 --document "Q3 report"     (--url, else $RESONATE_URL,
//                                                               else http://127.0.0.1:8001)
//   resonate promises resolve review-1:0 --data '"approved"'   (in another terminal)
#include <cstdio>
#include <exception>
#include <stdexcept>
#include <string>
#include <string_view>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include "resonate/resonate.hpp"

namespace asio = boost::asio;

namespace {

void say(const std::string& line) {
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
}

asio::awaitable<std::string> review(resonate::Context& ctx, std::string document) {
  auto approval = co_await ctx.promise<std::string>();

  // A step, so that the request is printed once, not on every replay.
  auto ask = [&approval, &document] {
    say("'" + document + "' waits for a decision on promise " + approval.id());
    say("settle it with: resonate promises resolve " + approval.id() + " --data '\"approved\"'");
  };
  co_await ctx.run(ask);

  std::string decision = co_await approval.result();
  if (decision != "approved") co_return "not published (" + decision + ")";

  auto publish = [&document] { say("publishing '" + document + "'"); };
  co_await ctx.run(publish);
  co_return "published";
}

struct Arguments {
  std::string id = "review-1";
  std::string document = "quarterly report";
  std::string url;  // empty: $RESONATE_URL, else http://127.0.0.1:8001
};

Arguments parse(int argc, char** argv) {
  if (argc % 2 == 0) throw std::invalid_argument("option " + std::string(argv[argc - 1]) + " needs a value");
  Arguments arguments;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view flag = argv[i];
    const std::string value = argv[i + 1];
    if (flag == "--id") arguments.id = value;
    else if (flag == "--document") arguments.document = value;
    else if (flag == "--url") arguments.url = value;
    else throw std::invalid_argument("unknown option " + std::string(flag));
  }
  return arguments;
}

}  // namespace

int main(int argc, char** argv) {
  Arguments arguments;
  try {
    arguments = parse(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\nusage: %s [--id ID] [--document TEXT] [--url URL]\n", e.what(), argv[0]);
    return 2;
  }

  asio::io_context io;
  resonate::RemoteConfig config;
  config.url = arguments.url;
  auto resonate = resonate::Resonate::remote(io.get_executor(), config);
  auto review_function = resonate.register_function("review", review);

  int status = 0;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        try {
          auto outcome = co_await review_function.run(arguments.id, arguments.document);
          say(arguments.id + ": " + outcome);
        } catch (const std::exception& e) {
          std::fprintf(stderr, "review failed: %s\n", e.what());
          status = 1;
        }
        resonate.stop();
      },
      asio::detached);
  io.run();
  return status;
}
