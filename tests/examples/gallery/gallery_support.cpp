#include "gallery_support.hpp"

namespace gallery {

Server::Server() : ServerChild(RESONATE_SERVER_PROGRAM, {"--retry-interval-ms", "1000"}) {}

std::vector<std::string> lines_starting(const resonate::test_support::ChildProcess& process, std::string_view prefix) {
  std::vector<std::string> lines;
  for (auto& line : process.lines()) {
    if (line.starts_with(prefix)) lines.push_back(std::move(line));
  }
  return lines;
}

}  // namespace gallery
