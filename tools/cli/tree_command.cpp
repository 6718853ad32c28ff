// resonate tree <id>
#include <cstdio>

#include "call_tree.hpp"
#include "commands.hpp"
#include "values.hpp"
#include "wire/clock.hpp"

namespace resonate::cli {

namespace json = boost::json;

int tree_command(const CommandInput& input, Client& client) {
  const auto& id = input.operands[0];
  const auto limit = limit_flag(input.arguments, 10000, 1000000);
  auto answer = client.call_ok(wire::PromiseGet{id}, promise_subject(id));
  const auto root = present_promise(promise_in(answer)).as_object();

  // Every record of the execution tree carries its origin's tag; read them a page at a time.
  wire::PromiseSearch query;
  query.tags = {{"resonate:origin", origin_of_record(root)}};
  std::vector<json::object> members;
  bool truncated = false;
  for (;;) {
    query.limit = 1000;
    auto page = client.call_ok(query, "the promise search");
    if (const auto* rows = page.if_contains("promises"); rows && rows->is_array()) {
      for (const auto& row : rows->get_array()) {
        if (!row.is_object()) continue;
        if (static_cast<std::int64_t>(members.size()) == limit) {
          truncated = true;
          break;
        }
        members.push_back(present_promise(row).as_object());
      }
    }
    const auto* more = page.if_contains("cursor");
    if (truncated || !more || !more->is_string()) break;
    query.cursor = std::string(more->get_string());
  }

  const auto tree = call_tree(root, members);
  if (input.arguments.has("--json")) {
    print_json(tree_json(tree));
  } else {
    const auto text = tree_text(tree, wire::epoch_ms_now());
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
  }
  if (truncated) {
    std::fprintf(stderr, "resonate: warning: the tree has more than %lld promises; shown: the first %lld read "
                 "(raise --limit)\n", static_cast<long long>(limit), static_cast<long long>(limit));
  }
  return 0;
}

}  // namespace resonate::cli
