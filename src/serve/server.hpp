// SPDX-License-Identifier: MIT
// The dashboard's HTTP server: the page, the run's events as Server-Sent Events, and the
// controls. Boost.Beast stays inside server.cpp; this header is light.
#pragma once

#include "serve/model.hpp"

#include <flow/error.hpp>
#include <flow/run.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace flow::serve {

/// A feature's run going on in another process, which its controls reach.
struct LiveRun {
  long pid = 0;
  std::string run_id;
};

/// How the dashboard listens and what it allows.
struct ServerOptions {
  /// Loopback unless told otherwise: the page shows task text and agent output.
  std::string address = "127.0.0.1";
  unsigned short port = 0;           ///< 0: a free one
  /// No controls at all, whoever asks; the events and the page stay.
  bool read_only = false;
  /// The per-run secret every API request carries (`?token=` or `X-Flow-Token`);
  /// empty: a random one.
  std::string token;
  /// The run in this process the controls act on (feature 0's, for `flow run
  /// --dashboard`); null: none here.
  RunControl* control = nullptr;
  /// Runs in other processes (`flow serve`), so that the server needs no knowledge of
  /// how to reach them. `live_run(f)`: feature f's run going on now, if any (asked on the
  /// server's thread whenever a client takes a state, and about once a second while one
  /// listens: a run shown as going on that is not live any more has died, and the page
  /// is told with a `run-ended` event; it must be quick). `post_control(f,
  /// request)`: hands the request to that run; Errc::not_found when none is going on
  /// (the page is told so, 409). Both unset: only `control` takes controls.
  std::function<std::optional<LiveRun>(int feature)> live_run;
  std::function<Result<std::string>(int feature, ControlRequest request)> post_control;
  double poll_seconds = 0.2;         ///< how often the journals are read while a client listens
  std::size_t max_events = 100000;   ///< kept for clients that resume; older ones get a snapshot
};

/// A running dashboard. It serves until destroyed.
/// Thread safety: thread-safe (its own I/O thread does the work; the calls post to it).
class Dashboard {
 public:
  /// Binds and starts serving `features` on their own thread. Errc::io when the address
  /// cannot be bound.
  static Result<std::unique_ptr<Dashboard>> start(std::vector<std::unique_ptr<FeatureModel>> features,
                                                  ServerOptions options);
  ~Dashboard();
  Dashboard(const Dashboard&) = delete;
  Dashboard& operator=(const Dashboard&) = delete;

  /// The page's address with the token: what to open.
  [[nodiscard]] std::string url() const;
  /// An agent's live activity (not journaled) for feature `feature`'s task `id` at `line`.
  /// Never blocks on clients: it queues and returns.
  void activity(int feature, std::string id, int line, int attempt, std::string detail);
  /// Reads the journals once more and returns when the clients have it all, or after
  /// 2 s (at the end of a run, so that the last events go out before the process exits).
  void flush();

  struct Impl;

 private:
  explicit Dashboard(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace flow::serve
