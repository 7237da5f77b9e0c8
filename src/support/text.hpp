// SPDX-License-Identifier: MIT
// Small byte-level text helpers shared by the parser and the write-back. Internal.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace flow::detail {

inline bool is_space(char c) noexcept { return c == ' ' || c == '\t'; }
inline bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
inline bool is_upper(char c) noexcept { return c >= 'A' && c <= 'Z'; }
inline bool is_lower(char c) noexcept { return c >= 'a' && c <= 'z'; }
inline bool is_alpha(char c) noexcept { return is_upper(c) || is_lower(c); }
inline bool is_alnum(char c) noexcept { return is_alpha(c) || is_digit(c); }
inline char to_lower(char c) noexcept { return is_upper(c) ? static_cast<char>(c + 32) : c; }

inline std::string_view trim_left(std::string_view s) noexcept {
  std::size_t i = 0;
  while (i < s.size() && is_space(s[i])) ++i;
  return s.substr(i);
}

inline std::string_view trim_right(std::string_view s) noexcept {
  std::size_t n = s.size();
  while (n > 0 && (is_space(s[n - 1]) || s[n - 1] == '\r')) --n;
  return s.substr(0, n);
}

inline std::string_view trim(std::string_view s) noexcept { return trim_right(trim_left(s)); }

inline bool starts_with(std::string_view s, std::string_view p) noexcept {
  // memcmp for equality with a literal's length inlines to a few compares.
  return s.size() >= p.size() && (p.empty() || std::memcmp(s.data(), p.data(), p.size()) == 0);
}

/// ASCII case-insensitive prefix test; `p` must be lower case.
inline bool istarts_with(std::string_view s, std::string_view p) noexcept {
  if (s.size() < p.size()) return false;
  for (std::size_t i = 0; i < p.size(); ++i)
    if (to_lower(s[i]) != p[i]) return false;
  return true;
}

/// ASCII case-insensitive search; `p` must be lower case and non-empty.
inline std::size_t ifind(std::string_view s, std::string_view p, std::size_t from = 0) noexcept {
  if (p.empty() || s.size() < p.size()) return std::string_view::npos;
  // Setting bit 5 folds 'A'..'Z' onto 'a'..'z' (and a few symbols onto others, which
  // istarts_with then rules out): one compare per byte.
  const char first = static_cast<char>(p[0] | 0x20);
  for (std::size_t i = from, last = s.size() - p.size(); i <= last; ++i) {
    if (static_cast<char>(s[i] | 0x20) != first) continue;
    if (istarts_with(s.substr(i), p)) return i;
  }
  return std::string_view::npos;
}

/// Index of the first ASCII digit in `s` at or after `from`, or `s.size()`. Eight bytes
/// at a time: a word with no byte in '0'..'9' is skipped whole (Bit Twiddling Hacks'
/// "hasbetween", which has no false negatives; candidates are checked byte by byte).
inline std::size_t find_digit(std::string_view s, std::size_t from) noexcept {
  constexpr std::uint64_t ones = ~std::uint64_t{0} / 255;
  constexpr std::uint64_t low7 = ones * 127;
  std::size_t i = from;
  while (i + 8 <= s.size()) {
    std::uint64_t x;
    std::memcpy(&x, s.data() + i, 8);
    const std::uint64_t y = x & low7;
    if (((ones * (127 + ('9' + 1)) - y) & ~x & (y + ones * (127 - ('0' - 1))) & (ones * 128)) != 0)
      for (std::size_t k = 0; k < 8; ++k)
        if (is_digit(s[i + k])) return i + k;
    i += 8;
  }
  while (i < s.size() && !is_digit(s[i])) ++i;
  return i;
}

/// Finds the newlines of a text in order, 64 bytes at a time: one compare and mask per
/// block instead of a memchr call per line, and no mispredicted branch per line.
class NewlineFinder {
 public:
  explicit NewlineFinder(std::string_view s) noexcept : s_(s) {}

  /// Index of the first '\n' at or after `pos`, or `size()`. Any `pos` is answered;
  /// calls in increasing order reuse the block already scanned.
  std::size_t next(std::size_t pos) noexcept {
    for (;;) {
      if (pos >= s_.size()) return s_.size();
      if (pos < block_ || pos >= block_ + 64) load(pos & ~std::size_t{63});
      const std::uint64_t m = mask_ & (~std::uint64_t{0} << (pos - block_));
      if (m) return block_ + static_cast<std::size_t>(std::countr_zero(m));
      pos = block_ + 64;
    }
  }

  /// Number of '\n' in the whole text.
  static std::size_t count(std::string_view s) noexcept {
    std::size_t n = 0, i = 0;
    for (; i + 64 <= s.size(); i += 64) n += static_cast<std::size_t>(std::popcount(mask64(s.data() + i)));
    for (; i < s.size(); ++i) n += s[i] == '\n';
    return n;
  }

 private:
  static std::uint64_t mask64(const char* p) noexcept {
#if defined(__SSE2__)
    const __m128i nl = _mm_set1_epi8('\n');
    std::uint64_t m = 0;
    for (int k = 0; k < 4; ++k) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * k));
      m |= static_cast<std::uint64_t>(static_cast<std::uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, nl)))) << (16 * k);
    }
    return m;
#else
    std::uint64_t m = 0;
    for (int k = 0; k < 64; ++k) m |= static_cast<std::uint64_t>(p[k] == '\n') << k;
    return m;
#endif
  }

  void load(std::size_t block) noexcept {
    block_ = block;
    if (block + 64 <= s_.size()) {
      mask_ = mask64(s_.data() + block);
    } else {
      mask_ = 0;
      for (std::size_t k = 0; block + k < s_.size(); ++k) mask_ |= static_cast<std::uint64_t>(s_[block + k] == '\n') << k;
    }
  }

  std::string_view s_;
  std::size_t block_ = static_cast<std::size_t>(-1) / 2;  // no block loaded
  std::uint64_t mask_ = 0;
};

/// Columns of leading whitespace, a tab counting as 4.
inline int indent_of(std::string_view s) noexcept {
  int n = 0;
  for (char c : s) {
    if (c == ' ') ++n;
    else if (c == '\t') n += 4;
    else break;
  }
  return n;
}

/// Byte-length of a UTF-8 sequence that starts with `c` (1 for ASCII and stray bytes).
inline std::size_t utf8_len(unsigned char c) noexcept {
  if (c < 0xC0) return 1;
  if (c < 0xE0) return 2;
  if (c < 0xF0) return 3;
  return 4;
}

/// Index of the first byte of the first invalid UTF-8 sequence, or npos.
std::size_t find_invalid_utf8(std::string_view s) noexcept;

/// At most `max` bytes of `s`, cut at a UTF-8 boundary, with "…" when cut.
std::string clip(std::string_view s, std::size_t max);

/// Levenshtein distance between `a` and `b`, ignoring ASCII case: how many one-byte
/// insertions, deletions or substitutions turn one into the other.
std::size_t edit_distance(std::string_view a, std::string_view b);

/// The items separated by `sep`.
inline std::string join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out += sep;
    out += items[i];
  }
  return out;
}

}  // namespace flow::detail
