#include "core/read_ahead.hpp"

#include <variant>

namespace resonate::core {

namespace {

// Named for each kind; searches and schedules read nothing by id that is worth reading ahead.
// The answers of an acquire and a fence carry the branch's promises (a suspension's only when
// it goes on replaying: rare, so not read ahead).
struct Namer {
  ReadAhead& reads;
  bool fence_preload;

  void record(std::string_view id) { reads.records.push_back(id); }
  void promise(std::string_view id) { reads.promises.push_back(id); }
  void settled(std::string_view id) {
    reads.records.push_back(id);
    reads.settlements.push_back(id);
  }
  void preloaded(std::string_view id) {
    reads.records.push_back(id);
    reads.branches.push_back(id);
  }
  void action(const std::variant<wire::PromiseCreate, wire::PromiseSettle>& action) {
    if (const auto* creation = std::get_if<wire::PromiseCreate>(&action)) promise(creation->id);
    if (const auto* settlement = std::get_if<wire::PromiseSettle>(&action)) settled(settlement->id);
  }

  void operator()(const wire::PromiseGet& request) { promise(request.id); }
  void operator()(const wire::PromiseCreate& request) { promise(request.id); }
  void operator()(const wire::PromiseSettle& request) { settled(request.id); }
  void operator()(const wire::PromiseRegisterCallback& request) {
    promise(request.awaited);
    record(request.awaiter);  // its task is resumed when the awaited promise is settled already
  }
  void operator()(const wire::PromiseRegisterListener& request) { promise(request.awaited); }
  void operator()(const wire::TaskGet& request) { record(request.id); }
  void operator()(const wire::TaskCreate& request) { preloaded(request.action.id); }
  void operator()(const wire::TaskAcquire& request) { preloaded(request.id); }
  void operator()(const wire::TaskRelease& request) { record(request.id); }
  void operator()(const wire::TaskFulfill& request) { settled(request.id); }
  void operator()(const wire::TaskSuspend& request) {
    record(request.id);
    for (const auto& awaited : request.awaited) promise(awaited);
  }
  void operator()(const wire::TaskFence& request) {
    if (fence_preload) {
      preloaded(request.id);
    } else {
      record(request.id);
    }
    action(request.action);
  }
  void operator()(const wire::TaskHeartbeat& request) {
    for (const auto& held : request.tasks) reads.tasks.push_back(held.id);
  }
  void operator()(const wire::TaskHalt& request) { record(request.id); }
  void operator()(const wire::TaskContinue& request) { record(request.id); }
  template <typename Other>
  void operator()(const Other&) {}
};

}  // namespace

void name_reads(const wire::Request& request, ReadAhead& reads, bool fence_preload) {
  std::visit(Namer{reads, fence_preload}, request);
}

}  // namespace resonate::core
