# SPDX-License-Identifier: MIT
"""The ctypes layer: the C structs, the signature table, and loading libflow_c."""
import ctypes
import ctypes.util
import os
import sys
from pathlib import Path
from typing import List

ABI_VERSION = 1  # must equal FLOW_ABI_VERSION in flow.h

c_int, c_double, c_size_t, c_char_p, c_void_p = ctypes.c_int, ctypes.c_double, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_void_p


class _Error(ctypes.Structure):
    _fields_ = [("code", c_int), ("message", c_char_p), ("line", c_int)]


class TaskInfo(ctypes.Structure):
    _fields_ = [("id", c_char_p), ("line", c_int), ("state", c_int), ("form", c_int), ("parallel", c_int),
                ("story", c_int), ("story_label", c_char_p), ("priority", c_char_p), ("description", c_char_p),
                ("phase", c_int), ("path_count", c_size_t), ("label_count", c_size_t),
                ("dependency_count", c_size_t)]


class PhaseInfo(ctypes.Structure):
    _fields_ = [("title", c_char_p), ("line", c_int), ("kind", c_int), ("story", c_int), ("priority", c_char_p)]


class DiagnosticInfo(ctypes.Structure):
    _fields_ = [("severity", c_int), ("line", c_int), ("code", c_char_p), ("message", c_char_p)]


class EdgeInfo(ctypes.Structure):
    _fields_ = [("from_", c_int), ("to", c_int), ("rule", c_int), ("line", c_int), ("words", c_char_p)]


class GraphOptions(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint), ("stories_parallel", c_int)]


class SchedulerOptions(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint), ("workers", c_int), ("fail_fast", c_int),
                ("estimates", ctypes.POINTER(c_double)), ("estimate_count", c_size_t),
                ("selected", ctypes.POINTER(ctypes.c_ubyte)), ("selected_count", c_size_t)]


class FallbackStep(ctypes.Structure):
    _fields_ = [("from_attempt", c_int), ("agent", c_char_p), ("strategy", c_char_p), ("instruction", c_char_p)]


class PolicyOptions(ctypes.Structure):  # version 2
    _fields_ = [("version", ctypes.c_uint), ("auto_retry", c_int), ("max_retries", c_int), ("base_delay", c_double),
                ("max_delay", c_double), ("jitter", c_double), ("seed", ctypes.c_ulonglong), ("fail_fast", c_int),
                ("fallback", ctypes.POINTER(FallbackStep)), ("fallback_count", c_size_t)]


POLICY_OPTIONS_VERSION = 2


class FailureInfo(ctypes.Structure):
    _fields_ = [("failure_class", c_int), ("agent", c_char_p), ("reset_at", c_double), ("message", c_char_p)]


class DecisionInfo(ctypes.Structure):
    _fields_ = [("kind", c_int), ("delay", c_double), ("feedback", c_int), ("rollback", c_int), ("agent", c_char_p),
                ("strategy", c_char_p), ("reason", c_char_p)]


DecideCB = ctypes.CFUNCTYPE(c_int, ctypes.POINTER(DecisionInfo), c_char_p, c_int, ctypes.POINTER(FailureInfo),
                            c_double, c_void_p)
FreeCB = ctypes.CFUNCTYPE(None, c_void_p)


class PolicyVtable(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint), ("decide", DecideCB), ("free_payload", FreeCB), ("payload", c_void_p)]


class DecisionV2(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint)] + DecisionInfo._fields_ + [("instruction", c_char_p),
                                                                     ("needs_attention", c_int)]


DECISION_VERSION = 2
DecideV2CB = ctypes.CFUNCTYPE(c_int, ctypes.POINTER(DecisionV2), c_char_p, c_int, ctypes.POINTER(FailureInfo),
                              c_double, c_void_p)


class PolicyVtableV2(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint), ("decide", DecideV2CB), ("free_payload", FreeCB), ("payload", c_void_p)]


POLICY_VTABLE_V2_VERSION = 2


class SimOptions(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint), ("workers", c_int), ("seed", ctypes.c_ulonglong),
                ("durations", ctypes.POINTER(c_double)), ("duration_count", c_size_t), ("faults", c_char_p),
                ("fail_fast", c_int)]


class SimReport(ctypes.Structure):
    _fields_ = [("makespan", c_double), ("lower_bound", c_double), ("tight_lower_bound", c_double),
                ("efficiency", c_double), ("busy", c_double), ("idle", c_double), ("attempts", c_int),
                ("retries", c_int), ("succeeded", c_int), ("failed", c_int), ("blocked", c_int), ("skipped", c_int)]


class RunOptions(ctypes.Structure):  # version 3
    _fields_ = [("version", ctypes.c_uint), ("tasks_path", c_char_p), ("agent_command", c_char_p),
                ("workdir", c_char_p), ("workers", c_int), ("task_timeout", c_double), ("fail_fast", c_int),
                ("dry_run", c_int), ("agent", c_char_p), ("model", c_char_p), ("max_turns", c_int),
                ("isolation", c_char_p), ("allow_dirty", c_int), ("retries", c_int), ("config_path", c_char_p),
                ("events_path", c_char_p), ("selected", ctypes.POINTER(ctypes.c_ubyte)), ("selected_count", c_size_t),
                # version 3
                ("append_instructions", c_char_p), ("extra_args", ctypes.POINTER(c_char_p)),
                ("extra_args_count", c_size_t), ("stall_timeout", c_double), ("runner", c_char_p),
                ("slurm_partition", c_char_p), ("slurm_account", c_char_p), ("slurm_time_limit", c_char_p),
                ("max_cost_usd", c_double), ("max_task_cost_usd", c_double)]


RUN_OPTIONS_VERSION = 3
RUN_EVENT_VERSION = 2
RUN_REPORT_VERSION = 2


class RunEventV2(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint), ("kind", c_char_p), ("time", c_double), ("task", c_int),
                ("task_id", c_char_p), ("attempt", c_int), ("detail", c_char_p), ("line", c_int)]


class RunReportV2(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint), ("succeeded", c_int), ("failed", c_int), ("blocked", c_int),
                ("skipped", c_int), ("retries", c_int), ("interrupted", c_int), ("wall", c_double),
                ("workers", c_int), ("busy", c_double), ("cost_usd", c_double), ("run_id", c_char_p),
                ("journal_path", c_char_p), ("isolation", c_char_p), ("branch", c_char_p), ("checkpoint", c_char_p),
                ("rolled_back_to", c_char_p)]


class RunReportV3(ctypes.Structure):
    _fields_ = RunReportV2._fields_ + [("needs_attention", c_int)]


RUN_REPORT_V3_VERSION = 3


class RunReportV4(ctypes.Structure):
    _fields_ = RunReportV3._fields_ + [("stopped", c_int), ("done_before", c_int), ("excluded", c_int)]


RUN_REPORT_V4_VERSION = 4


class RunEvent(ctypes.Structure):
    _fields_ = [("kind", c_char_p), ("time", c_double), ("task", c_int), ("task_id", c_char_p), ("attempt", c_int),
                ("detail", c_char_p)]


class RunReport(ctypes.Structure):
    _fields_ = [("succeeded", c_int), ("failed", c_int), ("blocked", c_int), ("skipped", c_int), ("retries", c_int),
                ("interrupted", c_int), ("wall", c_double)]


RunEventCB = ctypes.CFUNCTYPE(c_int, ctypes.POINTER(RunEvent), c_void_p)
RunEventV2CB = ctypes.CFUNCTYPE(c_int, ctypes.POINTER(RunEventV2), c_void_p)


class _Opaque(ctypes.Structure):
    pass


class _Plan(_Opaque):
    pass


class _Graph(_Opaque):
    pass


class _Scheduler(_Opaque):
    pass


class _Policy(_Opaque):
    pass


class _Run(_Opaque):
    pass


PlanP, GraphP, SchedulerP, PolicyP, RunP = (ctypes.POINTER(t) for t in (_Plan, _Graph, _Scheduler, _Policy, _Run))
IntP, DoubleP, SizeP = ctypes.POINTER(c_int), ctypes.POINTER(c_double), ctypes.POINTER(c_size_t)

lib = None  # set by _load()


def _check(rc, func, args):
    """errcheck for every int-returning fallible function: negative codes raise."""
    if rc < 0:
        from . import _raise_last
        _raise_last(rc)
    return rc


_SIGNATURES = [  # (name, argtypes, restype, errcheck); sorted
    ("flow_abi_version", [], c_int, None),
    ("flow_error_last", [], ctypes.POINTER(_Error), None),
    ("flow_graph_critical_path", [IntP, c_size_t, SizeP, DoubleP, GraphP, DoubleP, c_size_t], c_int, _check),
    ("flow_graph_edge", [ctypes.POINTER(EdgeInfo), GraphP, c_size_t], c_int, _check),
    ("flow_graph_edge_count", [GraphP], c_size_t, None),
    ("flow_graph_free", [GraphP], None, None),
    ("flow_graph_gate_name", [GraphP, c_int], c_char_p, None),
    ("flow_graph_lower_bound", [DoubleP, GraphP, DoubleP, c_size_t, c_int], c_int, _check),
    ("flow_graph_new", [ctypes.POINTER(GraphP), PlanP, ctypes.POINTER(GraphOptions)], c_int, _check),
    ("flow_graph_node_count", [GraphP], c_size_t, None),
    ("flow_graph_options_init", [ctypes.POINTER(GraphOptions), ctypes.c_uint], c_int, _check),
    ("flow_graph_task_count", [GraphP], c_size_t, None),
    ("flow_graph_task_predecessors", [IntP, c_size_t, SizeP, GraphP, c_int], c_int, _check),
    ("flow_graph_wave", [GraphP, c_int], c_int, None),
    ("flow_marks_set", [c_char_p, c_char_p, c_size_t, IntP, ctypes.POINTER(c_char_p), IntP, c_size_t], c_int, _check),
    ("flow_plan_diagnostic", [ctypes.POINTER(DiagnosticInfo), PlanP, c_size_t], c_int, _check),
    ("flow_plan_diagnostic_count", [PlanP], c_size_t, None),
    ("flow_plan_free", [PlanP], None, None),
    ("flow_plan_load", [ctypes.POINTER(PlanP), c_char_p], c_int, _check),
    ("flow_plan_parse", [ctypes.POINTER(PlanP), c_char_p, c_size_t], c_int, _check),
    ("flow_plan_phase", [ctypes.POINTER(PhaseInfo), PlanP, c_size_t], c_int, _check),
    ("flow_plan_phase_count", [PlanP], c_size_t, None),
    ("flow_plan_task", [ctypes.POINTER(TaskInfo), PlanP, c_size_t], c_int, _check),
    ("flow_plan_task_count", [PlanP], c_size_t, None),
    ("flow_plan_task_dependency", [ctypes.POINTER(c_char_p), ctypes.POINTER(c_char_p), IntP, PlanP, c_size_t, c_size_t],
     c_int, _check),
    ("flow_plan_task_label", [PlanP, c_size_t, c_size_t], c_char_p, None),
    ("flow_plan_task_other_story", [PlanP, c_size_t, c_size_t], c_char_p, None),
    ("flow_plan_phase_story_label", [PlanP, c_size_t], c_char_p, None),
    ("flow_plan_task_path", [PlanP, c_size_t, c_size_t], c_char_p, None),
    ("flow_policy_decide", [ctypes.POINTER(DecisionInfo), PolicyP, PlanP, c_int, c_int, ctypes.POINTER(FailureInfo),
                            c_double], c_int, _check),
    ("flow_policy_decide_v2", [ctypes.POINTER(DecisionV2), PolicyP, PlanP, c_int, c_int, ctypes.POINTER(FailureInfo),
                               c_double], c_int, _check),
    ("flow_policy_free", [PolicyP], None, None),
    ("flow_policy_new_host", [ctypes.POINTER(PolicyP), ctypes.POINTER(PolicyVtable)], c_int, _check),
    ("flow_policy_new_host_v2", [ctypes.POINTER(PolicyP), ctypes.POINTER(PolicyVtableV2)], c_int, _check),
    ("flow_policy_new_stock", [ctypes.POINTER(PolicyP), ctypes.POINTER(PolicyOptions)], c_int, _check),
    ("flow_policy_options_init", [ctypes.POINTER(PolicyOptions), ctypes.c_uint], c_int, _check),
    ("flow_run_cancel", [RunP], c_int, None),
    ("flow_run_execute", [RunP, ctypes.POINTER(RunReport)], c_int, None),
    ("flow_run_execute_v2", [RunP, ctypes.POINTER(RunReportV2)], c_int, None),
    ("flow_run_execute_v3", [RunP, ctypes.POINTER(RunReportV3)], c_int, None),
    ("flow_run_execute_v4", [RunP, ctypes.POINTER(RunReportV4)], c_int, None),
    ("flow_run_retry", [RunP, c_char_p, c_char_p], c_int, _check),
    ("flow_run_free", [RunP], None, None),
    ("flow_run_new_v2", [ctypes.POINTER(RunP), ctypes.POINTER(RunOptions), PolicyP, RunEventV2CB, c_void_p], c_int,
     _check),
    ("flow_run_options_init", [ctypes.POINTER(RunOptions), ctypes.c_uint], c_int, _check),
    ("flow_scheduler_blocked_by", [SchedulerP, c_int], c_int, None),
    ("flow_scheduler_cancel", [SchedulerP], c_int, _check),
    ("flow_scheduler_done", [SchedulerP], c_int, None),
    ("flow_scheduler_finish", [SchedulerP, c_int, c_int], c_int, _check),
    ("flow_scheduler_free", [SchedulerP], None, None),
    ("flow_scheduler_new", [ctypes.POINTER(SchedulerP), GraphP, ctypes.POINTER(SchedulerOptions)], c_int, _check),
    ("flow_scheduler_next", [IntP, SchedulerP, c_double], c_int, _check),
    ("flow_scheduler_next_wake", [DoubleP, SchedulerP, c_double], c_int, None),
    ("flow_scheduler_options_init", [ctypes.POINTER(SchedulerOptions), ctypes.c_uint], c_int, _check),
    ("flow_scheduler_retry", [SchedulerP, c_int, c_double], c_int, _check),
    ("flow_scheduler_status", [SchedulerP, c_int], c_int, _check),
    ("flow_sim_options_init", [ctypes.POINTER(SimOptions), ctypes.c_uint], c_int, _check),
    ("flow_simulate", [ctypes.POINTER(SimReport), GraphP, ctypes.POINTER(SimOptions), PolicyP], c_int, None),
    ("flow_strerror", [c_int], c_char_p, None),
    ("flow_version_string", [], c_char_p, None),
]


_NAME = {"win32": "flow_c.dll", "darwin": "libflow_c.dylib"}.get(sys.platform, "libflow_c.so")


def _candidates() -> List[str]:
    """Where libflow_c may be, in order: FLOW_LIBRARY alone when set; else the copy inside
    this package (a wheel carries one), then where `cmake --install` puts it: the dynamic
    linker's path by soname, ctypes' search, and the lib folders of this interpreter's
    prefixes and /usr/local."""
    explicit = os.environ.get("FLOW_LIBRARY")
    if explicit:
        return [explicit]
    out = [str(Path(__file__).with_name(_NAME))]
    if sys.platform.startswith("linux"):
        out.append(f"libflow_c.so.{ABI_VERSION}")
    found = ctypes.util.find_library("flow_c")
    if found:
        out.append(found)
    for prefix in dict.fromkeys((sys.prefix, sys.base_prefix, "/usr/local")):
        for lib in ("lib", "lib64"):
            out.append(str(Path(prefix, lib, _NAME)))
    return out


def _load() -> ctypes.CDLL:
    tried = []
    handle = None
    for path in _candidates():
        try:
            handle = ctypes.CDLL(path)  # CDLL releases the GIL during calls
            break
        except OSError as e:
            tried.append(f"{path}: {e}")
    if handle is None:
        raise ImportError("cannot load flow's C library libflow_c (install the wheel that carries it, run "
                          "`cmake --install`, or set FLOW_LIBRARY); tried:\n  " + "\n  ".join(tried))
    for name, argtypes, restype, errcheck in _SIGNATURES:
        fn = getattr(handle, name, None)
        if fn is None:
            raise ImportError(f"{handle._name} has no {name}: it is older than this binding")
        fn.argtypes, fn.restype = argtypes, restype
        if errcheck:
            fn.errcheck = errcheck
    if handle.flow_abi_version() != ABI_VERSION:
        raise ImportError(f"flow C ABI {handle.flow_abi_version()}, this binding expects {ABI_VERSION}")
    return handle


lib = _load()
