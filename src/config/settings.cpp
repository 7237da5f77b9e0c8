// SPDX-License-Identifier: MIT
// `.flow/config.yaml` with yaml-cpp: the only yaml-cpp user; its exceptions stop here.
#include <flow/settings.hpp>

#include <flow/tasks_file.hpp>

#include <flow/runner.hpp>

#include "support/json_value.hpp"
#include "support/text.hpp"

#include <yaml-cpp/yaml.h>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>

namespace flow {
FLOW_BEGIN_NAMESPACE

namespace {

std::string_view detail_trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

struct BadValue {
  int line;
  std::string message;
};

int line_of(const YAML::Node& n) { return n.Mark().line >= 0 ? n.Mark().line + 1 : 0; }

// "a, b or c": an enumeration's words for a message.
template <class E, std::size_t N>
std::string word_list(const E (&values)[N]) {
  std::string out;
  for (std::size_t i = 0; i < N; ++i) out += (i == 0 ? "" : i + 1 == N ? " or " : ", ") + std::string(to_string(values[i]));
  return out;
}

template <class E, std::size_t N>
std::optional<E> from_word(std::string_view word, const E (&values)[N]) noexcept {
  for (E v : values)
    if (word == to_string(v)) return v;
  return std::nullopt;
}

class Reader {
 public:
  explicit Reader(const std::string& name) : name_(name) {}

  void check_keys(const YAML::Node& map, const std::string& where, const std::set<std::string>& known) {
    if (!map.IsMap())
      throw BadValue{line_of(map), (where.empty() ? std::string("the settings file") : where) + " should be a mapping (key: value), not a " +
                                       (map.IsSequence() ? "list" : "single value")};
    for (const auto& kv : map) {
      const std::string key = text(kv.first, where.empty() ? "a key" : where + "'s key");
      if (known.count(key)) continue;
      std::string msg = "unknown key '" + (where.empty() ? key : where + "." + key) + "'";
      if (const std::string best = closest_word(key, std::vector<std::string>(known.begin(), known.end())); !best.empty())
        msg += " (did you mean '" + best + "'?)";
      warnings.push_back(Diagnostic{Severity::warning, line_of(kv.first), "unknown-setting", msg});
    }
  }

  bool boolean(const YAML::Node& n, const std::string& key) {
    try {
      return n.as<bool>();
    } catch (const YAML::Exception&) {
      throw BadValue{line_of(n), key + " should be true or false"};
    }
  }

  int count(const YAML::Node& n, const std::string& key, int lo, int hi) {
    try {
      const int v = n.as<int>();
      if (v < lo || v > hi) throw BadValue{line_of(n), key + " should be from " + std::to_string(lo) + " to " + std::to_string(hi)};
      return v;
    } catch (const YAML::Exception&) {
      throw BadValue{line_of(n), key + " should be a whole number"};
    }
  }

  // An amount of US dollars: 5, 0.25 (a "$" in front is allowed); 0 means no limit.
  double usd(const YAML::Node& n, const std::string& key) {
    std::string v = n.IsScalar() ? n.Scalar() : std::string();
    if (!v.empty() && v.front() == '$') v.erase(0, 1);
    char* end = nullptr;
    const double d = v.empty() ? -1 : std::strtod(v.c_str(), &end);
    if (v.empty() || *end != '\0' || !(d >= 0) || d > 1e9)
      throw BadValue{line_of(n), key + " should be an amount in US dollars such as 5 or 0.25 (0: no limit)"};
    return d;
  }

  // Seconds: 90, 1.5, "90s", "500ms", "30m", "1h".
  double seconds(const YAML::Node& n, const std::string& key) {
    auto d = n.IsScalar() ? parse_duration(n.Scalar()) : Result<double>(make_error(Errc::invalid_argument, ""));
    if (!d)
      throw BadValue{line_of(n), key + " should be a duration such as 90, \"90s\", \"500ms\" or \"30m\", at most 30 days" +
                                     (n.IsScalar() ? ", not '" + n.Scalar() + "'" : std::string())};
    return *d;
  }

  // A single value (a string, a number, a word), not a list or a mapping.
  std::string text(const YAML::Node& n, const std::string& key) {
    if (!n.IsScalar()) throw BadValue{line_of(n), key + " should be a single value, not a " + (n.IsSequence() ? "list" : n.IsMap() ? "mapping" : "null")};
    return n.Scalar();
  }

  // One of an enumeration's words ("should be off, merge or phase" for any other).
  template <class E, std::size_t N>
  E word(const YAML::Node& n, const std::string& key, const E (&values)[N]) {
    const std::string w = text(n, key);
    for (E v : values)
      if (w == to_string(v)) return v;
    throw BadValue{line_of(n), key + " should be " + word_list(values)};
  }

  // Every mapping in the file, at any depth, names each key once: YAML forbids it, and
  // yaml-cpp would silently keep the first.
  void no_duplicate_keys(const YAML::Node& n, const std::string& where) {
    if (n.IsSequence())
      for (const auto& item : n) no_duplicate_keys(item, where);
    if (!n.IsMap()) return;
    std::map<std::string, int> seen;
    for (const auto& kv : n) {
      const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : std::string("?");
      const std::string full = where.empty() ? key : where + "." + key;
      if (const auto [it, fresh] = seen.emplace(key, line_of(kv.first)); !fresh)
        throw BadValue{line_of(kv.first), "duplicate key '" + full + "' (first at line " + std::to_string(it->second) + ")"};
      no_duplicate_keys(kv.second, full);
    }
  }

  // A time limit: a duration, or "none" (0) for no limit.
  double limit(const YAML::Node& n, const std::string& key) {
    if (n.IsScalar() && n.Scalar() == "none") return 0;
    return seconds(n, key);
  }

  // A command: a list of arguments, or a string split like --agent-cmd (never a shell).
  std::vector<std::string> command(const YAML::Node& n, const std::string& key) {
    if (n.IsNull()) return {};
    if (n.IsSequence()) {
      std::vector<std::string> out;
      for (const auto& a : n) out.push_back(text(a, key + "'s arguments"));
      return out;
    }
    if (n.IsScalar()) {
      const std::string s = n.Scalar();
      if (s == "false" || s.empty()) return {};
      auto argv = split_command(s);
      if (!argv) throw BadValue{line_of(n), key + ": " + argv.error().message};
      return *argv;
    }
    throw BadValue{line_of(n), key + " should be a command: a list of arguments or a string"};
  }

  // errorRecovery.fallback: a list of steps {fromAttempt, agent, strategy, instruction}.
  std::vector<FallbackStep> fallback(const YAML::Node& list) {
    const std::string key = "errorRecovery.fallback";
    if (!list.IsSequence())
      throw BadValue{line_of(list), key + " should be a list of steps such as {fromAttempt: 2, strategy: alternative}"};
    std::vector<FallbackStep> out;
    for (std::size_t i = 0; i < list.size(); ++i) {
      const YAML::Node& n = list[i];
      const std::string at = key + "[" + std::to_string(i) + "]";
      check_keys(n, at, {"fromAttempt", "agent", "strategy", "instruction"});
      FallbackStep step;
      if (!n["fromAttempt"]) throw BadValue{line_of(n), at + " needs fromAttempt (the attempt it applies from: 2 or more)"};
      step.from_attempt = count(n["fromAttempt"], at + ".fromAttempt", 2, 101);
      if (n["agent"]) {
        step.agent = text(n["agent"], at + ".agent");
        const auto& known = agent_names();
        if (step.agent != "command" && std::find(known.begin(), known.end(), step.agent) == known.end()) {
          std::vector<std::string> all(known.begin(), known.end());
          all.push_back("command");
          std::string msg = at + ".agent should be " + detail::join(all, ", ");
          if (const std::string near = closest_word(step.agent, all); !near.empty()) msg += " (did you mean '" + near + "'?)";
          throw BadValue{line_of(n["agent"]), msg};
        }
      }
      if (n["strategy"]) {
        step.strategy = text(n["strategy"], at + ".strategy");
        const std::vector<std::string> words(std::begin(kFallbackStrategies), std::end(kFallbackStrategies));
        if (std::find(words.begin(), words.end(), step.strategy) == words.end()) {
          std::string msg = at + ".strategy should be alternative or simplified (or write your own: instruction: \"…\")";
          if (const std::string near = closest_word(step.strategy, words); !near.empty()) msg += " (did you mean '" + near + "'?)";
          throw BadValue{line_of(n["strategy"]), msg};
        }
      }
      if (n["instruction"]) {
        step.instruction = text(n["instruction"], at + ".instruction");
        if (step.instruction.size() > kMaxInstruction)
          throw BadValue{line_of(n["instruction"]), at + ".instruction is longer than 16 KiB"};
      }
      if (step.agent.empty() && step.strategy.empty() && step.instruction.empty())
        throw BadValue{line_of(n), at + " changes nothing: give it an agent, a strategy or an instruction"};
      out.push_back(std::move(step));
    }
    return out;
  }

  std::vector<Diagnostic> warnings;

 private:
  static constexpr std::size_t kMaxInstruction = 16 * 1024;

  // The word of `words` closest to `word`, when close enough to be a typo; else empty.
  static std::string closest_word(const std::string& word, const std::vector<std::string>& words) {
    std::string best;
    std::size_t best_d = 1000;
    for (const auto& w : words)
      if (const std::size_t d = detail::edit_distance(word, w); d < best_d) {
        best_d = d;
        best = w;
      }
    return best_d <= std::max<std::size_t>(2, word.size() / 3) ? best : std::string();
  }

  std::string name_;
};

}  // namespace

Result<Settings> parse_settings(std::string_view text, const std::string& name) {
  Settings s;
  Reader r(name);
  try {
    const YAML::Node root = YAML::Load(std::string(text));
    if (root.IsNull()) return s;
    r.no_duplicate_keys(root, "");
    r.check_keys(root, "", {"implementer", "errorRecovery", "testing", "validation", "progress", "agent", "hooks",
                            "resources", "agents", "runner", "budget"});
    if (const auto b = root["budget"]) {
      if (!b.IsMap()) throw BadValue{line_of(b), "budget should be a mapping (maxCostUsd, maxTaskCostUsd)"};
      r.check_keys(b, "budget", {"maxCostUsd", "maxTaskCostUsd"});
      if (b["maxCostUsd"]) s.budget.max_cost_usd = r.usd(b["maxCostUsd"], "budget.maxCostUsd");
      if (b["maxTaskCostUsd"]) s.budget.max_task_cost_usd = r.usd(b["maxTaskCostUsd"], "budget.maxTaskCostUsd");
    }
    if (const auto res = root["resources"]) {
      if (!res.IsMap()) throw BadValue{line_of(res), "resources should map task IDs or labels to resource names"};
      for (const auto& kv : res) {
        std::vector<std::string> names;
        if (kv.second.IsSequence())
          for (const auto& n : kv.second) names.push_back(r.text(n, "resources." + r.text(kv.first, "resources")));
        else if (kv.second.IsScalar())
          names.push_back(kv.second.Scalar());
        else
          throw BadValue{line_of(kv.second), "resources." + r.text(kv.first, "resources") + " should be a name or a list"};
        s.resources.emplace_back(r.text(kv.first, "resources"), std::move(names));
      }
    }
    if (const auto impl = root["implementer"]) {
      r.check_keys(impl, "implementer", {"parallel"});
      if (const auto p = impl["parallel"]) {
        r.check_keys(p, "implementer.parallel", {"enabled", "maxWorkers", "taskTimeout", "stallTimeout"});
        if (p["enabled"]) s.parallel_enabled = r.boolean(p["enabled"], "implementer.parallel.enabled");
        if (p["maxWorkers"]) s.max_workers = r.count(p["maxWorkers"], "implementer.parallel.maxWorkers", 1, 4096);
        if (p["taskTimeout"]) s.task_timeout = r.limit(p["taskTimeout"], "implementer.parallel.taskTimeout");
        if (p["stallTimeout"]) s.stall_timeout = r.limit(p["stallTimeout"], "implementer.parallel.stallTimeout");
      }
    }
    if (const auto e = root["errorRecovery"]) {
      r.check_keys(e, "errorRecovery", {"autoRetry", "maxRetries", "backoffStrategy", "baseDelay", "maxDelay", "optional",
                                               "rollbackTo", "fallback"});
      if (const auto fb = e["fallback"]) s.fallback = r.fallback(fb);
      if (e["rollbackTo"]) s.rollback_to = r.word(e["rollbackTo"], "errorRecovery.rollbackTo", kRollbackTargets);
      if (const auto o = e["optional"]) {
        if (o.IsSequence())
          for (const auto& x : o) s.optional_tasks.push_back(r.text(x, "errorRecovery.optional"));
        else if (o.IsScalar())
          s.optional_tasks.push_back(o.Scalar());
      }
      if (e["autoRetry"]) s.auto_retry = r.boolean(e["autoRetry"], "errorRecovery.autoRetry");
      if (e["maxRetries"]) s.max_retries = r.count(e["maxRetries"], "errorRecovery.maxRetries", 0, 100);
      if (e["backoffStrategy"])
        s.backoff_strategy = r.word(e["backoffStrategy"], "errorRecovery.backoffStrategy", kBackoffStrategies);
      if (e["baseDelay"]) s.base_delay = r.seconds(e["baseDelay"], "errorRecovery.baseDelay");
      if (e["maxDelay"]) s.max_delay = r.seconds(e["maxDelay"], "errorRecovery.maxDelay");
    }
    if (const auto t = root["testing"]) {
      r.check_keys(t, "testing", {"runTests", "testFirst", "coverageTarget", "integrationCheck", "requireChanges"});
      if (const auto ic = t["integrationCheck"]) {
        // YAML 1.1 readers take `off` for false: `false` means off here too.
        s.integration_check = ic.IsScalar() && ic.Scalar() == "false" ? IntegrationCheck::off
                                                                       : r.word(ic, "testing.integrationCheck", kIntegrationChecks);
      }
      if (t["runTests"]) {
        s.validation_configured = true;
        if (t["runTests"].IsScalar() && (r.text(t["runTests"], "testing.runTests") == "true"))
          throw BadValue{line_of(t["runTests"]), "testing.runTests should be the test command (or false)"};
        s.run_tests = r.command(t["runTests"], "testing.runTests");
      }
      if (t["requireChanges"]) s.require_changes = r.boolean(t["requireChanges"], "testing.requireChanges");
      if (t["testFirst"]) s.test_first = r.boolean(t["testFirst"], "testing.testFirst");
      if (t["coverageTarget"]) s.coverage_target = r.count(t["coverageTarget"], "testing.coverageTarget", 0, 100);
    }
    if (const auto v = root["validation"]) {
      r.check_keys(v, "validation", {"linting", "typeChecking", "formatting"});
      s.validation_configured |= v["linting"] || v["typeChecking"] || v["formatting"];
      if (v["linting"]) s.linting = r.command(v["linting"], "validation.linting");
      if (v["typeChecking"]) s.type_checking = r.command(v["typeChecking"], "validation.typeChecking");
      if (v["formatting"]) s.formatting = r.command(v["formatting"], "validation.formatting");
    }
    if (const auto p = root["progress"]) {
      r.check_keys(p, "progress", {"updateInterval", "showDetails", "logFile"});
      if (p["updateInterval"]) {
        s.update_interval = r.seconds(p["updateInterval"], "progress.updateInterval");
        if (*s.update_interval <= 0) throw BadValue{line_of(p["updateInterval"]), "progress.updateInterval should be more than 0"};
      }
      if (p["showDetails"]) s.show_details = r.boolean(p["showDetails"], "progress.showDetails");
      if (p["logFile"]) s.log_file = r.text(p["logFile"], "progress.logFile");
    }
    if (const auto a = root["agent"]) {
      r.check_keys(a, "agent", {"name", "command", "program", "model", "maxTurns", "permissionMode", "appendSystemPrompt",
                                "args", "failurePatterns"});
      if (a["name"]) {
        s.agent_name = r.text(a["name"], "agent.name");
        const auto& known = agent_names();
        if (s.agent_name != "command" && std::find(known.begin(), known.end(), s.agent_name) == known.end())
          throw BadValue{line_of(a["name"]), "agent.name should be " + detail::join(known, ", ") + " or command"};
      }
      if (a["command"]) s.agent_command = r.command(a["command"], "agent.command");
      if (a["program"]) s.claude.program = r.text(a["program"], "agent.program");
      if (a["model"]) s.claude.model = r.text(a["model"], "agent.model");
      if (a["maxTurns"]) s.claude.max_turns = r.count(a["maxTurns"], "agent.maxTurns", 0, 100000);
      if (a["permissionMode"]) {
        s.claude.permission_mode = r.text(a["permissionMode"], "agent.permissionMode");
        static const char* modes[] = {"acceptEdits", "auto", "bypassPermissions", "manual", "dontAsk", "plan", "default"};
        if (std::none_of(std::begin(modes), std::end(modes), [&](const char* m) { return s.claude.permission_mode == m; }))
          throw BadValue{line_of(a["permissionMode"]),
                         "agent.permissionMode should be acceptEdits, bypassPermissions, auto, dontAsk, manual or plan"};
      }
      if (a["appendSystemPrompt"]) s.claude.append_system_prompt = r.text(a["appendSystemPrompt"], "agent.appendSystemPrompt");
      if (a["args"]) s.claude.extra_args = r.command(a["args"], "agent.args");
      if (const auto fp = a["failurePatterns"]) {
        if (!fp.IsMap()) throw BadValue{line_of(fp), "agent.failurePatterns should map output text to a failure class"};
        for (const auto& kv : fp) {
          const std::string cls = r.text(kv.second, "agent.failurePatterns");
          const auto c = failure_class_from_string(cls);
          if (!c)
            throw BadValue{line_of(kv.second), "agent.failurePatterns: '" + cls +
                                                   "' is not a failure class (network, timeout, rate_limit, temporary, "
                                                   "auth, config, invalid_input, refused, budget, crash, unknown, stalled, io)"};
          s.failure_patterns.emplace_back(r.text(kv.first, "agent.failurePatterns"), *c);
        }
      }
    }
    if (const auto agents = root["agents"]) {
      // agents.<name>: the settings of each agent CLI.
      if (!agents.IsMap()) throw BadValue{line_of(agents), "agents should map agent names to their settings"};
      const auto& known = agent_names();
      for (const auto& kv : agents) {
        const std::string agent = r.text(kv.first, "agents");
        if (std::find(known.begin(), known.end(), agent) == known.end())
          throw BadValue{line_of(kv.first), "agents: '" + agent + "' is not an agent flow knows (" + detail::join(known, ", ") + ")"};
        const YAML::Node& a = kv.second;
        const std::string at = "agents." + agent;
        r.check_keys(a, at, {"program", "model", "maxTurns", "appendInstructions", "args", "env", "timeout", "permissionMode",
                             "maxWorkers"});
        AgentSettings& as = s.agents[agent];
        if (a["program"]) as.program = r.text(a["program"], at + ".program");
        if (a["model"]) as.model = r.text(a["model"], at + ".model");
        if (a["maxTurns"]) as.max_turns = r.count(a["maxTurns"], at + ".maxTurns", 0, 100000);
        if (a["maxWorkers"]) as.max_workers = r.count(a["maxWorkers"], at + ".maxWorkers", 1, 4096);
        if (a["appendInstructions"]) as.append_instructions = r.text(a["appendInstructions"], at + ".appendInstructions");
        if (a["args"]) as.extra_args = r.command(a["args"], at + ".args");
        if (a["timeout"]) as.timeout = r.limit(a["timeout"], at + ".timeout");
        if (a["permissionMode"]) as.permission_mode = r.text(a["permissionMode"], at + ".permissionMode");
        if (const auto env = a["env"]) {
          if (!env.IsMap()) throw BadValue{line_of(env), at + ".env should map variable names to values"};
          for (const auto& e : env) as.env.push_back(r.text(e.first, at + ".env") + "=" + r.text(e.second, at + ".env"));
        }
      }
    }
    if (const auto rn = root["runner"]) {
      if (!rn.IsMap()) throw BadValue{line_of(rn), "runner should be a mapping (kind, partition, account, timeLimit, sbatchArgs)"};
      r.check_keys(rn, "runner", {"kind", "partition", "account", "timeLimit", "sbatchArgs"});
      if (rn["kind"]) {
        s.runner_kind = r.text(rn["kind"], "runner.kind");
        if (s.runner_kind != "local" && s.runner_kind != "slurm")
          throw BadValue{line_of(rn["kind"]), "runner.kind should be local or slurm"};
      }
      if (rn["partition"]) s.slurm.partition = r.text(rn["partition"], "runner.partition");
      if (rn["account"]) s.slurm.account = r.text(rn["account"], "runner.account");
      if (rn["timeLimit"]) s.slurm.time_limit = r.text(rn["timeLimit"], "runner.timeLimit");
      if (rn["sbatchArgs"]) s.slurm.sbatch_args = r.command(rn["sbatchArgs"], "runner.sbatchArgs");
    }
    if (const auto h = root["hooks"]) {
      r.check_keys(h, "hooks", {"pre-implement", "task-complete", "post-implement", "task-failed", "needs-attention", "blocked",
                                "rate-limit-wait", "budget-reached"});
      for (const char* event : {"task-failed", "needs-attention", "blocked", "rate-limit-wait", "budget-reached"})
        if (h[event]) s.notify[event] = r.command(h[event], std::string("hooks.") + event);
      if (h["pre-implement"]) s.pre_implement = r.command(h["pre-implement"], "hooks.pre-implement");
      if (h["task-complete"]) s.task_complete = r.command(h["task-complete"], "hooks.task-complete");
      if (h["post-implement"]) s.post_implement = r.command(h["post-implement"], "hooks.post-implement");
    }
  } catch (const BadValue& b) {
    return make_error(Errc::config, b.message, b.line);
  } catch (const YAML::Exception& e) {
    return make_error(Errc::config, "not valid YAML: " + e.msg, e.mark.line >= 0 ? e.mark.line + 1 : 0);
  }
  s.warnings = std::move(r.warnings);
  std::stable_sort(s.warnings.begin(), s.warnings.end(),
                   [](const Diagnostic& a, const Diagnostic& b) { return a.line < b.line; });
  (void)name;
  return s;
}

std::vector<Gate> configured_gates(const Settings& s) {
  std::vector<Gate> out;
  for (const auto& [name, argv] : {std::pair<const char*, const std::vector<std::string>&>{"tests", s.run_tests},
                                   {"lint", s.linting}, {"types", s.type_checking}, {"format", s.formatting}})
    if (!argv.empty()) out.push_back({name, argv, ".flow/config.yaml"});
  return out;
}

namespace {

std::string slurp_small(const std::filesystem::path& p) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(p, ec) || std::filesystem::file_size(p, ec) > (1u << 20)) return {};
  auto text = read_file(p.string());
  return text ? *text : std::string();
}

}  // namespace

std::vector<Gate> detect_gates(const std::string& dir) {
  namespace fs = std::filesystem;
  const fs::path root(dir);
  std::vector<Gate> out;
  std::error_code ec;
  auto add = [&](const char* name, std::vector<std::string> argv, const char* source) {
    if (find_program(argv.front())) out.push_back({name, std::move(argv), source});
  };
  if (const std::string pkg = slurp_small(root / "package.json"); !pkg.empty()) {
    const auto j = detail::JsonValue::parse(pkg);
    const detail::JsonValue scripts = j ? (*j)["scripts"] : detail::JsonValue();
    // npm's placeholder test script fails on purpose: it is no test.
    if (scripts["test"].is_string() && scripts["test"].str().find("no test specified") == std::string_view::npos)
      add("tests", {"npm", "test", "--silent"}, "package.json");
    if (!scripts["lint"].is_null()) add("lint", {"npm", "run", "--silent", "lint"}, "package.json");
    if (!scripts["typecheck"].is_null()) add("types", {"npm", "run", "--silent", "typecheck"}, "package.json");
  }
  if (fs::exists(root / "Cargo.toml", ec)) add("tests", {"cargo", "test", "--quiet"}, "Cargo.toml");
  if (fs::exists(root / "go.mod", ec)) add("tests", {"go", "test", "./..."}, "go.mod");
  const bool pytest = slurp_small(root / "pyproject.toml").find("pytest") != std::string::npos ||
                      fs::exists(root / "pytest.ini", ec) || slurp_small(root / "setup.cfg").find("[tool:pytest]") != std::string::npos ||
                      slurp_small(root / "tox.ini").find("[pytest]") != std::string::npos;
  if (pytest) add("tests", {"python3", "-m", "pytest", "-q"}, "pytest configuration");
  if (fs::exists(root / "build" / "CTestTestfile.cmake", ec)) add("tests", {"ctest", "--test-dir", "build"}, "build/CTestTestfile.cmake");
  if (std::string mk = slurp_small(root / "Makefile"); mk.rfind("test:", 0) == 0 || mk.find("\ntest:") != std::string::npos)
    add("tests", {"make", "test"}, "Makefile");
  // One test command: the first found wins; lint and types come along.
  std::vector<Gate> unique;
  bool tests = false;
  for (Gate& g : out) {
    if (g.name == "tests" && tests) continue;
    tests |= g.name == "tests";
    unique.push_back(std::move(g));
  }
  return unique;
}

// The words of the enumerations: the one table each, read both ways.
const char* to_string(Isolation value) noexcept {
  switch (value) {
    case Isolation::automatic: return "auto";
    case Isolation::git: return "git";
    case Isolation::none: return "none";
  }
  return "?";
}

const char* to_string(IntegrationCheck value) noexcept {
  switch (value) {
    case IntegrationCheck::off: return "off";
    case IntegrationCheck::merge: return "merge";
    case IntegrationCheck::phase: return "phase";
  }
  return "?";
}

const char* to_string(RollbackTarget value) noexcept {
  switch (value) {
    case RollbackTarget::checkpoint: return "checkpoint";
    case RollbackTarget::phase: return "phase";
  }
  return "?";
}

const char* to_string(BackoffStrategy value) noexcept {
  switch (value) {
    case BackoffStrategy::exponential: return "exponential";
    case BackoffStrategy::fixed: return "fixed";
  }
  return "?";
}

std::optional<Isolation> isolation_from_string(std::string_view word) noexcept { return from_word(word, kIsolations); }
std::optional<IntegrationCheck> integration_check_from_string(std::string_view word) noexcept {
  return from_word(word, kIntegrationChecks);
}
std::optional<RollbackTarget> rollback_target_from_string(std::string_view word) noexcept {
  return from_word(word, kRollbackTargets);
}
std::optional<BackoffStrategy> backoff_strategy_from_string(std::string_view word) noexcept {
  return from_word(word, kBackoffStrategies);
}

Result<double> parse_duration(std::string_view text) {
  const std::string s(detail_trim(text));
  char* end = nullptr;
  const double v = s.empty() ? 0 : std::strtod(s.c_str(), &end);
  const std::string unit = end ? std::string(end) : "";
  double f = -1;
  if (unit.empty() || unit == "s") f = 1;
  else if (unit == "ms") f = 0.001;
  else if (unit == "m" || unit == "min") f = 60;
  else if (unit == "h") f = 3600;
  // strtod reads "inf", "nan" and "0x1p4" too: only plain decimal numbers are durations.
  const bool decimal = !s.empty() && s.find_first_not_of("0123456789.eE+-") >= static_cast<std::size_t>(end - s.c_str());
  if (s.empty() || end == s.c_str() || f < 0 || !decimal || !std::isfinite(v) || v < 0 || v * f > kMaxDurationSeconds)
    return make_error(Errc::invalid_argument, "'" + s + "' is not a duration from 0 to 30 days (90, \"90s\", \"500ms\", \"30m\", \"1h\")");
  return v * f;
}

Result<Settings> load_settings(const std::string& path) {
  auto text = read_file(path);
  if (!text) return Unexpected{std::move(text).error()};
  return parse_settings(*text, path);
}

FLOW_END_NAMESPACE
}  // namespace flow
