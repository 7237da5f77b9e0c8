// SPDX-License-Identifier: MIT
// The dashboard as the CLI starts it: for `flow serve` and `flow run --dashboard`.
#pragma once

#include "cli/common.hpp"
#include "serve/server.hpp"

#include <flow/run.hpp>

#include <memory>
#include <optional>
#include <string>

namespace flow::cli {

/// `ADDR` of --dashboard / --listen: `PORT`, `HOST:PORT`, `[V6]:PORT` or `HOST`; false
/// if it is none of these.
bool parse_listen(const std::string& text, serve::ServerOptions& options);

/// Starts a dashboard for `loaded` (each a tasks.md with its graph; `workdir` empty: each
/// one's default) and prints its address. nullptr after printing why not.
std::unique_ptr<serve::Dashboard> start_dashboard(const std::string& cmd, std::vector<Loaded> loaded,
                                                  const std::string& workdir, serve::ServerOptions options);

/// Passes events on to `next`, and an agent's live activity to the dashboard too (the
/// rest reaches it through the journal).
class DashboardObserver final : public RunObserver {
 public:
  DashboardObserver(serve::Dashboard& dashboard, const Plan& plan, RunObserver& next)
      : dashboard_(dashboard), plan_(plan), next_(next) {}
  void on_event(const RunEvent& e) override;
  void on_tick(double now) override { next_.on_tick(now); }

 private:
  serve::Dashboard& dashboard_;
  const Plan& plan_;
  RunObserver& next_;
};

}  // namespace flow::cli
