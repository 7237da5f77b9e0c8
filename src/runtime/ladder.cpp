// SPDX-License-Identifier: MIT
// The recovery ladder in the loop: strategies, instructions and hints into prompts; who
// waits for a person; notification hooks.
#include "runtime/ladder.hpp"

#include "runtime/secrets.hpp"
#include "support/text.hpp"

#include <algorithm>
#include <string>
#include <vector>

namespace flow::detail {

namespace {

constexpr std::size_t kMaxFailureLines = 40;
constexpr std::size_t kMaxFailureBytes = 4096;
constexpr double kNotifyTimeout = 30;  // seconds: a hook that hangs must not hold the run up

std::string first_line(std::string_view s) {
  while (!s.empty() && (s.front() == '\n' || s.front() == ' ')) s.remove_prefix(1);
  return std::string(s.substr(0, s.find('\n')));
}

}  // namespace

std::string bounded_failure(std::string_view failure) {
  // The last lines say the most (the final error, the failing test).
  while (!failure.empty() && failure.back() == '\n') failure.remove_suffix(1);
  std::size_t from = failure.size();
  for (std::size_t lines = 0; from > 0 && lines < kMaxFailureLines; ++lines) {
    const std::size_t nl = failure.rfind('\n', from - 1);
    from = nl == std::string_view::npos ? 0 : nl;
  }
  std::string_view tail = failure.substr(from);
  if (!tail.empty() && tail.front() == '\n') tail.remove_prefix(1);
  std::string out;
  if (tail.size() > kMaxFailureBytes) {
    std::size_t cut = tail.size() - kMaxFailureBytes;
    while (cut < tail.size() && (static_cast<unsigned char>(tail[cut]) & 0xC0) == 0x80) ++cut;
    tail.remove_prefix(cut);
    out = "\xE2\x80\xA6";
  }
  out += std::string(tail) + "\n";
  return redact_secrets(out);
}

void Ladder::decided(int t, const Decision& d) {
  State& s = tasks_[t];
  if (!d.strategy.empty()) s.strategy = d.strategy;
  if (!d.instruction.empty()) s.instruction = d.instruction;
}

void Ladder::add_hint(int t, std::string hint) {
  if (!hint.empty()) tasks_[t].hints.push_back(std::move(hint));
}

Guidance Ladder::guidance(int t, int attempt, std::string_view previous_failure) const {
  Guidance g;
  const auto it = tasks_.find(t);
  if (it == tasks_.end()) return g;
  const State& s = it->second;
  std::vector<std::string> parts;
  if (s.strategy == "alternative" && attempt > 1) {
    parts.push_back("alternative");
    g.text += "\n## The previous approach failed: take a different one\n\n";
    const std::string what = first_line(bounded_failure(previous_failure));
    if (!what.empty()) g.text += "Attempt " + std::to_string(attempt - 1) + " failed: " + what + " (its output is quoted above).\n";
    g.text +=
        "Do not repeat that approach: choose a different way to do this task (another "
        "design, algorithm or library, another order of the steps), and say in your final message what you changed.\n";
  } else if (s.strategy == "simplified") {
    parts.push_back("simplified");
    g.text +=
        "\n## Simplify\n\nEarlier attempts at this task failed. This time, write the smallest version that satisfies "
        "the task as written and its tests: no extras, no generalisation, no refactoring beyond what it needs. A later "
        "task or a person can extend it.\n";
  }
  if (!s.instruction.empty()) {
    parts.push_back("instruction");
    g.text += "\n## Instructions for this attempt\n\n" + s.instruction + "\n";
  }
  if (!s.hints.empty()) {
    parts.push_back("hint");
    g.text += "\n## A hint from a person who looked at the earlier attempts\n\n";
    for (const std::string& h : s.hints) g.text += h + "\n\n";
  }
  g.label = join(parts, "+");
  return g;
}

void Ladder::set_needs_attention(int t, bool on) { tasks_[t].attention = on; }

bool Ladder::needs_attention(int t) const {
  const auto it = tasks_.find(t);
  return it != tasks_.end() && it->second.attention;
}

Notifier::Notifier(const std::map<std::string, std::vector<std::string>>& hooks, RunCommands commands, RunLog& log,
                   std::string workdir, std::string run_dir)
    : hooks_(hooks), commands_(std::move(commands)), log_(log), workdir_(std::move(workdir)), run_dir_(std::move(run_dir)) {
  commands_.timeout = commands_.timeout > 0 ? std::min(commands_.timeout, kNotifyTimeout) : kNotifyTimeout;
}

void Notifier::fire(const std::string& event, int t, const std::string& task_id, std::vector<std::string> env) {
  const auto it = hooks_.find(event);
  if (it == hooks_.end() || it->second.empty()) return;
  env.push_back("FLOW_EVENT=" + event);
  run_hook(commands_, log_, workdir_, run_dir_, event, it->second, t, task_id, std::move(env));
}

}  // namespace flow::detail
