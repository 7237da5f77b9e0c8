# SPDX-License-Identifier: MIT
"""flow from Python: parse a tasks.md, build its dependency graph, drive the scheduler,
decide about failures (with the stock policy or your own), simulate runs, and mark tasks.

Thin wrappers over flow's C ABI (libflow_c). Every handle is freed deterministically by
close() or a with-block, and otherwise when garbage-collected; handles may be freed in
any order (a graph keeps its plan alive, a scheduler its graph).

    import flow
    with flow.Plan.load("specs/001-x/tasks.md") as plan, flow.Graph(plan) as graph:
        print(graph.critical_path([300.0] * len(plan.tasks)))
"""
import ctypes
import dataclasses
from typing import Dict, List, Optional, Sequence, Tuple

from . import _lib
from ._lib import lib

__all__ = ["FlowError", "CycleError", "ParseError", "NotFoundError", "ConflictError", "Plan", "Task", "Phase",
           "Diagnostic", "Graph", "Edge", "Scheduler", "Policy", "StockPolicy", "Failure", "Decision", "SimReport",
           "simulate", "run", "RunReport", "RunEvent", "set_marks", "version", "ABI_VERSION"]

ABI_VERSION = _lib.ABI_VERSION
OK, ERROR, ENOMEM, EMISUSE, EVERSION, EPARSE, ECYCLE, ECANCELED, EUSER, EIO, ENOTFOUND, ECONFLICT = (
    0, -1, -2, -3, -4, -5, -6, -7, -8, -9, -10, -11)

_STATES = ("pending", "done", "other")
_FORMS = ("checkbox", "heading", "bold-item", "unnumbered")
_KINDS = ("setup", "foundational", "user-story", "polish", "other")
_SEVERITIES = ("info", "warning", "error")
_RULES = ("phase-order", "story-phase", "group-order", "sequential", "parallel-run", "task-reference",
          "heading-reference", "statement", "story-prose")
_STATUSES = ("waiting", "ready", "running", "succeeded", "failed", "blocked", "skipped", "excluded")
FAILURE_CLASSES = ("network", "timeout", "rate_limit", "temporary", "auth", "config", "invalid_input", "refused",
                   "budget", "validation", "crash", "conflict", "unknown")
_DECISIONS = ("retry", "fail", "skip", "abort")


class FlowError(Exception):
    """A flow_* call failed. `code` is the C error code, `line` the input line or 0."""

    def __init__(self, code: int, message: str, line: int = 0):
        super().__init__(f"{message} [flow error {code}]")
        self.code, self.message, self.line = code, message, line


class CycleError(FlowError):
    """The dependency graph has a cycle; the message names every task on it."""


class ParseError(FlowError):
    pass


class NotFoundError(FlowError):
    pass


class ConflictError(FlowError):
    pass


_ERRORS = {ECYCLE: CycleError, EPARSE: ParseError, ENOTFOUND: NotFoundError, ECONFLICT: ConflictError}


def _raise_last(rc: int):
    err = lib.flow_error_last().contents  # same OS thread as the failing call
    message = (err.message or b"").decode("utf-8", "replace")
    raise _ERRORS.get(rc, FlowError)(rc, message, err.line)


def _s(b: Optional[bytes]) -> str:
    return (b or b"").decode("utf-8", "replace")


def version() -> str:
    return _s(lib.flow_version_string())


class _Handle:
    _free = None

    def __init__(self, ptr):
        self._h = ptr

    def close(self) -> None:
        """Frees the handle now. Idempotent."""
        h, self._h = self._h, None
        if h:
            type(self)._free(h)

    def __del__(self):
        try:
            self.close()
        except Exception:  # interpreter shutdown
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _ptr(self):
        if not self._h:
            raise ValueError(f"{type(self).__name__} is closed")
        return self._h


@dataclasses.dataclass(frozen=True)
class Task:
    index: int
    id: str
    line: int
    state: str            # pending | done | other
    form: str
    parallel: bool
    story: Optional[str]  # the story label as written, e.g. "US1"
    priority: str
    description: str
    phase: int
    paths: Tuple[str, ...]
    labels: Tuple[str, ...]
    depends_on: Tuple[Tuple[str, str, int], ...]  # (first, last, line) as written


@dataclasses.dataclass(frozen=True)
class Phase:
    title: str
    line: int
    kind: str
    story: int
    priority: str


@dataclasses.dataclass(frozen=True)
class Diagnostic:
    severity: str
    line: int
    code: str
    message: str


class Plan(_Handle):
    """A parsed tasks.md. Thread safety: immutable."""
    _free = staticmethod(lambda h: lib.flow_plan_free(h))

    def __init__(self, ptr, text: Optional[bytes] = None):
        super().__init__(ptr)
        self.text = text
        self._tasks = None

    @classmethod
    def parse(cls, text: str) -> "Plan":
        data = text.encode("utf-8") if isinstance(text, str) else bytes(text)
        h = _lib.PlanP()
        lib.flow_plan_parse(ctypes.byref(h), data, len(data))
        return cls(h, data)

    @classmethod
    def load(cls, path: str) -> "Plan":
        with open(path, "rb") as f:
            data = f.read()
        h = _lib.PlanP()
        lib.flow_plan_parse(ctypes.byref(h), data, len(data))
        return cls(h, data)

    @property
    def tasks(self) -> List[Task]:
        if self._tasks is None:
            h = self._ptr()
            out = []
            info = _lib.TaskInfo()
            for i in range(lib.flow_plan_task_count(h)):
                lib.flow_plan_task(ctypes.byref(info), h, i)
                deps = []
                for k in range(info.dependency_count):
                    first, last, line = ctypes.c_char_p(), ctypes.c_char_p(), ctypes.c_int()
                    lib.flow_plan_task_dependency(ctypes.byref(first), ctypes.byref(last), ctypes.byref(line), h, i, k)
                    deps.append((_s(first.value), _s(last.value), line.value))
                out.append(Task(i, _s(info.id), info.line, _STATES[info.state], _FORMS[info.form], bool(info.parallel),
                                _s(info.story_label) or None, _s(info.priority), _s(info.description), info.phase,
                                tuple(_s(lib.flow_plan_task_path(h, i, k)) for k in range(info.path_count)),
                                tuple(_s(lib.flow_plan_task_label(h, i, k)) for k in range(info.label_count)),
                                tuple(deps)))
            self._tasks = out
        return self._tasks

    @property
    def phases(self) -> List[Phase]:
        h, info = self._ptr(), _lib.PhaseInfo()
        out = []
        for i in range(lib.flow_plan_phase_count(h)):
            lib.flow_plan_phase(ctypes.byref(info), h, i)
            out.append(Phase(_s(info.title), info.line, _KINDS[info.kind], info.story, _s(info.priority)))
        return out

    @property
    def diagnostics(self) -> List[Diagnostic]:
        h, info = self._ptr(), _lib.DiagnosticInfo()
        out = []
        for i in range(lib.flow_plan_diagnostic_count(h)):
            lib.flow_plan_diagnostic(ctypes.byref(info), h, i)
            out.append(Diagnostic(_SEVERITIES[info.severity], info.line, _s(info.code), _s(info.message)))
        return out


@dataclasses.dataclass(frozen=True)
class Edge:
    from_: int   # task index, or a gate node (>= task count)
    to: int
    rule: str
    line: int
    words: str


class Graph(_Handle):
    """The dependency graph of a plan. Raises CycleError. Thread safety: immutable."""
    _free = staticmethod(lambda h: lib.flow_graph_free(h))

    def __init__(self, plan: Plan, stories_parallel: bool = True):
        opts = _lib.GraphOptions()
        lib.flow_graph_options_init(ctypes.byref(opts), 1)
        opts.stories_parallel = 1 if stories_parallel else 0
        h = _lib.GraphP()
        lib.flow_graph_new(ctypes.byref(h), plan._ptr(), ctypes.byref(opts))
        super().__init__(h)
        self.task_count = lib.flow_graph_task_count(h)

    @property
    def edges(self) -> List[Edge]:
        h, e = self._ptr(), _lib.EdgeInfo()
        out = []
        for i in range(lib.flow_graph_edge_count(h)):
            lib.flow_graph_edge(ctypes.byref(e), h, i)
            out.append(Edge(e.from_, e.to, _RULES[e.rule], e.line, _s(e.words)))
        return out

    def gate_name(self, node: int) -> Optional[str]:
        name = lib.flow_graph_gate_name(self._ptr(), node)
        return None if name is None else _s(name)

    def predecessors(self, task: int) -> List[int]:
        """The tasks `task` waits for, gates looked through."""
        count = ctypes.c_size_t()
        lib.flow_graph_task_predecessors(None, 0, ctypes.byref(count), self._ptr(), task)
        buf = (ctypes.c_int * max(1, count.value))()
        lib.flow_graph_task_predecessors(buf, count.value, ctypes.byref(count), self._ptr(), task)
        return list(buf[:count.value])

    def wave(self, task: int) -> int:
        return lib.flow_graph_wave(self._ptr(), task)

    def _durations(self, durations: Sequence[float]):
        if len(durations) != self.task_count:
            raise ValueError(f"need {self.task_count} durations, got {len(durations)}")
        return (ctypes.c_double * self.task_count)(*durations)

    def critical_path(self, durations: Sequence[float]) -> Tuple[List[int], float]:
        d = self._durations(durations)
        out = (ctypes.c_int * max(1, self.task_count))()
        count, length = ctypes.c_size_t(), ctypes.c_double()
        lib.flow_graph_critical_path(out, self.task_count, ctypes.byref(count), ctypes.byref(length), self._ptr(), d,
                                     self.task_count)
        return list(out[:count.value]), length.value

    def lower_bound(self, durations: Sequence[float], workers: int) -> float:
        out = ctypes.c_double()
        lib.flow_graph_lower_bound(ctypes.byref(out), self._ptr(), self._durations(durations), self.task_count, workers)
        return out.value


class Scheduler(_Handle):
    """Decides which task may start next; you pass the time in. Keeps its graph alive.
    Thread safety: one thread at a time."""
    _free = staticmethod(lambda h: lib.flow_scheduler_free(h))

    def __init__(self, graph: Graph, workers: int = 1, fail_fast: bool = False,
                 estimates: Optional[Sequence[float]] = None, selected: Optional[Sequence[bool]] = None):
        opts = _lib.SchedulerOptions()
        lib.flow_scheduler_options_init(ctypes.byref(opts), 1)
        opts.workers, opts.fail_fast = workers, 1 if fail_fast else 0
        keep = []
        if estimates is not None:
            arr = (ctypes.c_double * len(estimates))(*estimates)
            keep.append(arr)
            opts.estimates, opts.estimate_count = ctypes.cast(arr, ctypes.POINTER(ctypes.c_double)), len(estimates)
        if selected is not None:
            arr = (ctypes.c_ubyte * len(selected))(*(1 if s else 0 for s in selected))
            keep.append(arr)
            opts.selected, opts.selected_count = ctypes.cast(arr, ctypes.POINTER(ctypes.c_ubyte)), len(selected)
        h = _lib.SchedulerP()
        lib.flow_scheduler_new(ctypes.byref(h), graph._ptr(), ctypes.byref(opts))
        super().__init__(h)

    def next(self, now: float) -> Optional[int]:
        """The best task that may start at `now` (now running), or None."""
        t = ctypes.c_int()
        lib.flow_scheduler_next(ctypes.byref(t), self._ptr(), now)
        return None if t.value < 0 else t.value

    def finish(self, task: int, status: str = "succeeded") -> None:
        lib.flow_scheduler_finish(self._ptr(), task, _STATUSES.index(status))

    def retry(self, task: int, not_before: float) -> None:
        lib.flow_scheduler_retry(self._ptr(), task, not_before)

    @property
    def done(self) -> bool:
        return bool(lib.flow_scheduler_done(self._ptr()))

    def status(self, task: int) -> str:
        return _STATUSES[lib.flow_scheduler_status(self._ptr(), task)]

    def blocked_by(self, task: int) -> int:
        return lib.flow_scheduler_blocked_by(self._ptr(), task)

    def next_wake(self, now: float) -> Optional[float]:
        out = ctypes.c_double()
        return out.value if lib.flow_scheduler_next_wake(ctypes.byref(out), self._ptr(), now) == OK else None

    def cancel(self) -> None:
        lib.flow_scheduler_cancel(self._ptr())


@dataclasses.dataclass
class Failure:
    failure_class: str = "unknown"  # one of FAILURE_CLASSES
    agent: str = ""
    reset_at: Optional[float] = None
    message: str = ""


@dataclasses.dataclass
class Decision:
    kind: str = "fail"              # retry | fail | skip | abort
    delay: float = 0.0
    feedback: bool = False
    rollback: bool = False
    agent: str = ""
    strategy: str = ""
    reason: str = ""


class Policy(_Handle):
    """Base class of recovery policies. Subclass it and override decide(); flow calls it on
    the calling thread. An exception raised by decide() stops the operation that asked
    (simulate()) and is re-raised from it."""
    _free = staticmethod(lambda h: lib.flow_policy_free(h))

    def __init__(self):
        self._error: Optional[BaseException] = None
        self._cb = _lib.DecideCB(self._trampoline)  # referenced for the policy's whole life
        self._free_cb = _lib.FreeCB(lambda payload: None)
        vt = _lib.PolicyVtable(1, self._cb, self._free_cb, None)
        h = _lib.PolicyP()
        lib.flow_policy_new_host(ctypes.byref(h), ctypes.byref(vt))
        super().__init__(h)

    def decide(self, task_id: str, attempt: int, failure: Failure, now: float) -> Decision:
        raise NotImplementedError

    def _trampoline(self, out, task_id, attempt, failure, now, payload):
        try:
            f = failure.contents
            d = self.decide(_s(task_id), attempt,
                            Failure(FAILURE_CLASSES[f.failure_class], _s(f.agent),
                                    None if f.reset_at < 0 else f.reset_at, _s(f.message)), now)
            self._keep = [x.encode("utf-8") for x in (d.agent, d.strategy, d.reason)]  # alive until flow copies them
            o = out.contents
            o.kind, o.delay = _DECISIONS.index(d.kind), float(d.delay)
            o.feedback, o.rollback = int(d.feedback), int(d.rollback)
            o.agent, o.strategy, o.reason = self._keep
            return OK
        except BaseException as e:  # noqa: B902 - stored and re-raised at the join point
            self._error = e
            return EUSER

    def _take_error(self) -> Optional[BaseException]:
        e, self._error = self._error, None
        return e


class StockPolicy(Policy):
    """flow's stock policy: 3 retries, backoff 1 s to 30 s with seeded jitter, no retry for
    auth/config/invalid_input/refused/budget, one rate-limit gate per agent."""

    def __init__(self, max_retries: int = 3, base_delay: float = 1.0, max_delay: float = 30.0, jitter: float = 0.25,
                 seed: int = 0x5eed, auto_retry: bool = True, fail_fast: bool = False):
        opts = _lib.PolicyOptions()
        lib.flow_policy_options_init(ctypes.byref(opts), 1)
        opts.max_retries, opts.base_delay, opts.max_delay, opts.jitter = max_retries, base_delay, max_delay, jitter
        opts.seed, opts.auto_retry, opts.fail_fast = seed, int(auto_retry), int(fail_fast)
        self._error = None
        h = _lib.PolicyP()
        lib.flow_policy_new_stock(ctypes.byref(h), ctypes.byref(opts))
        _Handle.__init__(self, h)

    def decide_for(self, plan: Plan, task: int, attempt: int, failure: Failure, now: float = 0.0) -> Decision:
        f = _lib.FailureInfo(FAILURE_CLASSES.index(failure.failure_class), failure.agent.encode(),
                             -1.0 if failure.reset_at is None else failure.reset_at, failure.message.encode())
        d = _lib.DecisionInfo()
        lib.flow_policy_decide(ctypes.byref(d), self._ptr(), plan._ptr(), task, attempt, ctypes.byref(f), now)
        return Decision(_DECISIONS[d.kind], d.delay, bool(d.feedback), bool(d.rollback), _s(d.agent), _s(d.strategy),
                        _s(d.reason))


@dataclasses.dataclass(frozen=True)
class SimReport:
    makespan: float
    lower_bound: float
    tight_lower_bound: float
    efficiency: float
    busy: float
    idle: float
    attempts: int
    retries: int
    succeeded: int
    failed: int
    blocked: int
    skipped: int


def simulate(graph: Graph, policy: Optional[Policy] = None, workers: int = 1, seed: int = 1,
             durations: Optional[Sequence[float]] = None, faults: Optional[str] = None,
             fail_fast: bool = False) -> SimReport:
    """Runs flow's scheduler and `policy` (the stock one by default) on a simulated clock.
    An exception raised by a Python policy comes out of here."""
    policy = policy or StockPolicy()
    opts = _lib.SimOptions()
    lib.flow_sim_options_init(ctypes.byref(opts), 1)
    opts.workers, opts.seed, opts.fail_fast = workers, seed, int(fail_fast)
    if durations is not None:
        arr = graph._durations(durations)
        opts.durations, opts.duration_count = ctypes.cast(arr, ctypes.POINTER(ctypes.c_double)), len(durations)
    faults_b = faults.encode() if faults else None
    opts.faults = faults_b
    rep = _lib.SimReport()
    rc = lib.flow_simulate(ctypes.byref(rep), graph._ptr(), ctypes.byref(opts), policy._ptr())
    if rc == EUSER:
        err = policy._take_error()
        if err is not None:
            raise err
    if rc < 0:
        _raise_last(rc)
    return SimReport(*(getattr(rep, f) for f, _ in _lib.SimReport._fields_))


@dataclasses.dataclass(frozen=True)
class RunEvent:
    kind: str
    time: float
    task: int
    task_id: str
    attempt: int
    detail: str


@dataclasses.dataclass(frozen=True)
class RunReport:
    succeeded: int
    failed: int
    blocked: int
    skipped: int
    retries: int
    interrupted: bool
    wall: float


def run(tasks_path: str, agent: Optional[str] = None, workers: int = 1, timeout: float = 0.0,
        fail_fast: bool = False, dry_run: bool = False, workdir: Optional[str] = None,
        policy: Optional[Policy] = None, on_event=None) -> RunReport:
    """Runs the pending tasks of tasks.md with the agent command (as `flow run --agent-cmd`):
    processes, marks in the file and the journal, all by flow. `on_event(RunEvent)` is
    called on this thread for every event; an exception raised there, or by a Python
    `policy`, stops the run (running attempts are killed) and comes out of here."""
    opts = _lib.RunOptions()
    lib.flow_run_options_init(ctypes.byref(opts), 1)
    keep = [tasks_path.encode(), agent.encode() if agent else None, workdir.encode() if workdir else None]
    opts.tasks_path, opts.agent_command, opts.workdir = keep
    opts.workers, opts.task_timeout, opts.fail_fast, opts.dry_run = workers, timeout, int(fail_fast), int(dry_run)
    errors: List[BaseException] = []

    def trampoline(ev, payload):
        if on_event is None:
            return OK
        try:
            e = ev.contents
            on_event(RunEvent(_s(e.kind), e.time, e.task, _s(e.task_id), e.attempt, _s(e.detail)))
            return OK
        except BaseException as exc:  # noqa: B902 - re-raised at the join point below
            errors.append(exc)
            return EUSER

    cb = _lib.RunEventCB(trampoline)
    h = _lib.RunP()
    lib.flow_run_new(ctypes.byref(h), ctypes.byref(opts), policy._ptr() if policy else None, cb, None)
    try:
        rep = _lib.RunReport()
        rc = lib.flow_run_execute(h, ctypes.byref(rep))
        if rc == EUSER:
            err = errors[0] if errors else (policy._take_error() if policy else None)
            if err is not None:
                raise err
        if rc < 0:
            _raise_last(rc)
        return RunReport(rep.succeeded, rep.failed, rep.blocked, rep.skipped, rep.retries, bool(rep.interrupted), rep.wall)
    finally:
        lib.flow_run_free(h)


def set_marks(path: str, original: bytes, changes: Sequence[Tuple[int, str, bool]]) -> None:
    """Marks tasks (line, id, done) in the file at `path`, which held `original` when parsed;
    one byte per task, replaced atomically. Raises ConflictError or NotFoundError."""
    n = len(changes)
    lines = (ctypes.c_int * n)(*(c[0] for c in changes))
    ids = (ctypes.c_char_p * n)(*(c[1].encode() for c in changes))
    done = (ctypes.c_int * n)(*(1 if c[2] else 0 for c in changes))
    lib.flow_marks_set(path.encode(), original, len(original), lines, ids, done, n)
