// SPDX-License-Identifier: MIT
// `flow serve`: the live dashboard of one or more tasks.md, read from their journals.
#include "cli/commands.hpp"
#include "cli/dashboard.hpp"
#include "cli/options.hpp"

#include <flow/run.hpp>

#include <fmt/core.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <limits>
#include <thread>

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
  for (const std::string& p : paths) {
    Loaded l = load(p, {});
    if (l.exit != 0 || !l.graph) return kUsage;
    loaded.push_back(std::move(l));
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
      "finished one, or one that crashed. Controls (retry, cancel, pause, skip) belong to the\n"
      "run itself: `flow run --dashboard`.\n",
      {
          {"listen", 0, "ADDR",
           "PORT, HOST:PORT or HOST (default 127.0.0.1 and a free port); the page\n"
           "shows task text and agent output: think twice before leaving loopback"},
          {"read-only", 0, "", "no controls (always so here; for symmetry with flow run)"},
          {"workdir", 0, "DIR", "where .flow/ lives (default: the repository holding each tasks.md,\nelse its folder)", {}, false, "dir"},
      },
      "The address printed carries a token; every request for data needs it.\n"
      "exit status: 0 stopped by Ctrl-C or SIGTERM; 2 a usage error, an unreadable tasks.md,\n"
      "or an address that cannot be listened on\n",
      serve_tasks,
  };
  return cmd;
}

}  // namespace flow::cli
