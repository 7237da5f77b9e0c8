// SPDX-License-Identifier: MIT
// A map from string views (task IDs, paths) to ints in one open-addressed array: no node
// allocation per key, one cache line per probe. The keys are views: the caller keeps
// the bytes alive and unchanged while the index is used. Internal.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <utility>
#include <vector>

namespace flow::detail {

class IdIndex {
 public:
  explicit IdIndex(std::size_t expected = 0) { rehash(capacity_for(expected)); }

  /// Inserts `key` with `value` unless present. Returns the stored value (the earlier one
  /// when the key was present) and whether this call inserted it.
  std::pair<int, bool> emplace(std::string_view key, int value) {
    if ((count_ + 1) * 2 > slots_.size()) rehash(slots_.size() * 2);
    const std::uint32_t h = hash(key);
    for (std::size_t i = h & mask_;; i = (i + 1) & mask_) {
      Slot& s = slots_[i];
      if (!s.data) {
        s = Slot{key.data() ? key.data() : "", static_cast<std::uint32_t>(key.size()), h, value};
        ++count_;
        return {value, true};
      }
      if (s.hash == h && equal(s, key)) return {s.value, false};
    }
  }

  /// The value stored for `key`, or nullptr.
  [[nodiscard]] const int* find(std::string_view key) const noexcept {
    const std::uint32_t h = hash(key);
    for (std::size_t i = h & mask_;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (!s.data) return nullptr;
      if (s.hash == h && equal(s, key)) return &s.value;
    }
  }

  [[nodiscard]] bool contains(std::string_view key) const noexcept { return find(key) != nullptr; }
  [[nodiscard]] std::size_t size() const noexcept { return count_; }

 private:
  struct Slot {
    const char* data = nullptr;  // nullptr: empty
    std::uint32_t size = 0;
    std::uint32_t hash = 0;
    int value = 0;
  };

  static std::size_t capacity_for(std::size_t n) {
    std::size_t c = 16;
    while (c < n * 2 + 2) c *= 2;
    return c;
  }

  // FNV-1a: IDs are a few bytes long, where it is as fast as anything.
  static std::uint32_t hash(std::string_view k) noexcept {
    std::uint32_t h = 2166136261u;
    for (unsigned char c : k) h = (h ^ c) * 16777619u;
    return h;
  }

  static bool equal(const Slot& s, std::string_view k) noexcept {
    return s.size == k.size() && std::memcmp(s.data, k.data(), k.size()) == 0;
  }

  void rehash(std::size_t capacity) {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(capacity, Slot{});
    mask_ = capacity - 1;
    for (const Slot& s : old) {
      if (!s.data) continue;
      std::size_t i = s.hash & mask_;
      while (slots_[i].data) i = (i + 1) & mask_;
      slots_[i] = s;
    }
  }

  std::vector<Slot> slots_;
  std::size_t mask_ = 0;
  std::size_t count_ = 0;
};

}  // namespace flow::detail
