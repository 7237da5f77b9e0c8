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
import math
import os
import signal
import threading
from typing import Any, Callable, List, Optional, Sequence, Tuple, Union

PathLike = Union[str, "os.PathLike[str]"]

from . import _lib
from ._lib import lib

__all__ = ["FlowError", "CycleError", "ParseError", "NotFoundError", "ConflictError", "MisuseError", "Plan", "Task", "Phase",
           "Diagnostic", "Graph", "Edge", "Scheduler", "Policy", "StockPolicy", "Failure", "Decision", "SimReport",
           "simulate", "run", "Run", "FallbackStep", "RunReport", "RunEvent", "set_marks", "version", "ABI_VERSION",
           "FAILURE_CLASSES", "AGENTS"]

ABI_VERSION = _lib.ABI_VERSION
#: The agent CLIs run() can drive by name (`agent=`), each through its own adapter.
AGENTS = ("claude", "codex", "gemini", "qwen", "opencode", "copilot", "cursor", "amp", "aider")
OK, ERROR, ENOMEM, EMISUSE, EVERSION, EPARSE, ECYCLE, ECANCELED, EUSER, EIO, ENOTFOUND, ECONFLICT = (
    0, -1, -2, -3, -4, -5, -6, -7, -8, -9, -10, -11)

_STATES = ("pending", "done", "other")
_FORMS = ("checkbox", "heading", "bold-item", "unnumbered", "paragraph", "status-row")
_KINDS = ("setup", "foundational", "user-story", "polish", "other")
_SEVERITIES = ("info", "warning", "error")
_RULES = ("phase-order", "story-phase", "group-order", "sequential", "parallel-run", "task-reference",
          "heading-reference", "statement", "story-prose")
_STATUSES = ("waiting", "ready", "running", "succeeded", "failed", "blocked", "skipped", "excluded")
FAILURE_CLASSES = ("network", "timeout", "rate_limit", "temporary", "auth", "config", "invalid_input", "refused",
                   "budget", "validation", "crash", "conflict", "unknown", "stalled", "io")
_DECISIONS = ("retry", "fail", "skip", "abort")


class FlowError(Exception):
    """A flow_* call failed. `code` is the C error code (negative), `message` one line,
    `line` the input line it refers to or 0."""

    def __init__(self, code: int, message: str, line: int = 0) -> None:
        super().__init__(f"{message} [flow error {code}]")
        self.code, self.message, self.line = code, message, line


class CycleError(FlowError):
    """The dependency graph has a cycle; the message names every task on it."""


class ParseError(FlowError):
    """Input that could not be parsed: a fault list, a settings file (with its line)."""


class NotFoundError(FlowError):
    """Something named does not exist: a task, a file, an agent or gate program."""


class ConflictError(FlowError):
    """The file changed in a way that cannot be reconciled, or another run holds the lock."""


class MisuseError(FlowError, ValueError):
    """flow refused an argument (FLOW_EMISUSE): a number out of range or not finite, a
    count that does not match. A ValueError, as Python's own checks of arguments raise."""


_ERRORS = {ECYCLE: CycleError, EPARSE: ParseError, ENOTFOUND: NotFoundError, ECONFLICT: ConflictError,
           EMISUSE: MisuseError}


def _raise_last(rc: int) -> None:
    err = lib.flow_error_last().contents  # same OS thread as the failing call
    message = (err.message or b"").decode("utf-8", "replace")
    raise _ERRORS.get(rc, FlowError)(rc, message, err.line)


def _s(b: Optional[bytes]) -> str:
    return (b or b"").decode("utf-8", "replace")


def _other_stories(h: Any, task: int) -> List[str]:
    """A task's other stories, read until flow says there are no more."""
    out: List[str] = []
    while True:
        s = lib.flow_plan_task_other_story(h, task, len(out))
        if s is None:
            return out
        out.append(_s(s))


def _expect(name: str, value: Any, types: Any, what: str) -> None:
    """Raises TypeError unless `value` is one of `types` (bool is not taken for a number)."""
    if not isinstance(value, types) or (isinstance(value, bool) and bool not in (types if isinstance(types, tuple)
                                                                                  else (types,))):
        raise TypeError(f"{name} must be {what}, not {type(value).__name__}")


_C_INT_MAX = 2**31 - 1
_U64_MAX = 2**64 - 1


def _int(name: str, value: Any, minimum: Optional[int] = None, maximum: int = _C_INT_MAX) -> int:
    # ctypes would wrap a larger value silently (2**32 + 1 -> 1): refused here instead.
    _expect(name, value, int, "an int")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, not {value}")
    if value > maximum or value < -maximum - 1:
        raise ValueError(f"{name} must be at most {maximum}, not {value}")
    return value


def _number(name: str, value: Any) -> float:
    _expect(name, value, (int, float), "a number")
    return float(value)


def _path(name: str, value: Any) -> bytes:
    _expect(name, value, (str, os.PathLike), "a str or os.PathLike path")
    encoded = os.fsencode(value)
    if b"\0" in encoded:
        raise ValueError(f"{name} contains a NUL byte")  # as open() says; C would cut it there
    return encoded


def _handle_of(name: str, value: Any, cls: type) -> Any:
    _expect(name, value, cls, f"a flow.{cls.__name__}")
    return value._ptr()


def version() -> str:
    """The version of the loaded libflow_c, e.g. "0.1.0"."""
    return _s(lib.flow_version_string())


class _Handle:
    """Owns one C handle: close() or a with-block frees it; so does garbage collection."""
    _free: Any = None

    def __init__(self, ptr: Any) -> None:
        self._h = ptr

    def close(self) -> None:
        """Frees the handle now. Idempotent."""
        h, self._h = self._h, None
        if h:
            type(self)._free(h)

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # interpreter shutdown
            pass

    def __enter__(self: Any) -> Any:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def _ptr(self) -> Any:
        if not self._h:
            raise ValueError(f"{type(self).__name__} is closed")
        return self._h


@dataclasses.dataclass(frozen=True)
class Task:
    """One task of a plan, as written in tasks.md."""
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
    # The other stories it names after `story`: ("US2",) for [US1, US2] or [US1][US2].
    other_stories: Tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class Phase:
    """A phase heading: its title, line, kind (setup, foundational, user-story, polish,
    other), user story number (0 if none), priority, and the story's label as its tasks
    write it ("US1", "AUTH-US1"; None if it is no story's)."""
    title: str
    line: int
    kind: str
    story: int
    priority: str
    story_label: Optional[str] = None


@dataclasses.dataclass(frozen=True)
class Diagnostic:
    """A problem found in tasks.md: severity (info, warning, error), line, a stable code
    ("duplicate-id" …) and a message."""
    severity: str
    line: int
    code: str
    message: str


class Plan(_Handle):
    """A parsed tasks.md. Any text parses: problems become `diagnostics`. `text` holds the
    bytes it was parsed from (what set_marks() needs). Thread safety: immutable.

        with flow.Plan.load("specs/001-x/tasks.md") as plan:
            print([t.id for t in plan.tasks if t.state == "pending"])
    """
    _free = staticmethod(lambda h: lib.flow_plan_free(h))

    def __init__(self, ptr: Any, text: Optional[bytes] = None) -> None:
        """Internal: use Plan.parse() or Plan.load()."""
        super().__init__(ptr)
        self.text = text
        self._tasks: Optional[List[Task]] = None

    @classmethod
    def parse(cls, text: Union[str, bytes]) -> "Plan":
        """Parses tasks.md text (str, or UTF-8 bytes). Raises TypeError for anything else."""
        _expect("text", text, (str, bytes, bytearray), "str or bytes")
        data = text.encode("utf-8") if isinstance(text, str) else bytes(text)
        h = _lib.PlanP()
        lib.flow_plan_parse(ctypes.byref(h), data, len(data))
        return cls(h, data)

    @classmethod
    def load(cls, path: PathLike) -> "Plan":
        """Reads and parses a file. Raises OSError if it cannot be read."""
        _path("path", path)
        with open(path, "rb") as f:
            data = f.read()
        h = _lib.PlanP()
        lib.flow_plan_parse(ctypes.byref(h), data, len(data))
        return cls(h, data)

    @property
    def tasks(self) -> List[Task]:
        """The tasks in document order; `Task.index` is the index flow uses everywhere."""
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
                                tuple(deps), tuple(_other_stories(h, i))))
            self._tasks = out
        return self._tasks

    @property
    def phases(self) -> List[Phase]:
        """The phases in document order (`Task.phase` indexes this)."""
        h, info = self._ptr(), _lib.PhaseInfo()
        out = []
        for i in range(lib.flow_plan_phase_count(h)):
            lib.flow_plan_phase(ctypes.byref(info), h, i)
            out.append(Phase(_s(info.title), info.line, _KINDS[info.kind], info.story, _s(info.priority),
                             _s(lib.flow_plan_phase_story_label(h, i)) or None))
        return out

    @property
    def diagnostics(self) -> List[Diagnostic]:
        """What the parser found wrong or noteworthy, with lines."""
        h, info = self._ptr(), _lib.DiagnosticInfo()
        out = []
        for i in range(lib.flow_plan_diagnostic_count(h)):
            lib.flow_plan_diagnostic(ctypes.byref(info), h, i)
            out.append(Diagnostic(_SEVERITIES[info.severity], info.line, _s(info.code), _s(info.message)))
        return out


@dataclasses.dataclass(frozen=True)
class Edge:
    """`from_` finishes before `to` starts, by `rule`, because of `words` on `line`."""
    from_: int   # task index, or a gate node (>= task count)
    to: int
    rule: str
    line: int
    words: str


class Graph(_Handle):
    """The dependency graph of a plan. Raises CycleError. Thread safety: immutable."""
    _free = staticmethod(lambda h: lib.flow_graph_free(h))

    def __init__(self, plan: Plan, stories_parallel: bool = True) -> None:
        """Builds the graph of `plan`; user-story phases run in parallel unless
        `stories_parallel` is False. Raises CycleError naming every task on a cycle."""
        _expect("plan", plan, Plan, "a flow.Plan")
        opts = _lib.GraphOptions()
        lib.flow_graph_options_init(ctypes.byref(opts), 1)
        opts.stories_parallel = 1 if stories_parallel else 0
        h = _lib.GraphP()
        lib.flow_graph_new(ctypes.byref(h), plan._ptr(), ctypes.byref(opts))
        super().__init__(h)
        self.task_count = lib.flow_graph_task_count(h)

    @property
    def edges(self) -> List[Edge]:
        """Every edge with the rule and words that made it."""
        h, e = self._ptr(), _lib.EdgeInfo()
        out = []
        for i in range(lib.flow_graph_edge_count(h)):
            lib.flow_graph_edge(ctypes.byref(e), h, i)
            out.append(Edge(e.from_, e.to, _RULES[e.rule], e.line, _s(e.words)))
        return out

    def gate_name(self, node: int) -> Optional[str]:
        """The name of a gate node (a whole phase or group), or None for a task."""
        _int("node", node)
        name = lib.flow_graph_gate_name(self._ptr(), node)
        return None if name is None else _s(name)

    def predecessors(self, task: int) -> List[int]:
        """The tasks `task` waits for, gates looked through."""
        _int("task", task)
        count = ctypes.c_size_t()
        lib.flow_graph_task_predecessors(None, 0, ctypes.byref(count), self._ptr(), task)
        buf = (ctypes.c_int * max(1, count.value))()
        lib.flow_graph_task_predecessors(buf, count.value, ctypes.byref(count), self._ptr(), task)
        return list(buf[:count.value])

    def wave(self, task: int) -> int:
        """The 1-based wave of a task: tasks of one wave can run together (0 if out of range)."""
        _int("task", task)
        return lib.flow_graph_wave(self._ptr(), task)

    def _durations(self, durations: Sequence[float]) -> Any:
        _expect("durations", durations, (list, tuple), "a list or tuple of numbers")
        for d in durations:
            _number("a duration", d)
            if not math.isfinite(d) or d < 0:
                raise ValueError(f"a duration must be a finite number >= 0, not {d}")
        if len(durations) != self.task_count:
            raise ValueError(f"need {self.task_count} durations, got {len(durations)}")
        return (ctypes.c_double * self.task_count)(*durations)

    def critical_path(self, durations: Sequence[float]) -> Tuple[List[int], float]:
        """The longest chain under `durations` (one per task): its tasks and length."""
        d = self._durations(durations)
        out = (ctypes.c_int * max(1, self.task_count))()
        count, length = ctypes.c_size_t(), ctypes.c_double()
        lib.flow_graph_critical_path(out, self.task_count, ctypes.byref(count), ctypes.byref(length), self._ptr(), d,
                                     self.task_count)
        return list(out[:count.value]), length.value

    def lower_bound(self, durations: Sequence[float], workers: int) -> float:
        """max(critical path, work / workers): no schedule on `workers` is shorter."""
        _int("workers", workers, 1)
        out = ctypes.c_double()
        lib.flow_graph_lower_bound(ctypes.byref(out), self._ptr(), self._durations(durations), self.task_count, workers)
        return out.value


class Scheduler(_Handle):
    """Decides which task may start next; you pass the time in. Keeps its graph alive.
    Thread safety: one thread at a time."""
    _free = staticmethod(lambda h: lib.flow_scheduler_free(h))

    def __init__(self, graph: Graph, workers: int = 1, fail_fast: bool = False,
                 estimates: Optional[Sequence[float]] = None, selected: Optional[Sequence[bool]] = None) -> None:
        """`estimates` (seconds, one per task) order the ready tasks, longest path first;
        `selected` (one bool per task) limits the run to those tasks."""
        _expect("graph", graph, Graph, "a flow.Graph")
        _int("workers", workers, 1)
        if estimates is not None:
            estimates = graph._durations(estimates)
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
        _number("now", now)
        t = ctypes.c_int()
        lib.flow_scheduler_next(ctypes.byref(t), self._ptr(), now)
        return None if t.value < 0 else t.value

    def finish(self, task: int, status: str = "succeeded") -> None:
        """How a running task ended: "succeeded", "failed" or "skipped"."""
        _int("task", task)
        _expect("status", status, str, "a str")
        if status not in ("succeeded", "failed", "skipped"):
            raise ValueError(f"status must be succeeded, failed or skipped, not {status!r}")
        lib.flow_scheduler_finish(self._ptr(), task, _STATUSES.index(status))

    def retry(self, task: int, not_before: float) -> None:
        """Puts a running task back, to start no earlier than `not_before`."""
        _int("task", task)
        _number("not_before", not_before)
        lib.flow_scheduler_retry(self._ptr(), task, not_before)

    @property
    def done(self) -> bool:
        """True when nothing runs and nothing more can start."""
        return bool(lib.flow_scheduler_done(self._ptr()))

    def status(self, task: int) -> str:
        """waiting, ready, running, succeeded, failed, blocked, skipped or excluded."""
        _int("task", task)
        return _STATUSES[lib.flow_scheduler_status(self._ptr(), task)]

    def blocked_by(self, task: int) -> int:
        """For a blocked task, the task that blocks it (-1: the run was canceled)."""
        _int("task", task)
        return lib.flow_scheduler_blocked_by(self._ptr(), task)

    def next_wake(self, now: float) -> Optional[float]:
        """The earliest retry time after `now`, or None if no retry waits."""
        _number("now", now)
        out = ctypes.c_double()
        rc = lib.flow_scheduler_next_wake(ctypes.byref(out), self._ptr(), now)
        if rc == ENOTFOUND:
            return None
        if rc < 0:
            _raise_last(rc)
        return out.value

    def cancel(self) -> None:
        """Start nothing new."""
        lib.flow_scheduler_cancel(self._ptr())


@dataclasses.dataclass
class Failure:
    """A failed attempt, as a policy sees it."""
    failure_class: str = "unknown"  # one of FAILURE_CLASSES
    agent: str = ""
    reset_at: Optional[float] = None
    message: str = ""


@dataclasses.dataclass
class Decision:
    """What a policy decided: retry (after `delay`, with `feedback`, maybe on another
    `agent` of the run, with a `strategy` and an `instruction` for the next prompts), fail
    (with `needs_attention` when a person should look: the run's "needs-attention" event,
    Run.retry() with a hint), skip, or abort (with `rollback`)."""
    kind: str = "fail"              # retry | fail | skip | abort
    delay: float = 0.0
    feedback: bool = False
    rollback: bool = False
    agent: str = ""                 # the next attempt's agent; "" for the same
    strategy: str = ""              # "alternative", "simplified" or "": how the next prompts change
    reason: str = ""
    instruction: str = ""           # with retry: text put in the next prompts verbatim (at most 16 KiB)
    needs_attention: bool = False   # with fail: the task's ladder ran out, a person's turn


class Policy(_Handle):
    """Base class of recovery policies. Subclass it and override decide(); flow calls it on
    the calling thread. An exception raised by decide() stops the operation that asked
    (simulate()) and is re-raised from it."""
    _free = staticmethod(lambda h: lib.flow_policy_free(h))

    def __init__(self) -> None:
        self._error: Optional[BaseException] = None
        self._cb = _lib.DecideV2CB(self._trampoline)  # referenced for the policy's whole life
        self._free_cb = _lib.FreeCB(lambda payload: None)
        vt = _lib.PolicyVtableV2(_lib.POLICY_VTABLE_V2_VERSION, self._cb, self._free_cb, None)
        h = _lib.PolicyP()
        lib.flow_policy_new_host_v2(ctypes.byref(h), ctypes.byref(vt))
        super().__init__(h)

    def decide(self, task_id: str, attempt: int, failure: Failure, now: float) -> Decision:
        """Override: what to do about `failure` of attempt `attempt` (1-based) of `task_id`."""
        raise NotImplementedError

    def _trampoline(self, out: Any, task_id: bytes, attempt: int, failure: Any, now: float, payload: Any) -> int:
        try:
            f = failure.contents
            d = self.decide(_s(task_id), attempt,
                            Failure(FAILURE_CLASSES[f.failure_class], _s(f.agent),
                                    None if f.reset_at < 0 else f.reset_at, _s(f.message)), now)
            _expect("decide()'s answer", d, Decision, "a flow.Decision")
            if d.kind not in _DECISIONS:
                raise ValueError(f"a decision's kind is one of {', '.join(_DECISIONS)}, not {d.kind!r}")
            if d.strategy not in ("", "alternative", "simplified"):
                raise ValueError(f"a decision's strategy is alternative, simplified or empty, not {d.strategy!r}")
            if not math.isfinite(_number("a decision's delay", d.delay)):
                raise ValueError(f"a decision's delay must be a finite number, not {d.delay}")
            # Alive until flow copies them, when the callback returns.
            self._keep = [x.encode("utf-8") for x in (d.agent, d.strategy, d.reason, d.instruction)]
            if len(self._keep[3]) > 16 * 1024:
                raise ValueError("a decision's instruction is longer than 16 KiB")
            o = out.contents
            o.kind, o.delay = _DECISIONS.index(d.kind), float(d.delay)
            o.feedback, o.rollback = int(d.feedback), int(d.rollback)
            o.agent, o.strategy, o.reason, o.instruction = self._keep
            o.needs_attention = int(d.needs_attention)
            return OK
        except BaseException as e:  # noqa: B902 - stored and re-raised at the join point
            self._error = e
            return EUSER

    def _take_error(self) -> Optional[BaseException]:
        e, self._error = self._error, None
        return e


@dataclasses.dataclass(frozen=True)
class FallbackStep:
    """One step of the recovery ladder (errorRecovery.fallback): from attempt
    `from_attempt` (2 or more) on, use `agent` ("" for the same), `strategy`
    ("alternative": the prompt says the previous approach failed, with its failure, and
    asks for another; "simplified": the smallest version that satisfies the task and its
    tests; "" for none) and `instruction` (text put in the prompt verbatim)."""
    from_attempt: int
    agent: str = ""
    strategy: str = ""
    instruction: str = ""


class StockPolicy(Policy):
    """flow's stock policy: 3 retries, backoff 1 s to 30 s with seeded jitter, no retry for
    auth/config/invalid_input/refused/budget, one rate-limit gate per agent; `fallback`,
    a list of FallbackStep, is its recovery ladder. A task whose ladder runs out needs
    attention (a run's "needs-attention" event; Run.retry() with a hint)."""

    def __init__(self, max_retries: int = 3, base_delay: float = 1.0, max_delay: float = 30.0, jitter: float = 0.25,
                 seed: int = 0x5eed, auto_retry: bool = True, fail_fast: bool = False,
                 fallback: Sequence[FallbackStep] = ()) -> None:
        _int("max_retries", max_retries, 0)
        for name, value in (("base_delay", base_delay), ("max_delay", max_delay), ("jitter", jitter)):
            _number(name, value)
        _int("seed", seed, 0, _U64_MAX)
        _expect("fallback", fallback, (list, tuple), "a list of flow.FallbackStep")
        for step in fallback:
            _expect("a fallback step", step, FallbackStep, "a flow.FallbackStep")
            _int("a fallback step's from_attempt", step.from_attempt, 2)
            if step.strategy not in ("", "alternative", "simplified"):
                raise ValueError(f"a fallback step's strategy is alternative, simplified or empty, not {step.strategy!r}")
        opts = _lib.PolicyOptions()
        lib.flow_policy_options_init(ctypes.byref(opts), _lib.POLICY_OPTIONS_VERSION)
        opts.max_retries, opts.base_delay, opts.max_delay, opts.jitter = max_retries, base_delay, max_delay, jitter
        opts.seed, opts.auto_retry, opts.fail_fast = seed, int(auto_retry), int(fail_fast)
        steps = (_lib.FallbackStep * max(1, len(fallback)))(
            *(_lib.FallbackStep(x.from_attempt, x.agent.encode(), x.strategy.encode(), x.instruction.encode())
              for x in fallback))
        opts.fallback, opts.fallback_count = steps, len(fallback)  # copied by flow
        self._error = None
        h = _lib.PolicyP()
        lib.flow_policy_new_stock(ctypes.byref(h), ctypes.byref(opts))
        _Handle.__init__(self, h)

    def decide_for(self, plan: Plan, task: int, attempt: int, failure: Failure, now: float = 0.0) -> Decision:
        """Asks the stock policy about attempt `attempt` of task index `task` of `plan`."""
        _expect("plan", plan, Plan, "a flow.Plan")
        _int("task", task)
        _int("attempt", attempt, 1)
        _expect("failure", failure, Failure, "a flow.Failure")
        f = _lib.FailureInfo(FAILURE_CLASSES.index(failure.failure_class), failure.agent.encode(),
                             -1.0 if failure.reset_at is None else failure.reset_at, failure.message.encode())
        d = _lib.DecisionV2(version=_lib.DECISION_VERSION)
        lib.flow_policy_decide_v2(ctypes.byref(d), self._ptr(), plan._ptr(), task, attempt, ctypes.byref(f), now)
        return Decision(_DECISIONS[d.kind], d.delay, bool(d.feedback), bool(d.rollback), _s(d.agent), _s(d.strategy),
                        _s(d.reason), _s(d.instruction), bool(d.needs_attention))


@dataclasses.dataclass(frozen=True)
class SimReport:
    """The outcome of simulate(): times in simulated seconds, and counts."""
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
    _expect("graph", graph, Graph, "a flow.Graph")
    if policy is not None:
        _expect("policy", policy, Policy, "a flow.Policy")
    _int("workers", workers, 1)
    _int("seed", seed, 0, _U64_MAX)
    if faults is not None:
        _expect("faults", faults, str, "a str")
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
    """One event of a run (docs/events.md): `kind`, seconds since the start, the task's
    index, ID and line (-1, "" and 0 for run-level events), attempt and detail."""
    kind: str
    time: float
    task: int
    task_id: str
    attempt: int
    detail: str
    line: int = 0


@dataclasses.dataclass(frozen=True)
class RunReport:
    """The outcome of run(). A failing task is counted here, not raised. Every task of the
    file is in exactly one of succeeded, failed, blocked, skipped, stopped, done_before and
    excluded, an interrupted run's too."""
    succeeded: int
    failed: int
    blocked: int
    skipped: int
    retries: int
    interrupted: bool
    wall: float
    workers: int = 1
    busy: float = 0.0        # worker-seconds spent in attempts
    cost_usd: float = 0.0    # as the agents reported it
    run_id: str = ""
    journal_path: str = ""
    isolation: str = ""      # "git" or "none", as the run went
    branch: str = ""         # git: the integration branch
    checkpoint: str = ""     # git: its commit when the run started
    rolled_back_to: str = ""
    needs_attention: int = 0  # of `failed`: their recovery ladder ran out (Run.retry() with a hint)
    stopped: int = 0          # attempt killed by the interrupt (a second Ctrl-C or cancel()): not marked
    done_before: int = 0      # marked done before the run
    excluded: int = 0         # not selected (`only`)


def _selection(tasks_path: PathLike, only: Sequence[str]) -> Tuple[Any, int]:
    """One byte per task of tasks.md: 1 for a task whose ID or story label is in `only`."""
    _expect("only", only, (list, tuple, set, frozenset), "a list of task IDs or story labels")
    wanted = set()
    for item in only:
        _expect("an item of only", item, str, "a str")
        wanted.add(item)
    with Plan.load(tasks_path) as plan:
        tasks = plan.tasks
    unknown = wanted - {t.id for t in tasks} - {t.story for t in tasks if t.story}
    if unknown:
        raise ValueError(f"no task or story {', '.join(sorted(unknown))} in {os.fsdecode(tasks_path)}")
    return (ctypes.c_ubyte * max(1, len(tasks)))(*(1 if t.id in wanted or t.story in wanted else 0 for t in tasks)), len(tasks)


def run(tasks_path: PathLike, agent: Optional[str] = None, workers: Optional[int] = None,
        timeout: Optional[float] = None, fail_fast: bool = False, dry_run: bool = False,
        workdir: Optional[PathLike] = None, policy: Optional[Policy] = None,
        on_event: Optional[Callable[[RunEvent], None]] = None, *, agent_cmd: Optional[str] = None,
        retries: Optional[int] = None, model: Optional[str] = None, max_turns: Optional[int] = None,
        isolation: Optional[str] = None, allow_dirty: bool = False, config: Optional[PathLike] = None,
        no_config: bool = False, events: Optional[PathLike] = None, only: Optional[Sequence[str]] = None,
        append_instructions: Optional[str] = None, extra_args: Optional[Sequence[str]] = None,
        stall_timeout: Optional[float] = None, runner: Optional[str] = None, slurm_partition: Optional[str] = None,
        slurm_account: Optional[str] = None, slurm_time_limit: Optional[str] = None,
        max_cost_usd: Optional[float] = None, max_task_cost_usd: Optional[float] = None,
        _handle: Optional[Callable[[Any], None]] = None) -> RunReport:
    """Runs the pending tasks of tasks.md as `flow run` does — processes, marks in the file,
    journal, git isolation, validation gates, the settings file — and returns the report.

    `agent` is one of AGENTS ("claude", "codex", "gemini", "qwen", "opencode", "copilot",
    "cursor", "amp", "aider") or "command", or (as before) an agent command template,
    which is then `agent_cmd`: split into argv once, `{prompt_file}`, `{task_id}`,
    `{workdir}` and `{attempt}` replaced. Unset, the agent is the command when one is set
    here or in the settings, else Claude Code when it is on PATH. A CLI that is not
    installed raises NotFoundError before anything starts. Its settings (`agents.<name>`
    in the settings file) apply under `model`, `max_turns` (where the CLI has a cap),
    `append_instructions` (its own flag where it has one, else added to the prompt) and
    `extra_args` (after the settings' args). `workers`, `timeout` (seconds per attempt),
    `stall_timeout` (seconds with no output and no file change; 0: no watch) and
    `retries` default to the settings file's values (`config`, else
    <workdir>/.flow/config.yaml; `no_config=True` reads none), else 1, one hour, 15
    minutes and 3. `isolation` is "auto" (default), "git" or "none"; `events` a file for
    the events as JSON lines; `only` task IDs or story labels ("US1") to run.

    `runner` is "local" (processes here) or "slurm" (each attempt a batch job, with
    `slurm_partition`, `slurm_account` and `slurm_time_limit` over the settings'
    runner.*); unset, the settings' runner.kind. `max_cost_usd` (budget.maxCostUsd) stops
    new starts once the agents' reported cost reaches it (a "budget-reached" event; running
    tasks finish); `max_task_cost_usd` (budget.maxTaskCostUsd) ends a task's retries once
    it has cost that much; 0 is no limit, unset the settings'.

    `on_event(RunEvent)` is called on this thread for every event; an exception raised
    there, or by a Python `policy`, stops the run (running attempts are killed) and comes
    out of here. Ctrl-C (in the main thread) works as in the CLI: the first starts
    nothing new and lets running tasks finish, the second kills them; either way run()
    raises KeyboardInterrupt once flow has cleaned up (the report is on its `report`
    attribute). Raises TypeError for arguments of the wrong type, FlowError subclasses
    when the run cannot start (ParseError for a bad settings file, NotFoundError for an
    agent or gate program that is not on PATH, ConflictError when another run holds the
    lock)."""
    tasks_b = _path("tasks_path", tasks_path)
    for name, value in (("agent", agent), ("agent_cmd", agent_cmd), ("model", model), ("isolation", isolation),
                        ("append_instructions", append_instructions), ("runner", runner),
                        ("slurm_partition", slurm_partition), ("slurm_account", slurm_account),
                        ("slurm_time_limit", slurm_time_limit)):
        if value is not None:
            _expect(name, value, str, "a str")
    if extra_args is not None:
        _expect("extra_args", extra_args, (list, tuple), "a list of str")
        for a in extra_args:
            _expect("extra_args item", a, str, "a str")
    if runner is not None and runner not in ("local", "slurm"):
        raise ValueError(f"runner must be local or slurm, not {runner!r}")
    if agent is not None and agent not in AGENTS + ("command",):
        if agent_cmd is not None:
            raise ValueError("agent is a command template and agent_cmd is set too: give one")
        agent, agent_cmd = None, agent
    if isolation is not None and isolation not in ("auto", "git", "none"):
        raise ValueError(f"isolation must be auto, git or none, not {isolation!r}")
    if policy is not None:
        _expect("policy", policy, Policy, "a flow.Policy")
    if on_event is not None and not callable(on_event):
        raise TypeError(f"on_event must be callable, not {type(on_event).__name__}")
    opts = _lib.RunOptions()
    lib.flow_run_options_init(ctypes.byref(opts), _lib.RUN_OPTIONS_VERSION)
    keep: List[Any] = [tasks_b]
    opts.tasks_path = tasks_b

    def text(value: Optional[str]) -> Optional[bytes]:
        b = value.encode("utf-8") if value is not None else None
        keep.append(b)
        return b

    opts.agent_command, opts.agent, opts.model, opts.isolation = text(agent_cmd), text(agent), text(model), text(isolation)
    if workdir is not None:
        opts.workdir = _path("workdir", workdir)
        keep.append(opts.workdir)
    if workers is not None:
        opts.workers = _int("workers", workers, 1)
    if timeout is not None:
        opts.task_timeout = _number("timeout", timeout)
    if retries is not None:
        opts.retries = _int("retries", retries, 0)
    if max_turns is not None:
        opts.max_turns = _int("max_turns", max_turns, 0)
    if config is not None and no_config:
        raise ValueError("config and no_config=True: give one")
    if config is not None:
        opts.config_path = _path("config", config)
        keep.append(opts.config_path)
    elif no_config:
        opts.config_path = b""
    if events is not None:
        opts.events_path = _path("events", events)
        keep.append(opts.events_path)
    if only is not None:
        sel, count = _selection(tasks_path, only)
        keep.append(sel)
        opts.selected, opts.selected_count = ctypes.cast(sel, ctypes.POINTER(ctypes.c_ubyte)), count
    opts.fail_fast, opts.dry_run, opts.allow_dirty = int(fail_fast), int(dry_run), int(allow_dirty)
    opts.append_instructions, opts.runner = text(append_instructions), text(runner)
    opts.slurm_partition, opts.slurm_account = text(slurm_partition), text(slurm_account)
    opts.slurm_time_limit = text(slurm_time_limit)
    if extra_args:
        args = (ctypes.c_char_p * len(extra_args))(*[text(a) for a in extra_args])
        keep.append(args)
        opts.extra_args, opts.extra_args_count = ctypes.cast(args, ctypes.POINTER(ctypes.c_char_p)), len(extra_args)
    for name, value, field in (("stall_timeout", stall_timeout, "stall_timeout"),
                               ("max_cost_usd", max_cost_usd, "max_cost_usd"),
                               ("max_task_cost_usd", max_task_cost_usd, "max_task_cost_usd")):
        if value is not None:
            number = _number(name, value)
            if not number >= 0:
                raise ValueError(f"{name} must be at least 0, not {value}")
            setattr(opts, field, number)

    errors: List[BaseException] = []
    interrupts = [0]
    h = _lib.RunP()

    def trampoline(ev: Any, payload: Any) -> int:
        try:
            e = ev.contents
            if on_event is None or e.kind == b"tick":  # a tick only lets Python's signal handlers run
                return OK
            on_event(RunEvent(_s(e.kind), e.time, e.task, _s(e.task_id), e.attempt, _s(e.detail), e.line))
            return OK
        except BaseException as exc:  # noqa: B902 - re-raised at the join point below
            errors.append(exc)
            return EUSER

    def on_sigint(signum: int, frame: Any) -> None:
        interrupts[0] += 1
        lib.flow_run_cancel(h)  # thread-safe; the first stops starting, the second kills

    cb = _lib.RunEventV2CB(trampoline)
    lib.flow_run_new_v2(ctypes.byref(h), ctypes.byref(opts), policy._ptr() if policy else None, cb, None)
    if _handle is not None:
        _handle(h)  # Run.retry() posts to it from now on
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        rep = _lib.RunReportV4()
        rep.version = _lib.RUN_REPORT_V4_VERSION
        rc = lib.flow_run_execute_v4(h, ctypes.byref(rep))
        if rc == EUSER:
            err = errors[0] if errors else (policy._take_error() if policy else None)
            if err is not None:
                raise err
        if rc < 0:
            _raise_last(rc)
        report = RunReport(rep.succeeded, rep.failed, rep.blocked, rep.skipped, rep.retries, bool(rep.interrupted),
                           rep.wall, rep.workers, rep.busy, rep.cost_usd, _s(rep.run_id), _s(rep.journal_path),
                           _s(rep.isolation), _s(rep.branch), _s(rep.checkpoint), _s(rep.rolled_back_to),
                           rep.needs_attention, rep.stopped, rep.done_before, rep.excluded)
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
        if _handle is not None:
            _handle(None)
        lib.flow_run_free(h)
    if interrupts[0]:
        stop = KeyboardInterrupt(f"flow run interrupted ({'running tasks killed' if interrupts[0] > 1 else 'no new task started'})")
        stop.report = report  # type: ignore[attr-defined]
        raise stop
    return report


class Run:
    """A run to execute once, with a handle other threads (and event callbacks) can use
    while it goes on: retry() a task that needs attention, with a hint, or cancel().

        r = flow.Run("specs/001-x/tasks.md", agent="claude", on_event=show)
        threading.Thread(target=r.execute).start()
        ...
        r.retry("T014", hint="the config lives in etc/, not in the home directory")

    The arguments are run()'s."""

    def __init__(self, tasks_path: PathLike, **kwargs: Any) -> None:
        self._args = (tasks_path, kwargs)
        self._lock = threading.Lock()
        self._h: Any = None
        self._pending: List[Tuple[str, Optional[str]]] = []  # asked before execute() began
        self._cancels = 0

    def execute(self) -> RunReport:
        """Runs it (once) on this thread and returns the report, as run() does."""
        tasks_path, kwargs = self._args
        return run(tasks_path, _handle=self._attach, **kwargs)

    def _attach(self, h: Any) -> None:
        with self._lock:
            self._h = h
            if h is None:
                return
            for task, hint in self._pending:
                lib.flow_run_retry(h, task.encode("utf-8"), None if hint is None else hint.encode("utf-8"))
            for _ in range(self._cancels):
                lib.flow_run_cancel(h)
            self._pending, self._cancels = [], 0

    def retry(self, task: str, hint: Optional[str] = None) -> None:
        """Asks the run to run task `task` (an ID) again, then what it blocked, with `hint`
        in its prompts verbatim (at most 16 KiB). The run journals it and reports a
        "control" event saying whether it applied (a task that is not failed or blocked
        is refused; one still on its ladder gets the hint for its next attempt). Before
        execute() begins, the request waits for it. Thread-safe."""
        _expect("task", task, str, "a str (a task ID)")
        if hint is not None:
            _expect("hint", hint, str, "a str")
            if len(hint.encode("utf-8")) > 16 * 1024:
                raise ValueError("hint is longer than 16 KiB")
        with self._lock:
            if self._h is None:
                self._pending.append((task, hint))
            else:
                lib.flow_run_retry(self._h, task.encode("utf-8"), None if hint is None else hint.encode("utf-8"))

    def cancel(self) -> None:
        """As Ctrl-C: the first call starts nothing new, the second kills what runs. Thread-safe."""
        with self._lock:
            if self._h is None:
                self._cancels += 1
            else:
                lib.flow_run_cancel(self._h)


def set_marks(path: str, original: bytes, changes: Sequence[Tuple[int, str, bool]]) -> None:
    """Marks tasks (line, id, done) in the file at `path`, which held `original` when parsed;
    each task's mark alone (its checkbox's byte, a heading's check mark or Status field),
    the file replaced atomically. Raises ConflictError or NotFoundError."""
    path_b = _path("path", path)
    _expect("original", original, (bytes, bytearray), "bytes (Plan.text)")
    _expect("changes", changes, (list, tuple), "a list of (line, id, done)")
    for c in changes:
        _expect("a change", c, tuple, "a (line, id, done) tuple")
        if len(c) != 3:
            raise ValueError(f"a change is (line, id, done), not {c!r}")
        _int("a change's line", c[0], 1)
        _expect("a change's id", c[1], str, "a str")
    original = bytes(original)
    n = len(changes)
    lines = (ctypes.c_int * n)(*(c[0] for c in changes))
    ids = (ctypes.c_char_p * n)(*(c[1].encode() for c in changes))
    done = (ctypes.c_int * n)(*(1 if c[2] else 0 for c in changes))
    lib.flow_marks_set(path_b, original, len(original), lines, ids, done, n)
