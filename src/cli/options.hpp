// SPDX-License-Identifier: MIT
// The CLI's one option table: every subcommand declares its options here, and parsing,
// --help, did-you-mean suggestions, shell completions and the man page all come from it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace flow::cli {

/// One option of a subcommand.
struct Option {
  std::string name;                  ///< the long name without "--": "workers"
  char short_name = 0;               ///< 'j' for -j; 0: none
  std::string value;                 ///< what it takes, for help ("N"); empty: a switch
  std::string help;                  ///< one line, or several separated by '\n'
  std::vector<std::string> choices{};  ///< the only values it takes; empty: any
  bool repeatable = false;           ///< each use adds a value (--story US1 --story US2)
  /// What a shell should complete its value with: "file", "dir", or nothing (choices,
  /// else no completion).
  std::string complete{};
  /// Set when the value may be left out: `--opt=V` always gives one, and the next
  /// argument is taken as it only when this says it reads as one (else the option
  /// stands alone, with an empty value).
  bool (*optional_value)(const std::string& next) = nullptr;
};

/// How much a command prints: -q, nothing said, -v, -vv.
enum class Verbosity { quiet = -1, normal = 0, verbose = 1 };

/// --color: whether output may carry ANSI colour (on a terminal, unless NO_COLOR).
enum class ColorMode { automatic, always, never };

class Args;

/// A subcommand: its name, what it takes, and the function that runs it.
struct Command {
  std::string name;
  std::string operands;              ///< for the synopsis: "[<tasks.md>]"; empty: none
  std::size_t max_operands = 1;
  std::string summary;               ///< one line for `flow help`
  std::string about;                 ///< the paragraphs of its --help before the options
  std::vector<Option> options;       ///< its own; the common ones come after
  std::string footer;                ///< after the options: exit status and notes
  int (*run)(const Args& args) = nullptr;
};

/// What a command was given, once its table has checked it.
class Args {
 public:
  /// Whether the option (long name) was given at least once.
  [[nodiscard]] bool has(std::string_view name) const;
  /// Its value, the last one given; nullptr if not given.
  [[nodiscard]] const std::string* value(std::string_view name) const;
  /// Every value given for it, in order.
  [[nodiscard]] std::vector<std::string> values(std::string_view name) const;
  /// Of `a` and `b`, the one given last; empty if neither.
  [[nodiscard]] std::string last_of(std::string_view a, std::string_view b) const;

  std::string command;                     ///< for messages: "run"
  std::vector<std::string> operands;
  Verbosity verbosity = Verbosity::normal;
  ColorMode color = ColorMode::automatic;
  std::vector<std::pair<std::string, std::string>> given;  ///< (name, value) in order; a switch has ""
};

/// The options every command takes: -h/--help, -v/--verbose, -q/--quiet, --color.
const std::vector<Option>& common_options();

/// Every subcommand, in the order `flow help` lists them.
const std::vector<const Command*>& all_commands();
/// The one named `name`; nullptr if none.
const Command* find_command(std::string_view name);

/// Parses `argv` (after the subcommand's name) against `cmd`'s table: `--opt value`,
/// `--opt=value`, `-j3`, `-j 3`, clustered switches (`-vq`), `--` ending the options.
/// On --help prints the help and sets `exit` to 0; on a usage error prints it, naming
/// the flag (with the closest known one when mistyped), and sets `exit` to 2. Either
/// way returns nullopt.
std::optional<Args> parse_args(const Command& cmd, const std::vector<std::string>& argv, int& exit);

/// `flow <cmd> --help`, from the table.
std::string help_text(const Command& cmd);
/// `flow help`, from the table.
std::string overview_text();

/// Of `candidates`, the one closest to `word` (edit distance, case-insensitive) if it is
/// close enough to be a likely typo; empty otherwise.
std::string closest(std::string_view word, const std::vector<std::string>& candidates);

/// Whether to colour output on a stream: --color always/never, else (auto) when the
/// stream is a terminal whose TERM is not "dumb" and NO_COLOR is unset or empty
/// (no-color.org: only a non-empty value turns colour off).
bool use_color(ColorMode mode, int fd);

}  // namespace flow::cli
