// SPDX-License-Identifier: MIT
// Helpers shared by the unit tests.
#include "unit/support.hpp"

#include <flow/tasks_md.hpp>

#include <doctest/doctest.h>

#include <sys/resource.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;

namespace flow::test {

std::string data_path(const std::string& rel) { return std::string(FLOW_TEST_DATA) + "/" + rel; }

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE_MESSAGE(in.good(), "cannot open " << path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> corpus_files() {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(data_path("corpus")))
    if (e.path().extension() == ".md") out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

TempDir::TempDir() {
  std::string tmpl = (fs::temp_directory_path() / "flow-test-XXXXXX").string();
  REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
  path = tmpl;
}

void with_file_size_limit(unsigned long bytes, const std::function<void()>& f) {
  struct rlimit old {};
  REQUIRE(::getrlimit(RLIMIT_FSIZE, &old) == 0);
  auto* previous = std::signal(SIGXFSZ, SIG_IGN);
  struct rlimit small = old;
  small.rlim_cur = bytes;
  REQUIRE(::setrlimit(RLIMIT_FSIZE, &small) == 0);
  struct Restore {
    rlimit limit;
    void (*handler)(int);
    ~Restore() {
      ::setrlimit(RLIMIT_FSIZE, &limit);
      std::signal(SIGXFSZ, handler);
    }
  } restore{old, previous};
  f();
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path, ec);
}

std::string render_task_list(const Plan& plan) {
  std::string out;
  for (const Task& t : plan.tasks) {
    out += "L" + std::to_string(t.line) + " " + t.id + " " + to_string(t.state) + " " + to_string(t.form);
    if (t.parallel) out += " P";
    if (!t.story_label.empty()) out += " " + t.story_label;
    out += "\n";
  }
  return out;
}

std::string render_tasks(const Plan& plan) {
  std::string out;
  for (const Task& t : plan.tasks) {
    out += t.id + " L" + std::to_string(t.line) + " " + to_string(t.state);
    if (t.form != TaskForm::checkbox) out += std::string(" ") + to_string(t.form);
    if (t.parallel) out += " [P]";
    if (!t.story_label.empty()) out += " [" + t.story_label + "]";
    if (!t.priority.empty()) out += " prio=" + t.priority;
    for (const auto& l : t.labels) out += " {" + l + "}";
    const Phase& ph = plan.phases[static_cast<std::size_t>(t.phase)];
    out += " phase=" + std::to_string(ph.line) + ":" + to_string(ph.kind);
    if (ph.story) out += ":US" + std::to_string(ph.story);
    out += " group=" + std::to_string(plan.groups[static_cast<std::size_t>(t.group)].line);
    if (t.body_first) out += " body=" + std::to_string(t.body_first) + "-" + std::to_string(t.body_last);
    // 100 bytes, backed off to a character boundary: a golden file stays valid UTF-8.
    std::size_t cut = std::min<std::size_t>(t.description.size(), 100);
    while (cut > 0 && cut < t.description.size() && (static_cast<unsigned char>(t.description[cut]) & 0xC0) == 0x80) --cut;
    out += "\n    desc: " + t.description.substr(0, cut) + "\n";
    if (!t.paths.empty()) {
      out += "    paths:";
      for (const auto& p : t.paths) out += " " + p.path;
      out += "\n";
    }
    if (!t.depends_on.empty()) {
      out += "    deps:";
      for (const auto& r : t.depends_on) {
        out += " " + r.first;
        if (r.last != r.first) out += ".." + r.last;
        out += std::string("(") + to_string(r.origin) + ")";
      }
      out += "\n";
    }
  }
  return out;
}

void check_invariants(const std::string& text, const Plan& plan) {
  int prev_line = 0;
  for (const Task& t : plan.tasks) {
    CHECK(t.line > prev_line);
    prev_line = t.line;
    CHECK(t.line <= plan.line_count);
    CHECK(t.span.offset + t.span.length <= text.size());
    REQUIRE(t.phase >= 0);
    REQUIRE(static_cast<std::size_t>(t.phase) < plan.phases.size());
    REQUIRE(t.group >= 0);
    REQUIRE(static_cast<std::size_t>(t.group) < plan.groups.size());
    CHECK(plan.groups[static_cast<std::size_t>(t.group)].phase == t.phase);
    CHECK(!t.id.empty());
    if (t.mark_offset != Task::npos) {
      REQUIRE(t.mark_offset >= 1);
      REQUIRE(t.mark_offset < text.size());
      CHECK(text[t.mark_offset - 1] == '[');
      CHECK(t.mark_offset >= t.span.offset);
      CHECK(t.mark_offset < t.span.offset + t.span.length);
      if (t.mark != '?') CHECK(text[t.mark_offset] == t.mark);
    }
    if (t.form == TaskForm::status_row) {  // its Status cell is on its line
      REQUIRE(t.status_offset != Task::npos);
      CHECK(t.status_offset >= t.span.offset);
      CHECK(t.status_offset + t.status_length <= t.span.offset + t.span.length);
      CHECK(t.mark_offset == Task::npos);
    }
    if (t.body_first) CHECK(t.body_first > t.line);
    if (t.body_first) CHECK(t.body_last >= t.body_first);
  }
}

TaskGraph graph_of(const std::string& text, GraphOptions options) {
  auto g = build_graph(parse_tasks_md(text), options);
  REQUIRE_MESSAGE(g, (g ? "" : g.error().message));
  return std::move(*g);
}

int index_of(const TaskGraph& g, const std::string& id) {
  for (int i = 0; i < g.task_count(); ++i)
    if (g.plan().tasks[static_cast<std::size_t>(i)].id == id) return i;
  FAIL("no task " << id);
  return -1;
}

}  // namespace flow::test
