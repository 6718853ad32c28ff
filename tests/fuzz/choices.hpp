// Where the request generator gets its decisions from: a seeded random engine in the
// invariant tests, the fuzzer's input bytes in core_fuzzer. One generator, two drivers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>

namespace resonate::fuzz {

class Choices {
 public:
  virtual ~Choices() = default;
  // A number in [0, bound); 0 when bound <= 1.
  virtual std::uint64_t below(std::uint64_t bound) = 0;
  bool chance(unsigned percent) { return below(100) < percent; }
};

// Reproducible from the seed alone: plain modulo of the engine, not a std distribution,
// whose algorithm differs between standard libraries.
class RandomChoices final : public Choices {
 public:
  explicit RandomChoices(std::uint64_t seed) : engine_(seed) {}
  std::uint64_t below(std::uint64_t bound) override { return bound <= 1 ? 0 : engine_() % bound; }

 private:
  std::mt19937_64 engine_;
};

// Reads one byte per decision (two when the bound exceeds 256); zeros once the input ends.
class ByteChoices final : public Choices {
 public:
  ByteChoices(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  std::uint64_t below(std::uint64_t bound) override {
    if (bound <= 1) return 0;
    std::uint64_t value = next_byte();
    if (bound > 256) value = value << 8 | next_byte();
    return value % bound;
  }
  bool exhausted() const { return position_ >= size_; }

 private:
  std::uint8_t next_byte() { return position_ < size_ ? data_[position_++] : 0; }

  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t position_ = 0;
};

}  // namespace resonate::fuzz
