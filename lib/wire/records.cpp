#include "wire/records.hpp"

#include <array>
#include <utility>

namespace resonate::wire {

namespace {

constexpr std::array<std::pair<PromiseState, std::string_view>, 5> promise_states{{
    {PromiseState::pending, "pending"},
    {PromiseState::resolved, "resolved"},
    {PromiseState::rejected, "rejected"},
    {PromiseState::rejected_canceled, "rejected_canceled"},
    {PromiseState::rejected_timedout, "rejected_timedout"},
}};

constexpr std::array<std::pair<TaskState, std::string_view>, 5> task_states{{
    {TaskState::pending, "pending"},
    {TaskState::acquired, "acquired"},
    {TaskState::suspended, "suspended"},
    {TaskState::halted, "halted"},
    {TaskState::fulfilled, "fulfilled"},
}};

template <typename Table, typename Enum>
std::string_view name_of(const Table& table, Enum value) {
  for (const auto& [state, name] : table) {
    if (state == value) return name;
  }
  return "unknown";
}

template <typename Enum, typename Table>
std::optional<Enum> value_of(const Table& table, std::string_view text) {
  for (const auto& [state, name] : table) {
    if (name == text) return state;
  }
  return std::nullopt;
}

}  // namespace

std::string_view Promise::tag(std::string_view key) const {
  auto it = tags.find(key);
  return it == tags.end() ? std::string_view{} : std::string_view{it->second};
}

std::string_view to_string(PromiseState state) { return name_of(promise_states, state); }
std::string_view to_string(TaskState state) { return name_of(task_states, state); }

std::optional<PromiseState> promise_state_from(std::string_view text) {
  return value_of<PromiseState>(promise_states, text);
}
std::optional<TaskState> task_state_from(std::string_view text) {
  return value_of<TaskState>(task_states, text);
}

}  // namespace resonate::wire
