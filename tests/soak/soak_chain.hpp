// The soak workload: what the worker computes and what the driver expects, in one place.
//
// `soak_chain(input)` is three durable steps separated by two short durable sleeps:
//
//   a = step(input, 0); sleep; b = step(a, 1); sleep; c = step(b, 2); return c
//
// Every value is a pure function of the input, so after any number of crashes and replays the
// driver knows exactly which value every checkpoint and every root promise must hold.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace resonate::soak {

inline constexpr int steps_per_execution = 3;
// Child promises of one execution: steps at positions 0, 2, 4 and sleeps at 1, 3 (the SDK numbers
// durable calls in program order: `root:0`, `root:1`, ...).
inline constexpr int children_per_execution = 5;

// One step's checkpoint value: a cheap mix that differs for every (value, index).
inline std::int64_t step_value(std::int64_t value, int index) {
  return (value * 1'000'003 + 7919 * (index + 1)) % 2'147'483'647;
}

// A short sleep, different per execution and position, so wake-ups spread over server ticks.
inline std::chrono::milliseconds sleep_duration(std::int64_t input, int index) {
  return std::chrono::milliseconds(20 + (input * 37 + index * 53) % 180);
}

// How long a step's work takes.
inline std::chrono::milliseconds step_duration(std::int64_t value, int index) {
  return std::chrono::milliseconds(10 + (value + index) % 50);
}

// The input of step `index` of execution `input` (the previous step's value).
inline std::int64_t step_input(std::int64_t input, int index) {
  std::int64_t value = input;
  for (int i = 0; i < index; ++i) value = step_value(value, i);
  return value;
}

inline std::int64_t expected_step(std::int64_t input, int index) { return step_value(step_input(input, index), index); }
inline std::int64_t expected_result(std::int64_t input) { return expected_step(input, steps_per_execution - 1); }

// Root promise ids: "soak-<input>".
inline std::string root_id(std::int64_t input) { return "soak-" + std::to_string(input); }

}  // namespace resonate::soak
