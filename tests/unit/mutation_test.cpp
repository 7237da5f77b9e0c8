// SPDX-License-Identifier: MIT
// Mutation loop over the corpus: truncations, byte flips and splices never crash the
// parser or break a Plan's invariants (ctest's timeout bounds the time).
#include <flow/graph.hpp>
#include <flow/tasks_md.hpp>

#include "unit/support.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <random>

using namespace flow;

TEST_CASE("mutated corpus files parse to valid plans") {
  const auto files = test::corpus_files();
  std::vector<std::string> texts;
  for (const auto& f : files) texts.push_back(test::slurp(f));
  std::mt19937_64 rng(20261124);
  const char interesting[] = {'\0', '\n', '\r', '[', ']', '`', '~', '#', '-', '*', ' ', 'T', '1', '<', '>', '\xE2', '\xFF'};
  int runs = 0;
  for (std::size_t i = 0; i < texts.size(); ++i) {
    const std::string& base = texts[i];
    for (int k = 0; k < 12; ++k) {
      std::string m = base;
      switch (k % 4) {
        case 0:  // truncation
          m.resize(std::uniform_int_distribution<std::size_t>(0, m.size())(rng));
          break;
        case 1:  // byte flips
          for (int f = 0; f < 64 && !m.empty(); ++f)
            m[std::uniform_int_distribution<std::size_t>(0, m.size() - 1)(rng)] =
                interesting[std::uniform_int_distribution<std::size_t>(0, sizeof interesting - 1)(rng)];
          break;
        case 2: {  // splice with another file
          const std::string& other = texts[(i + 1 + static_cast<std::size_t>(k)) % texts.size()];
          const std::size_t a = std::uniform_int_distribution<std::size_t>(0, m.size())(rng);
          const std::size_t b = std::uniform_int_distribution<std::size_t>(0, other.size())(rng);
          m = m.substr(0, a) + other.substr(b);
          break;
        }
        default: {  // duplicated and deleted ranges
          const std::size_t a = std::uniform_int_distribution<std::size_t>(0, m.size())(rng);
          const std::size_t n = std::uniform_int_distribution<std::size_t>(0, std::min<std::size_t>(4096, m.size() - a))(rng);
          if (k % 8 == 3) m.insert(a, m.substr(a, n));
          else m.erase(a, n);
          break;
        }
      }
      const Plan p = parse_tasks_md(m);
      test::check_invariants(m, p);
      ++runs;
    }
  }
  CHECK(runs == static_cast<int>(texts.size()) * 12);
}

// Inputs the fuzzer (tests/fuzz/parse_fuzz.cpp) once crashed on, parsed and built into a
// graph as it does; ASan and UBSan builds catch a regression.
TEST_CASE("fuzzer findings parse to valid plans") {
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(test::data_path("fuzz"))) {
    if (!e.is_regular_file()) continue;  // settings/ and journal/ hold the other fuzzers' findings
    const std::string text = test::slurp(e.path().string());
    const Plan p = parse_tasks_md(text);
    test::check_invariants(text, p);
    (void)build_graph(p);  // the statements are read there (a story number that overflowed)
    ++files;
  }
  CHECK(files >= 1);
}
