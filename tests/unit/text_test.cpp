// SPDX-License-Identifier: MIT
// The parser's byte-level helpers: the word-at-a-time digit scan and the ID index.
#include "core/id_index.hpp"
#include "support/text.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace {

std::size_t naive_find_digit(std::string_view s, std::size_t from) {
  for (std::size_t i = from; i < s.size(); ++i)
    if (s[i] >= '0' && s[i] <= '9') return i;
  return s.size();
}

}  // namespace

TEST_CASE("find_digit finds the first digit after every filler byte, at every position") {
  // Every byte value as filler, including the neighbours of '0'..'9' and bytes >= 0x80
  // that defeat naive word tricks; a digit at each position of a 3-word buffer.
  for (int filler = 0; filler < 256; ++filler) {
    if (filler >= '0' && filler <= '9') continue;
    std::string s(24, static_cast<char>(filler));
    CHECK(flow::detail::find_digit(s, 0) == s.size());
    for (std::size_t p = 0; p < s.size(); ++p) {
      for (char d : {'0', '5', '9'}) {
        std::string t = s;
        t[p] = d;
        INFO("filler " << filler << " digit at " << p);
        REQUIRE(flow::detail::find_digit(t, 0) == p);
        REQUIRE(flow::detail::find_digit(t, p) == p);
        if (p + 1 <= t.size()) REQUIRE(flow::detail::find_digit(t, p + 1) == t.size());
      }
    }
  }
}

TEST_CASE("find_digit agrees with a byte loop on random text") {
  std::mt19937 rng(7);
  for (int round = 0; round < 2000; ++round) {
    std::string s(rng() % 70, '\0');
    for (char& c : s) c = static_cast<char>(rng() % 4 == 0 ? '0' + rng() % 10 : rng() % 256);
    const std::size_t from = s.empty() ? 0 : rng() % (s.size() + 1);
    REQUIRE(flow::detail::find_digit(s, from) == naive_find_digit(s, from));
  }
}

TEST_CASE("IdIndex keeps the first item of each key, grows, and answers absent keys") {
  std::vector<std::string> keys;
  for (int i = 0; i < 5000; ++i) keys.push_back("T" + std::to_string(i % 3000));  // 2000 repeats
  const auto key_of = [&](std::uint32_t i) { return std::string_view(keys[i]); };
  flow::detail::IdIndex<decltype(key_of)> index(key_of, 0);  // starts small: must grow
  for (std::uint32_t i = 0; i < keys.size(); ++i) {
    const auto [holder, fresh] = index.insert(i);
    INFO(keys[i]);
    REQUIRE(fresh == (i < 3000));
    REQUIRE(holder == i % 3000);
  }
  CHECK(index.find("T2999") == 2999);
  CHECK(index.find("T0") == 0);
  CHECK(index.find("T3000") == index.npos);
  CHECK_FALSE(index.contains(""));
  CHECK_FALSE(index.contains("T"));
}

TEST_CASE("NewlineFinder finds every newline in order, across 64-byte blocks, and counts them") {
  std::mt19937 rng(11);
  for (int round = 0; round < 3000; ++round) {
    // Lengths around the block size, newlines dense or sparse.
    std::string s(rng() % 300, 'a');
    const auto density = 1 + rng() % 40;
    for (char& c : s) c = rng() % density == 0 ? '\n' : static_cast<char>(rng() % 256);
    std::vector<std::size_t> expected;
    for (std::size_t i = 0; i < s.size(); ++i)
      if (s[i] == '\n') expected.push_back(i);
    REQUIRE(flow::detail::NewlineFinder::count(s) == expected.size());
    flow::detail::NewlineFinder finder(s);
    std::vector<std::size_t> found;
    for (std::size_t pos = 0;;) {
      const std::size_t at = finder.next(pos);
      if (at == s.size()) break;
      found.push_back(at);
      pos = at + 1;  // callers resume right after a newline
    }
    REQUIRE(found == expected);
  }
  // Resuming from positions that skip ahead (frontmatter, long lines) is allowed too.
  std::string t(200, 'x');
  t[10] = t[70] = t[199] = '\n';
  flow::detail::NewlineFinder finder(t);
  CHECK(finder.next(0) == 10);
  CHECK(finder.next(11) == 70);
  CHECK(finder.next(150) == 199);
  CHECK(finder.next(200) == 200);
}
