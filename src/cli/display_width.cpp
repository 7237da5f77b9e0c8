// SPDX-License-Identifier: MIT
// A small wcwidth: the common ranges of Unicode 15's East Asian Width and combining marks.
#include "cli/display_width.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace flow::cli {

namespace {

using Range = std::pair<char32_t, char32_t>;

// Nonspacing and enclosing marks, zero-width format characters, variation selectors.
constexpr std::array<Range, 40> kZero{{
    {0x0300, 0x036F}, {0x0483, 0x0489}, {0x0591, 0x05BD}, {0x05BF, 0x05BF}, {0x05C1, 0x05C2},
    {0x05C4, 0x05C5}, {0x05C7, 0x05C7}, {0x0610, 0x061A}, {0x064B, 0x065F}, {0x0670, 0x0670},
    {0x06D6, 0x06DC}, {0x06DF, 0x06E4}, {0x06E7, 0x06E8}, {0x06EA, 0x06ED}, {0x0900, 0x0902},
    {0x093A, 0x093A}, {0x093C, 0x093C}, {0x0941, 0x0948}, {0x094D, 0x094D}, {0x0951, 0x0957},
    {0x0E31, 0x0E31}, {0x0E34, 0x0E3A}, {0x0E47, 0x0E4E}, {0x1AB0, 0x1AFF}, {0x1DC0, 0x1DFF},
    {0x200B, 0x200F}, {0x202A, 0x202E}, {0x2060, 0x2064}, {0x20D0, 0x20FF}, {0x302A, 0x302D},
    {0x3099, 0x309A}, {0xFE00, 0xFE0F}, {0xFE20, 0xFE2F}, {0xFEFF, 0xFEFF}, {0x1D167, 0x1D169},
    {0x1D17B, 0x1D182}, {0x1F3FB, 0x1F3FF}, {0xE0001, 0xE0001}, {0xE0020, 0xE007F}, {0xE0100, 0xE01EF},
}};

// East Asian Wide (W) and Fullwidth (F), and the emoji presented wide.
constexpr std::array<Range, 28> kWide{{
    {0x1100, 0x115F},   {0x231A, 0x231B},   {0x2329, 0x232A},   {0x23E9, 0x23EC},   {0x23F0, 0x23F0},
    {0x23F3, 0x23F3},   {0x25FD, 0x25FE},   {0x2614, 0x2615},   {0x2648, 0x2653},   {0x26A1, 0x26A1},
    {0x26AA, 0x26AB},   {0x26BD, 0x26BE},   {0x26C4, 0x26C5},   {0x26D4, 0x26D4},   {0x2705, 0x2705},
    {0x2E80, 0x303E},   {0x3041, 0x33FF},   {0x3400, 0x4DBF},   {0x4E00, 0x9FFF},   {0xA000, 0xA4CF},
    {0xA960, 0xA97F},   {0xAC00, 0xD7A3},   {0xF900, 0xFAFF},   {0xFE30, 0xFE4F},   {0xFF00, 0xFF60},
    {0xFFE0, 0xFFE6},   {0x1F300, 0x1FAFF}, {0x20000, 0x3FFFD},
}};

template <std::size_t N>
bool in(const std::array<Range, N>& table, char32_t c) {
  auto it = std::upper_bound(table.begin(), table.end(), c, [](char32_t v, const Range& r) { return v < r.first; });
  return it != table.begin() && c <= std::prev(it)->second;
}

// Decodes one code point at s[i]; advances i. An invalid byte decodes as itself
// (Latin-1) and advances by one.
char32_t decode(std::string_view s, std::size_t& i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  int len = b0 < 0x80 ? 1 : (b0 >> 5) == 0x6 ? 2 : (b0 >> 4) == 0xE ? 3 : (b0 >> 3) == 0x1E ? 4 : 0;
  if (len == 0 || i + static_cast<std::size_t>(len) > s.size()) {
    ++i;
    return b0;
  }
  char32_t c = len == 1 ? b0 : len == 2 ? (b0 & 0x1F) : len == 3 ? (b0 & 0x0F) : (b0 & 0x07);
  for (int k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]);
    if ((b & 0xC0) != 0x80) {
      ++i;
      return b0;
    }
    c = (c << 6) | (b & 0x3F);
  }
  i += static_cast<std::size_t>(len);
  return c;
}

// Length of the CSI sequence at s[i] (ESC [ params final), or 0 if there is none.
std::size_t csi_length(std::string_view s, std::size_t i) {
  if (s[i] != '\x1b' || i + 1 >= s.size() || s[i + 1] != '[') return 0;
  std::size_t j = i + 2;
  while (j < s.size() && static_cast<unsigned char>(s[j]) >= 0x20 && static_cast<unsigned char>(s[j]) < 0x40) ++j;
  return j < s.size() ? j + 1 - i : 0;
}

}  // namespace

int codepoint_width(char32_t c) {
  if (c < 0x20 || (c >= 0x7F && c < 0xA0)) return 0;
  if (c < 0x300) return 1;
  if (in(kZero, c)) return 0;
  if (in(kWide, c)) return 2;
  return 1;
}

int display_width(std::string_view text) {
  int w = 0;
  for (std::size_t i = 0; i < text.size();) {
    if (std::size_t n = csi_length(text, i)) {
      i += n;
      continue;
    }
    const std::size_t at = i;
    const char32_t c = decode(text, i);
    w += i == at + 1 && c >= 0x80 && c < 0x100 && static_cast<unsigned char>(text[at]) >= 0x80 ? 1 : codepoint_width(c);
  }
  return w;
}

std::string printable(std::string_view text) {
  std::string out(text);
  for (char& ch : out)
    if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7F) ch = ' ';
  return out;
}

std::string fit(std::string_view text, int columns, bool pad) {
  columns = std::max(columns, 0);
  const int total = display_width(text);
  if (total <= columns) {
    std::string out(text);
    if (pad) out.append(static_cast<std::size_t>(columns - total), ' ');
    return out;
  }
  // Keep what fits in columns - 1, then the ellipsis.
  const int room = columns - 1;
  std::string out;
  bool styled = false;
  int w = 0;
  for (std::size_t i = 0; i < text.size();) {
    if (std::size_t n = csi_length(text, i)) {
      out.append(text.substr(i, n));
      styled = true;
      i += n;
      continue;
    }
    const std::size_t at = i;
    const char32_t c = decode(text, i);
    const int cw = i == at + 1 && static_cast<unsigned char>(text[at]) >= 0x80 ? 1 : codepoint_width(c);
    if (w + cw > room) break;
    w += cw;
    out.append(text.substr(at, i - at));
  }
  if (columns > 0) {
    out += "\u2026";
    ++w;
  }
  if (styled) out += "\x1b[0m";
  if (pad) out.append(static_cast<std::size_t>(std::max(0, columns - w)), ' ');
  return out;
}

}  // namespace flow::cli
