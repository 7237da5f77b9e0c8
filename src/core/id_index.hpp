// SPDX-License-Identifier: MIT
// A hash index over items the caller owns (tasks, by ID): one open-addressed array of
// 8-byte slots (the hash and the item's number), no node allocation per key. The key of
// item i is `key_of(i)`; the caller keeps those bytes alive and unchanged while the
// index is used. Internal.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <utility>
#include <vector>

namespace flow::detail {

template <class KeyOf>
class IdIndex {
 public:
  static constexpr std::uint32_t npos = 0xFFFFFFFFu;

  IdIndex(KeyOf key_of, std::size_t expected) : key_of_(std::move(key_of)) {
    std::size_t c = 16;
    while (c < expected * 2 + 2) c *= 2;
    slots_.assign(c, Slot{});
    mask_ = c - 1;
  }

  /// Adds item `item` unless an item with the same key is there. Returns the item that
  /// holds the key (`item` itself when it was added) and whether it was added.
  std::pair<std::uint32_t, bool> insert(std::uint32_t item) {
    if ((count_ + 1) * 2 > slots_.size()) grow();
    const std::string_view key = key_of_(item);
    const std::uint32_t h = hash(key);
    for (std::size_t i = h & mask_;; i = (i + 1) & mask_) {
      Slot& s = slots_[i];
      if (s.item == 0) {
        s = Slot{h, item + 1};
        ++count_;
        return {item, true};
      }
      if (s.hash == h && key_of_(s.item - 1) == key) return {s.item - 1, false};
    }
  }

  /// The item whose key is `key`, or npos.
  [[nodiscard]] std::uint32_t find(std::string_view key) const {
    const std::uint32_t h = hash(key);
    for (std::size_t i = h & mask_;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.item == 0) return npos;
      if (s.hash == h && key_of_(s.item - 1) == key) return s.item - 1;
    }
  }

  [[nodiscard]] bool contains(std::string_view key) const { return find(key) != npos; }

 private:
  struct Slot {
    std::uint32_t hash = 0;
    std::uint32_t item = 0;  // item number + 1; 0: empty
  };

  // FNV-1a: IDs are a few bytes long, where it is as fast as anything.
  static std::uint32_t hash(std::string_view k) noexcept {
    std::uint32_t h = 2166136261u;
    for (unsigned char c : k) h = (h ^ c) * 16777619u;
    return h;
  }

  void grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(old.size() * 2, Slot{});
    mask_ = slots_.size() - 1;
    for (const Slot& s : old) {
      if (s.item == 0) continue;
      std::size_t i = s.hash & mask_;
      while (slots_[i].item != 0) i = (i + 1) & mask_;
      slots_[i] = s;
    }
  }

  KeyOf key_of_;
  std::vector<Slot> slots_;
  std::size_t mask_ = 0;
  std::size_t count_ = 0;
};

}  // namespace flow::detail
