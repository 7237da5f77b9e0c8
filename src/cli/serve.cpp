// SPDX-License-Identifier: MIT
// `flow serve`: the live dashboard of one or more tasks.md, read from their journals.
#include "cli/commands.hpp"
#include "cli/dashboard.hpp"
#include "cli/options.hpp"

#include "runtime/control_inbox.hpp"

#include <flow/run.hpp>

#include <fmt/core.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <limits>
#include <thread>

#include <signal.h>
#include <unistd.h>

namespace flow::cli {

namespace {

std::atomic<int> g_stop{0};
extern "C" void on_stop(int) { g_stop.store(1); }

}  // namespace

bool parse_listen(const std::string& text, serve::ServerOptions& options) {
  auto port = [](const std::string& s) -> std::optional<unsigned short> {
    if (s.empty() || s.size() > 5 || s.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
    const long v = std::stol(s);
    if (v > 65535) return std::nullopt;
    return static_cast<unsigned short>(v);
  };
  if (auto p = port(text)) {
    options.port = *p;
    return true;
  }
  std::string host = text, rest;
  if (!text.empty() && text.front() == '[') {  // [::1]:8080
    const auto close = text.find(']');
    if (close == std::string::npos) return false;
    host = text.substr(1, close - 1);
    rest = text.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') return false;
    if (!rest.empty()) rest.erase(0, 1);
  } else if (const auto colon = text.rfind(':'); colon != std::string::npos && text.find(':') == colon) {
    host = text.substr(0, colon);
    rest = text.substr(colon + 1);
  }
  if (!rest.empty() || (text.size() > 0 && text.back() == ':')) {
    auto p = port(rest);
    if (!p) return false;
    options.port = *p;
  }
  if (host == "localhost") host = "127.0.0.1";
  if (!host.empty()) options.address = host;
  return !host.empty() || !rest.empty();
}

std::unique_ptr<serve::Dashboard> start_dashboard(const std::string& cmd, std::vector<Loaded> loaded,
                                                  const std::string& workdir, serve::ServerOptions options) {
  std::vector<std::unique_ptr<serve::FeatureModel>> features;
  for (Loaded& l : loaded) {
    std::error_code ec;
    const std::string abs = std::filesystem::absolute(l.path, ec).string();
    const std::string dir = workdir.empty() ? default_workdir(l.path) : workdir;
    const std::string journal = std::filesystem::absolute(dir, ec).string() + "/.flow/implementation.log";
    features.push_back(std::make_unique<serve::FeatureModel>(static_cast<int>(features.size()), abs, std::move(l.text),
                                                             std::move(*l.graph), journal));
  }
  const std::string address = options.address;
  auto d = serve::Dashboard::start(std::move(features), std::move(options));
  if (!d) {
    fmt::print(stderr, "flow {}: dashboard: {}\n", cmd, d.error().message);
    return nullptr;
  }
  if (address != "127.0.0.1" && address != "::1")
    fmt::print(stderr, "flow {}: warning: the dashboard listens on {}, not only this machine\n", cmd, address);
  fmt::print(stderr, "flow {}: dashboard at {}\n", cmd, (*d)->url());
  std::fflush(stderr);
  return std::move(*d);
}

void DashboardObserver::on_event(const RunEvent& e) {
  if (e.kind == "activity" && e.task >= 0) {
    const Task& t = plan_.tasks[static_cast<std::size_t>(e.task)];
    dashboard_.activity(0, t.id, t.line, e.attempt, e.detail);
  }
  next_.on_event(e);
}

namespace {

int serve_tasks(const Args& args) {
  std::vector<std::string> paths = args.operands;
  const std::string workdir = args.value("workdir") ? *args.value("workdir") : std::string();
  serve::ServerOptions options;
  options.read_only = args.has("read-only");
  for (const std::string& v : args.values("listen"))
    if (!parse_listen(v, options)) {
      fmt::print(stderr, "flow serve: --listen takes PORT, HOST:PORT or HOST\n");
      return kUsage;
    }
  if (paths.empty()) {
    std::string p;
    if (!find_feature_tasks("serve", p)) return kUsage;
    paths.push_back(p);
  }
  std::vector<Loaded> loaded;
  // Where each feature's live run is found and reached: its lock and its workdir, as
  // `flow run` and `flow retry` name them.
  struct Reach {
    std::string workdir, lock;
  };
  std::vector<Reach> reach;
  for (const std::string& p : paths) {
    Loaded l = load(p, {});
    if (l.exit != 0 || !l.graph) return kUsage;
    std::error_code ec;
    const std::string dir = std::filesystem::absolute(workdir.empty() ? default_workdir(p) : workdir, ec).string();
    reach.push_back({dir, detail::run_lock_path(dir, std::filesystem::absolute(p, ec).string())});
    loaded.push_back(std::move(l));
  }
  // The controls act on a run going on in another process (`flow run` in another
  // terminal) through its control inbox, the way `flow retry` joins one; the run applies
  // and journals them as its own, and this page sees them come back in the journal.
  auto live = [reach](int f) -> std::optional<serve::LiveRun> {
    if (f < 0 || static_cast<std::size_t>(f) >= reach.size()) return std::nullopt;
    const auto l = detail::live_run(reach[static_cast<std::size_t>(f)].lock);
    // A holder that wrote no run ID is a flow older than the inbox; one whose pid is
    // gone is a git command still holding a dead run's lock.
    if (!l || l->run_id.empty() || (::kill(static_cast<pid_t>(l->pid), 0) != 0 && errno != EPERM)) return std::nullopt;
    return serve::LiveRun{l->pid, l->run_id};
  };
  // Read-only too: the page is told when a run it shows dies (killed, crashed).
  options.live_run = live;
  if (!options.read_only) {
    options.post_control = [reach, live](int f, ControlRequest r) -> Result<std::string> {
      const auto l = live(f);
      if (!l) return make_error(Errc::not_found, "no run of this tasks.md is going on: nothing to control (start one with flow run)");
      r.by = "dashboard (flow serve, pid " + std::to_string(::getpid()) + ")";
      return detail::post_control(reach[static_cast<std::size_t>(f)].workdir, l->run_id, std::move(r));
    };
  }
  std::signal(SIGINT, on_stop);
  std::signal(SIGTERM, on_stop);
  auto dashboard = start_dashboard("serve", std::move(loaded), workdir, options);
  if (!dashboard) return kUsage;
  while (g_stop.load() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  return kOk;
}

}  // namespace

const Command& serve_command() {
  static const Command cmd{
      "serve",
      "[<tasks.md>…]",
      std::numeric_limits<std::size_t>::max(),
      "a live dashboard in the browser (graph, ETA, cost)",
      "Serves a live dashboard of each tasks.md: its dependency graph with phases as lanes,\n"
      "tasks coloured by state and the critical path, a panel per task (attempts, failure\n"
      "classes, cost, its output), the ETA, the bottleneck and the workers' timeline. It\n"
      "follows the journal (.flow/implementation.log), so it shows a run in progress, a\n"
      "finished one, or one that crashed. While a `flow run` of a tasks.md is going on (in\n"
      "another terminal, say), the page's controls (retry, cancel, skip a task; pause and\n"
      "resume starting new tasks) act on it: each one goes to that run's control inbox\n"
      "(.flow/control/), and the run applies and journals it as its own. With no run going\n"
      "on, a control is refused (409) and the page says so.\n",
      {
          {"listen", 0, "ADDR",
           "PORT, HOST:PORT or HOST (default 127.0.0.1 and a free port); the page\n"
           "shows task text and agent output: think twice before leaving loopback"},
          {"read-only", 0, "", "no controls: the page only watches"},
          {"workdir", 0, "DIR", "where .flow/ lives (default: the repository holding each tasks.md,\nelse its folder)", {}, false, "dir"},
      },
      "The address printed carries a token; every request for data and every control needs it.\n"
      "exit status: 0 stopped by Ctrl-C or SIGTERM; 2 a usage error, an unreadable tasks.md,\n"
      "or an address that cannot be listened on\n",
      serve_tasks,
  };
  return cmd;
}

}  // namespace flow::cli
