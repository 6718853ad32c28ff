// Cron expressions of schedules (docs/resonate-protocol.md §3.17), evaluated in UTC.
#pragma once

#include <memory>
#include <optional>
#include <string_view>

#include "wire/records.hpp"

namespace resonate::wire {

class Cron {
 public:
  // Accepts 5 fields `min hour dom month dow` (seconds = 0) or 6-7 fields
  // `sec min hour dom month dow [year]`. Supports `*`, lists, ranges, steps, month and
  // weekday names. Returns nullopt when the expression is invalid.
  static std::optional<Cron> parse(std::string_view expression);

  // The first instant strictly after `after` (epoch ms) matching the expression, in whole
  // seconds; nullopt when none exists (e.g. a past year).
  std::optional<Millis> next_after(Millis after) const;

  ~Cron();
  Cron(const Cron&);
  Cron(Cron&&) noexcept;
  Cron& operator=(const Cron&);
  Cron& operator=(Cron&&) noexcept;

 private:
  struct Fields;
  explicit Cron(std::unique_ptr<Fields> fields);
  std::unique_ptr<Fields> fields_;
};

}  // namespace resonate::wire
