// SPDX-License-Identifier: MIT
// The recovery ladder's side of the run loop: what a fallback step's strategy, its own
// instruction and a person's hint change in a task's next prompts; which tasks wait
// for a person (needs-attention); and the notification hooks. Internal.
#pragma once

#include <flow/recovery.hpp>

#include "runtime/hooks.hpp"

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace flow::detail {

/// A failure as a prompt or a hook may quote it: its last 40 lines, at most 4 KiB, with
/// what looks like a secret (API keys, tokens, passwords, Authorization headers) masked.
[[nodiscard]] std::string bounded_failure(std::string_view failure);

/// What changes in an attempt's prompt, and its name for the journal and `flow status`.
struct Guidance {
  std::string label;  ///< "alternative", "simplified+instruction", "hint" …; empty: none
  std::string text;   ///< prompt sections (Markdown), appended before the rules
};

/// Per task: the strategy and instruction the policy chose for its next attempts, the
/// hints people gave, and whether it waits for a person.
/// Thread safety: one thread at a time (the loop's).
class Ladder {
 public:
  /// The policy retries `t` with `d`: its strategy and instruction hold from now on
  /// (a decision without them keeps the task's earlier ones, as the fallback steps do).
  void decided(int t, const Decision& d);
  void add_hint(int t, std::string hint);
  /// The guidance for task `t`'s next attempt; `previous_failure` as the prompt has it.
  [[nodiscard]] Guidance guidance(int t, int attempt, std::string_view previous_failure) const;
  void set_needs_attention(int t, bool on);
  [[nodiscard]] bool needs_attention(int t) const;

 private:
  struct State {
    std::string strategy, instruction;
    std::vector<std::string> hints;
    bool attention = false;
  };
  std::map<int, State> tasks_;
};

/// The notification hooks (RunOptions::notify): each runs once per occurrence, to its
/// end or for at most 30 s, with the task's FLOW_* variables.
class Notifier {
 public:
  Notifier(const std::map<std::string, std::vector<std::string>>& hooks, RunCommands commands, RunLog& log,
           std::string workdir, std::string run_dir);
  [[nodiscard]] bool wants(const std::string& event) const { return hooks_.count(event) > 0; }
  /// Runs hook `event` for task `t` (-1: none) with `env` (the task's variables) and
  /// FLOW_EVENT; nothing when it is not configured.
  void fire(const std::string& event, int t, const std::string& task_id, std::vector<std::string> env);

 private:
  const std::map<std::string, std::vector<std::string>>& hooks_;
  RunCommands commands_;
  RunLog& log_;
  std::string workdir_, run_dir_;
};

}  // namespace flow::detail
