// resonate-server: the Resonate protocol server. See `resonate-server --help`.
//
// Exit codes: 0 after a graceful stop (SIGINT/SIGTERM) or --help, 1 when the store cannot be
// opened or the address bound, 2 for a bad command line.
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "server/config.hpp"
#include "server/log.hpp"
#include "server/server.hpp"
#include "server/store_spec.hpp"

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
