// resonate-server: the Resonate protocol server. See `resonate-server --help`.
//
// Exit codes: 0 after a graceful stop (SIGINT/SIGTERM) or --help, 1 when the store cannot be
// opened or the address bound, 2 for a bad command line.
#include <sys/resource.h>

#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "server/config.hpp"
#include "server/log.hpp"
#include "server/server.hpp"
#include "server/store_spec.hpp"

namespace {

// Every HTTP connection and message stream is a descriptor, and each SDK process keeps up to
// RemoteConfig::max_connections (64) connections open: a soft limit of 1024, the usual default,
// would be reached by a few busy workers. It goes up to the hard limit, as far as allowed.
void raise_open_file_limit(resonate::server::Logger& log) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) return;
  const auto soft = limit.rlim_cur;
  limit.rlim_cur = limit.rlim_max;
  if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) {
    log.warn("cannot raise the open file limit; connections beyond it are refused",
             {{"limit", static_cast<std::uint64_t>(soft)}});
    return;
  }
  log.debug("open file limit raised", {{"from", static_cast<std::uint64_t>(soft)},
                                       {"to", static_cast<std::uint64_t>(limit.rlim_cur)}});
}

}  // namespace

int main(int argc, char** argv) {
  using namespace resonate::server;

  Command command;
  try {
    command = parse_command_line(std::vector<std::string>(argv + 1, argv + argc),
                                 [](const char* name) { return std::getenv(name); });
  } catch (const UsageError& error) {
    std::cerr << "resonate-server: " << error.what() << "\n\n" << usage();
    return 2;
  }
  if (command.help) {
    std::cout << usage();
    return 0;
  }

  auto& config = command.config;
  config.handle_signals = true;
  Logger log(config.log_level);
  raise_open_file_limit(log);
  try {
    const auto store = open_store(config.store);
    Server server(config, *store);
    server.run();
  } catch (const std::exception& error) {
    log.error("fatal", {{"store", describe_store(config.store)}, {"error", error.what()}});
    return 1;
  }
  return 0;
}
