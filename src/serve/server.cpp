// SPDX-License-Identifier: MIT
// The dashboard's HTTP server on Boost.Beast: the one translation unit that includes
// Beast and Asio for it (they take long to compile; nothing else should pay for them).
#include "serve/server.hpp"

#include "serve/assets.hpp"
#include "support/json.hpp"
#include "support/json_value.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <cstdio>
#include <deque>
#include <future>
#include <thread>

namespace flow::serve {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using boost::system::error_code;
using namespace std::chrono_literals;

namespace {

constexpr std::size_t kBodyLimit = 16 * 1024;     // a control request is a few dozen bytes
constexpr std::size_t kHeaderLimit = 8 * 1024;
constexpr auto kRequestTime = 10s;                // to send a whole request
constexpr auto kStreamWriteTime = 30s;            // a client that takes longer is dropped
constexpr auto kPing = 15s;
constexpr std::size_t kBatch = 256 * 1024;        // bytes of events per write to one client
constexpr auto kLivenessEvery = 1s;               // how often a watched run's lock is probed
constexpr auto kFlushTime = 2s;                   // at a run's end, for the clients to have it all

std::string random_token() {
  unsigned char b[16] = {};
  if (std::FILE* f = std::fopen("/dev/urandom", "rb")) {
    const std::size_t n = std::fread(b, 1, sizeof b, f);
    std::fclose(f);
    if (n != sizeof b) return {};
  } else {
    return {};
  }
  std::string out;
  char hex[3];
  for (unsigned char c : b) {
    std::snprintf(hex, sizeof hex, "%02x", c);
    out += hex;
  }
  return out;
}

// Compares without stopping at the first difference, so that timing tells nothing.
bool same_secret(std::string_view a, std::string_view b) {
  if (a.size() != b.size() || a.empty()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      const std::string hex(s.substr(i + 1, 2));
      char* end = nullptr;
      const long v = std::strtol(hex.c_str(), &end, 16);
      if (hex.size() == 2 && end == hex.c_str() + 2) {
        out += static_cast<char>(v);
        i += 2;
        continue;
      }
    }
    out += s[i] == '+' ? ' ' : s[i];
  }
  return out;
}

// `name`'s value in the query of `target` ("/api/events?token=…&since=4"), decoded.
std::string query(std::string_view target, std::string_view name) {
  const auto q = target.find('?');
  if (q == std::string_view::npos) return {};
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    const auto eq = pair.find('=');
    if (pair.substr(0, eq) == name) return eq == std::string_view::npos ? std::string() : percent_decode(pair.substr(eq + 1));
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return {};
}

std::optional<long long> to_number(std::string_view s) {
  if (s.empty() || s.size() > 19) return std::nullopt;
  long long v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

}  // namespace

class SseStream;

// An SSE frame, built once and shared by every client's writes (no copy per client).
using Frame = std::shared_ptr<const std::string>;

struct Dashboard::Impl {
  // Declared first so that it goes last: pending handlers hold sessions that refer to
  // nothing else here once the thread has stopped.
  net::io_context ioc{1};
  tcp::acceptor acceptor{ioc};
  net::steady_timer poll_timer{ioc};
  std::thread thread;
  ServerOptions opt;
  std::vector<std::unique_ptr<FeatureModel>> features;
  std::string structure;                       // the graphs, built once
  std::vector<std::string> hosts;              // what a Host header may say
  unsigned short port = 0;
  std::deque<Frame> events;                    // SSE frames, oldest first
  std::uint64_t first_id = 0, next_id = 0;     // id of events.front(), and of the next one
  std::vector<std::shared_ptr<SseStream>> streams;  // open ones; a closed one is dropped
  bool polling = false;                        // the poll timer is armed (only while a client listens)
  std::chrono::steady_clock::time_point next_liveness{};
  std::vector<std::shared_ptr<std::promise<void>>> flushes;  // flush() calls waiting for the clients

  void push(std::string json) {
    std::string frame = "id: " + std::to_string(next_id++) + "\ndata: ";
    frame += json;
    frame += "\n\n";
    events.push_back(std::make_shared<const std::string>(std::move(frame)));
    while (events.size() > opt.max_events) {  // a client this far behind gets a snapshot
      events.pop_front();
      ++first_id;
    }
  }
  // No controls at all: read-only, or nothing to reach a run with.
  bool no_controls() const { return opt.read_only || (!opt.control && !opt.post_control); }
  // Who each feature's controls reach now: the run here, a live run elsewhere, or none.
  void find_controls() {
    if (no_controls()) return;
    for (std::size_t f = 0; f < features.size(); ++f) {
      if (f == 0 && opt.control) continue;  // set once at start: the run in this process
      std::optional<LiveRun> live;
      if (opt.live_run) live = opt.live_run(static_cast<int>(f));
      if (live) features[f]->set_control("inbox", live->pid, live->run_id);
      else features[f]->set_control("");
    }
  }
  // Reads what the journals gained since the last time, and notices a watched run that
  // died. Only done while someone looks (a client streams, or asks for the state): with
  // nobody watching the server does nothing at all, and the first look catches up.
  void catch_up(bool probe_now) {
    for (auto& f : features)
      for (std::string& e : f->poll_journal()) push(std::move(e));
    check_runs(probe_now);
  }
  // A run in another process that is neither finished nor still holding its lock was
  // killed or crashed: the page is told (a `run-ended` event), so that it takes its
  // controls away without waiting for one to be refused.
  void check_runs(bool now) {
    if (!opt.live_run) return;
    const auto clock = std::chrono::steady_clock::now();
    if (!now && clock < next_liveness) return;
    next_liveness = clock + kLivenessEvery;
    for (std::size_t f = 0; f < features.size(); ++f) {
      FeatureModel& m = *features[f];
      if (!m.run_open() || (f == 0 && opt.control)) continue;
      const std::optional<LiveRun> live = opt.live_run(static_cast<int>(f));
      if (live && live->run_id == m.run_id()) continue;
      // The lock is free (or a newer run's): the run journaled its last line before it
      // let go, so what is in the journal now is all it said. A clean end is there.
      for (std::string& e : m.poll_journal()) push(std::move(e));
      if (auto e = m.run_gone()) push(std::move(*e));
    }
  }
  std::string state_json() {
    find_controls();
    detail::Json j;
    j.begin_object().field("seq", static_cast<long long>(next_id - 1)).field("read_only", no_controls());
    j.key("features").begin_array();
    for (const auto& f : features) j.serialized(f->state_json());
    j.end_array().end_object();
    return j.str();
  }
  void poll();
  void watch() {
    if (!polling) poll();
  }
  void wake();
  void check_flushed();
  void accept();
  bool host_allowed(std::string_view host) const {
    for (const std::string& h : hosts)
      if (beast::iequals(host, h)) return true;
    return false;
  }
};

// One client of /api/events: it reads the shared event list at its own pace (the list is
// the queue, bounded; the run loop never waits for a client).
class SseStream : public std::enable_shared_from_this<SseStream> {
 public:
  SseStream(beast::tcp_stream stream, Dashboard::Impl& srv, std::optional<std::uint64_t> cursor)
      : stream_(std::move(stream)), srv_(srv), ping_(stream_.get_executor()) {
    if (cursor) cursor_ = *cursor;
    else snapshot_ = true;
  }
  void start() {
    out_ = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\nCache-Control: no-store\r\n"
           "X-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\nretry: 1000\n\n";
    pump();
    arm_ping();
  }
  void pump() {
    if (writing_ || closed_) return;
    // Behind what is kept (or new, or from another server): the state, then on from there.
    if (snapshot_ || cursor_ < srv_.first_id || cursor_ > srv_.next_id) {
      out_ += "event: snapshot\nid: " + std::to_string(srv_.next_id - 1) + "\ndata: " + srv_.state_json() + "\n\n";
      cursor_ = srv_.next_id;
      snapshot_ = false;
    }
    // The frames themselves, not copies: they stay alive until written even if the list
    // drops them meanwhile.
    std::size_t bytes = out_.size();
    while (cursor_ < srv_.next_id && bytes < kBatch) {
      frames_.push_back(srv_.events[cursor_++ - srv_.first_id]);
      bytes += frames_.back()->size();
    }
    if (bytes == 0) return;
    buffers_.clear();
    if (!out_.empty()) buffers_.push_back(net::buffer(out_));
    for (const Frame& f : frames_) buffers_.push_back(net::buffer(*f));
    writing_ = true;
    stream_.expires_after(kStreamWriteTime);
    net::async_write(stream_, buffers_, [self = shared_from_this()](error_code ec, std::size_t) {
      self->writing_ = false;
      self->out_.clear();
      self->frames_.clear();
      if (ec) self->close();
      else self->pump();
      self->srv_.check_flushed();
    });
  }
  [[nodiscard]] bool caught_up() const { return closed_ || (cursor_ == srv_.next_id && !writing_); }
  [[nodiscard]] bool closed() const { return closed_; }

 private:
  void arm_ping() {
    ping_.expires_after(kPing);
    ping_.async_wait([w = weak_from_this()](error_code ec) {
      auto self = w.lock();
      if (ec || !self || self->closed_) return;
      if (!self->writing_) {
        self->out_ += ": ping\n\n";
        self->pump();
      }
      self->arm_ping();
    });
  }
  void close() {
    closed_ = true;
    ping_.cancel();
    error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.close();
  }

  beast::tcp_stream stream_;
  Dashboard::Impl& srv_;
  net::steady_timer ping_;
  std::uint64_t cursor_ = 0;
  bool snapshot_ = false, writing_ = false, closed_ = false;
  std::string out_;                        // this client's own bytes: headers, snapshot, pings
  std::vector<Frame> frames_;              // being written after out_
  std::vector<net::const_buffer> buffers_;
};

namespace {

using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

Response reply(const Request& req, http::status status, std::string_view type, std::string body) {
  Response res{status, req.version()};
  res.set(http::field::server, "flow");
  res.set(http::field::content_type, type);
  res.set(http::field::cache_control, "no-store");
  res.set("X-Content-Type-Options", "nosniff");
  res.set("Referrer-Policy", "no-referrer");  // the token is in the page's address
  res.set("X-Frame-Options", "DENY");
  res.set("Content-Security-Policy",
          "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
          "base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
  res.keep_alive(req.keep_alive());
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

Response error(const Request& req, http::status status, std::string_view why) {
  detail::Json j;
  j.begin_object().field("error", why).end_object();
  return reply(req, status, "application/json", j.str());
}

}  // namespace

// One connection: requests in turn until it closes or turns into an event stream.
class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(tcp::socket socket, Dashboard::Impl& srv) : stream_(std::move(socket)), srv_(srv) {}
  void run() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->read(); });
  }

 private:
  void read() {
    parser_.emplace();
    parser_->body_limit(kBodyLimit);
    parser_->header_limit(kHeaderLimit);
    stream_.expires_after(kRequestTime);
    http::async_read(stream_, buffer_, *parser_, [self = shared_from_this()](error_code ec, std::size_t) {
      if (ec == http::error::body_limit || ec == http::error::header_limit) {
        Request req;
        req.version(11);
        req.keep_alive(false);
        return self->send(error(req, http::status::payload_too_large, "request too large"));
      }
      if (ec) return self->close();
      self->handle(self->parser_->release());
    });
  }
  void send(Response res) {
    auto sp = std::make_shared<Response>(std::move(res));
    stream_.expires_after(kRequestTime);
    http::async_write(stream_, *sp, [self = shared_from_this(), sp](error_code ec, std::size_t) {
      if (ec || sp->need_eof()) return self->close();
      self->read();
    });
  }
  void close() {
    error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  void handle(Request req) {
    const std::string_view target = req.target();
    const std::string_view path = target.substr(0, target.find('?'));
    // DNS rebinding: a page from elsewhere that resolves its own name to 127.0.0.1 still
    // sends its own name as Host.
    if (!srv_.host_allowed(req[http::field::host])) return send(error(req, http::status::forbidden, "foreign Host"));
    // Cross-site requests: a browser names the page that sent them.
    if (const std::string_view origin = req[http::field::origin]; !origin.empty()) {
      if (!beast::iequals(origin, "http://" + std::string(req[http::field::host])))
        return send(error(req, http::status::forbidden, "foreign Origin"));
    }
    if (req.method() == http::verb::get && (path == "/" || path == "/index.html"))
      return send(reply(req, http::status::ok, "text/html; charset=utf-8", std::string(assets::index_html)));
    if (req.method() == http::verb::get && path == "/app.js")
      return send(reply(req, http::status::ok, "text/javascript; charset=utf-8", std::string(assets::app_js)));
    if (req.method() == http::verb::get && path == "/app.css")
      return send(reply(req, http::status::ok, "text/css; charset=utf-8", std::string(assets::app_css)));
    if (path.substr(0, 5) != "/api/") return send(error(req, http::status::not_found, "not found"));
    // Everything the page reads or does needs the run's token (it is in the printed URL).
    const std::string token = req.method() == http::verb::post ? std::string(req["X-Flow-Token"]) : query(target, "token");
    if (!same_secret(token, srv_.opt.token)) return send(error(req, http::status::forbidden, "bad or missing token"));
    if (req.method() == http::verb::get && path == "/api/structure")
      return send(reply(req, http::status::ok, "application/json", srv_.structure));
    if (req.method() == http::verb::get && path == "/api/state") {
      srv_.catch_up(true);
      return send(reply(req, http::status::ok, "application/json", srv_.state_json()));
    }
    if (req.method() == http::verb::get && path == "/api/output") return output(req, target);
    if (req.method() == http::verb::get && path == "/api/events") return events(req, target);
    if (req.method() == http::verb::post && path == "/api/control") return control(req);
    if (path == "/api/control") return send(error(req, http::status::method_not_allowed, "POST only"));
    return send(error(req, http::status::not_found, "not found"));
  }

  void output(const Request& req, std::string_view target) {
    const auto f = to_number(query(target, "f"));
    const auto t = to_number(query(target, "t"));
    if (!f || !t || *f >= static_cast<long long>(srv_.features.size()))
      return send(error(req, http::status::bad_request, "f and t: a feature and a task"));
    srv_.catch_up(false);  // the attempt's log is named by its task-started line
    auto text = srv_.features[static_cast<std::size_t>(*f)]->output(static_cast<int>(*t), 64 * 1024);
    if (!text) return send(error(req, http::status::not_found, "no output"));
    send(reply(req, http::status::ok, "text/plain; charset=utf-8", std::move(*text)));
  }

  void events(const Request& req, std::string_view target) {
    // A reconnecting EventSource names the last event it has; a first connection may
    // say where its snapshot ended.
    std::optional<std::uint64_t> cursor;
    if (auto last = to_number(req["Last-Event-ID"])) cursor = static_cast<std::uint64_t>(*last) + 1;
    else if (auto since = to_number(query(target, "since"))) cursor = static_cast<std::uint64_t>(*since) + 1;
    // What happened while nobody watched is read first: it is what a resuming client
    // missed, and what a new one's snapshot must hold.
    srv_.catch_up(true);
    auto s = std::make_shared<SseStream>(std::move(stream_), srv_, cursor);
    srv_.streams.push_back(s);
    s->start();
    srv_.watch();
  }

  void control(const Request& req) {
    if (srv_.no_controls())
      return send(error(req, http::status::forbidden, srv_.opt.read_only ? "read-only dashboard" : "no run to control"));
    if (req[http::field::content_type].substr(0, 16) != "application/json")
      return send(error(req, http::status::unsupported_media_type, "application/json only"));
    const auto body = detail::JsonValue::parse(req.body());
    if (!body || !body->is_object()) return send(error(req, http::status::bad_request, "a JSON object"));
    const detail::JsonValue& b = *body;
    const std::string_view action = b["action"].str();
    ControlRequest r;
    r.by = "dashboard";
    if (action == "pause") r.action = ControlRequest::Action::pause;
    else if (action == "resume") r.action = ControlRequest::Action::resume;
    else if (action == "cancel") r.action = ControlRequest::Action::cancel;
    else if (action == "retry") r.action = ControlRequest::Action::retry;
    else if (action == "skip") r.action = ControlRequest::Action::skip;
    else return send(error(req, http::status::bad_request, "action: pause, resume, cancel, retry or skip"));
    const double fn = b["feature"].num(0);
    if (fn < 0 || fn >= static_cast<double>(srv_.features.size()) || fn != static_cast<double>(static_cast<int>(fn)))
      return send(error(req, http::status::not_found, "no such feature"));
    const int f = static_cast<int>(fn);
    // The run in this process is feature 0's; the others' runs are reached elsewhere.
    const bool here = f == 0 && srv_.opt.control;
    if (!here && !srv_.opt.post_control) return send(error(req, http::status::forbidden, "that feature is only watched"));
    if (r.action != ControlRequest::Action::pause && r.action != ControlRequest::Action::resume) {
      const FeatureModel& m = *srv_.features[static_cast<std::size_t>(f)];
      const int line = static_cast<int>(b["line"].num(0));
      const int t = m.task_count() > 0 ? static_cast<int>(b["index"].num(-1)) : -1;
      r.task = std::string(b["task"].str());
      r.line = line;
      const bool known = t >= 0 && t < m.task_count() && m.task(t).id == r.task && m.task(t).line == line;
      if (!known) return send(error(req, http::status::not_found, "no such task"));
    }
    if (here) {
      srv_.opt.control->post(std::move(r));
      return send(reply(req, http::status::accepted, "application/json", "{\"queued\":true}"));
    }
    // A run in another process: its inbox, or why not (none going on is a conflict
    // with the state the page asked for, not a bad request).
    auto posted = srv_.opt.post_control(f, std::move(r));
    if (!posted) {
      const auto status = posted.error().code == Errc::not_found          ? http::status::conflict
                          : posted.error().code == Errc::invalid_argument ? http::status::bad_request
                                                                          : http::status::internal_server_error;
      return send(error(req, status, posted.error().message));
    }
    detail::Json j;
    j.begin_object().field("queued", true).field("request", *posted).end_object();
    send(reply(req, http::status::accepted, "application/json", j.str()));
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_{kHeaderLimit + kBodyLimit};
  std::optional<http::request_parser<http::string_body>> parser_;
  Dashboard::Impl& srv_;
};

void Dashboard::Impl::accept() {
  acceptor.async_accept([this](error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted) return;
    if (!ec) std::make_shared<HttpSession>(std::move(socket), *this)->run();
    accept();
  });
}

void Dashboard::Impl::poll() {
  catch_up(false);
  wake();
  // Nobody left to tell: the timer stops, and the next client starts it again.
  polling = !streams.empty();
  if (!polling) return;
  poll_timer.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(opt.poll_seconds)));
  poll_timer.async_wait([this](error_code ec) {
    if (!ec) poll();
  });
}

void Dashboard::Impl::wake() {
  std::erase_if(streams, [](const std::shared_ptr<SseStream>& s) { return s->closed(); });
  for (auto& s : streams) s->pump();
  check_flushed();
}

void Dashboard::Impl::check_flushed() {
  if (flushes.empty()) return;
  for (auto& s : streams)
    if (!s->caught_up()) return;
  for (auto& p : flushes) p->set_value();
  flushes.clear();
}

Dashboard::Dashboard(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Dashboard::~Dashboard() {
  impl_->ioc.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
  impl_->streams.clear();
}

Result<std::unique_ptr<Dashboard>> Dashboard::start(std::vector<std::unique_ptr<FeatureModel>> features,
                                                    ServerOptions options) {
  auto impl = std::make_unique<Impl>();
  impl->opt = std::move(options);
  if (impl->opt.token.empty()) impl->opt.token = random_token();
  if (impl->opt.token.empty()) return Unexpected{Error{Errc::io, "cannot read /dev/urandom for the dashboard's token", 0}};
  impl->features = std::move(features);
  if (impl->opt.control && !impl->opt.read_only && !impl->features.empty()) impl->features.front()->set_control("here");
  error_code ec;
  const auto address = net::ip::make_address(impl->opt.address, ec);
  if (ec) return Unexpected{Error{Errc::invalid_argument, "not an IP address: " + impl->opt.address, 0}};
  const tcp::endpoint at{address, impl->opt.port};
  impl->acceptor.open(at.protocol(), ec);
  if (!ec) impl->acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(at, ec);
  if (!ec) impl->acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return Unexpected{Error{Errc::io, "cannot listen on " + impl->opt.address + ":" + std::to_string(impl->opt.port) + ": " + ec.message(), 0}};
  impl->port = impl->acceptor.local_endpoint().port();
  const std::string p = ":" + std::to_string(impl->port);
  impl->hosts = {"127.0.0.1" + p, "localhost" + p, "[::1]" + p};
  if (!address.is_loopback() && !address.is_unspecified())
    impl->hosts.push_back((address.is_v6() ? "[" + address.to_string() + "]" : address.to_string()) + p);
  // Event ids go on from a different number on each start, so that a client of an
  // earlier server never resumes in the middle of this one's events.
  impl->first_id = impl->next_id =
      static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                     std::chrono::system_clock::now().time_since_epoch()).count()) * 1000000;
  {
    detail::Json j;
    j.begin_array();
    for (const auto& f : impl->features) j.serialized(f->structure_json());
    j.end_array();
    impl->structure = j.str();
  }
  Impl* raw = impl.get();
  raw->accept();
  raw->thread = std::thread([raw] { raw->ioc.run(); });
  return std::unique_ptr<Dashboard>(new Dashboard(std::move(impl)));
}

std::string Dashboard::url() const {
  return "http://127.0.0.1:" + std::to_string(impl_->port) + "/?token=" + impl_->opt.token;
}

void Dashboard::activity(int feature, std::string id, int line, int attempt, std::string detail) {
  Impl* raw = impl_.get();
  net::post(raw->ioc, [raw, feature, id = std::move(id), line, attempt, detail = std::move(detail)] {
    if (feature < 0 || feature >= static_cast<int>(raw->features.size())) return;
    // The journal first: the task's start, which the activity comes after, must not
    // be applied later and clear it (with nobody watching it is not read as it grows).
    raw->catch_up(false);
    if (auto e = raw->features[static_cast<std::size_t>(feature)]->activity(id, line, attempt, detail)) {
      raw->push(std::move(*e));
      raw->wake();
    }
  });
}

void Dashboard::flush() {
  Impl* raw = impl_.get();
  auto done = std::make_shared<std::promise<void>>();
  std::future<void> all = done->get_future();
  net::post(raw->ioc, [raw, done] {
    raw->flushes.push_back(done);
    raw->catch_up(true);
    raw->wake();  // answers at once when every client has it all, else after their writes
  });
  all.wait_for(kFlushTime);
}

}  // namespace flow::serve
