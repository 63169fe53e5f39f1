"""The journey benchmark's figures: a phase summarised, bot against echo bot, the tables it prints."""

from __future__ import annotations

import collections
from dataclasses import dataclass, field
from typing import Any

from bench.common import latency_summary


@dataclass
class PhaseResult:
    label: str
    residents: int
    completed: int = 0
    updates: int = 0
    wall: float = 0.0
    latencies: list[tuple[str, str, float]] = field(default_factory=list)
    failures: list[dict[str, Any]] = field(default_factory=list)
    extra_requests: collections.Counter[str] = field(default_factory=collections.Counter)
    fake_errors: list[str] = field(default_factory=list)
    unrouted: dict[str, int] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)
    bot_rss_mib: float | None = None


def summarise(result: PhaseResult) -> dict[str, Any]:
    by_step: dict[str, list[float]] = collections.defaultdict(list)
    by_kind: dict[str, list[float]] = collections.defaultdict(list)
    for step, kind, seconds in result.latencies:
        by_step[step].append(seconds)
        by_kind[kind].append(seconds)
    all_latencies = [s for _n, _k, s in result.latencies]
    return {
        "residents": result.residents,
        "residents_completed": result.completed,
        "updates": result.updates,
        "wall_s": round(result.wall, 3),
        "updates_per_s": round(result.updates / result.wall, 1) if result.wall > 0 else None,
        "latency": latency_summary(all_latencies),
        "latency_by_kind": {k: latency_summary(v) for k, v in by_kind.items()},
        "latency_by_step": {k: latency_summary(v) for k, v in by_step.items()},
        "failures": len(result.failures),
        "failure_details": result.failures[:20],
        "fake_errors": len(result.fake_errors),
        "fake_error_details": result.fake_errors[:20],
        "unexpected_requests": dict(result.extra_requests),
        "unrouted_requests": result.unrouted,
        "cpu_s": result.cpu,
        "bot_cpu_ms_per_update": (
            round(1000 * result.cpu[result.label] / result.updates, 2)
            if result.updates and result.label in result.cpu else None
        ),
        "bot_peak_rss_mib": None if result.bot_rss_mib is None else round(result.bot_rss_mib, 1),
    }


def ratios(bot: dict[str, Any], echo: dict[str, Any]) -> dict[str, float]:
    ratio = {}
    if bot["updates_per_s"] and echo["updates_per_s"]:
        ratio["updates_per_s"] = round(bot["updates_per_s"] / echo["updates_per_s"], 3)
    for key in ("p50_ms", "p90_ms", "p99_ms"):
        if bot["latency"][key] and echo["latency"][key]:
            ratio[key.replace("_ms", "")] = round(bot["latency"][key] / echo["latency"][key], 2)
    return ratio


def median_round(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """The round whose updates/s ratio is the median, with every round's ratios beside it."""
    order = sorted(rounds, key=lambda r: r["ratio_bot_over_echo"].get("updates_per_s", 0.0))
    chosen = dict(order[(len(order) - 1) // 2])
    first = rounds[0]
    for phase in ("journey", "echo"):  # the lockstep phase and the profile ran in the first round only
        chosen[phase] = {**chosen[phase], "per_step_cpu": first[phase].get("per_step_cpu"),
                         "profile": first[phase].get("profile")}
    chosen["rounds"] = [{"ratio_bot_over_echo": r["ratio_bot_over_echo"],
                         "journey_updates_per_s": r["journey"]["updates_per_s"],
                         "echo_updates_per_s": r["echo"]["updates_per_s"],
                         "journey_cpu_ms_per_update": r["journey"]["bot_cpu_ms_per_update"],
                         "echo_cpu_ms_per_update": r["echo"]["bot_cpu_ms_per_update"],
                         "failures": r["journey"]["failures"] + r["echo"]["failures"],
                         "fake_errors": r["journey"]["fake_errors"] + r["echo"]["fake_errors"]} for r in rounds]
    return chosen


def table(results: dict[str, Any]) -> str:
    head = (f"{'database':<11} {'journey upd/s':>13} {'p50 ms':>8} {'p99 ms':>8} │ {'echo upd/s':>10} "
            f"{'p50 ms':>8} {'p99 ms':>8} │ {'ratio upd/s':>11} {'p50':>6} {'p99':>6} │ {'fail':>4} {'fake err':>8}")
    lines = [head, "─" * len(head)]
    for db, r in results.items():
        j, e, q = r["journey"], r["echo"], r["ratio_bot_over_echo"]
        fmt = lambda v, w, p=1: f"{v:>{w}.{p}f}" if isinstance(v, (int, float)) else f"{'-':>{w}}"
        lines.append(
            f"{db:<11} {fmt(j['updates_per_s'], 13)} {fmt(j['latency']['p50_ms'], 8)} {fmt(j['latency']['p99_ms'], 8)} │ "
            f"{fmt(e['updates_per_s'], 10)} {fmt(e['latency']['p50_ms'], 8)} {fmt(e['latency']['p99_ms'], 8)} │ "
            f"{fmt(q.get('updates_per_s'), 11, 3)} {fmt(q.get('p50'), 6, 2)} {fmt(q.get('p99'), 6, 2)} │ "
            f"{j['failures'] + e['failures']:>4} {j['fake_errors'] + e['fake_errors']:>8}"
        )
    return "\n".join(lines)


def step_table(results: dict[str, Any]) -> str:
    lines = []
    for db, r in results.items():
        steps = r["journey"]["latency_by_step"]
        lines.append(f"journey steps on {db} (p50 / p99 ms): " + ", ".join(
            f"{name} {s['p50_ms']}/{s['p99_ms']}" for name, s in steps.items()))
        lines.append(f"  CPU of the bot process per update on {db}: journey {r['journey']['bot_cpu_ms_per_update']} ms, "
                     f"echo {r['echo']['bot_cpu_ms_per_update']} ms; PostgreSQL server "
                     f"{r['journey']['cpu_s'].get('postgres_server')} s / {r['echo']['cpu_s'].get('postgres_server')} s "
                     f"(driver + fake server: "
                     f"{r['journey']['cpu_s'].get('driver_and_fake')} s / {r['echo']['cpu_s'].get('driver_and_fake')} s)")
        if len(r.get("rounds", [])) > 1:
            lines.append(f"  rounds on {db} (bot / echo upd/s = ratio; CPU ms per update bot / echo): " + "; ".join(
                f"{x['journey_updates_per_s']} / {x['echo_updates_per_s']} = {x['ratio_bot_over_echo'].get('updates_per_s')}"
                f" ({x['journey_cpu_ms_per_update']} / {x['echo_cpu_ms_per_update']})" for x in r["rounds"]))
        bot_steps_cpu, echo_steps_cpu = (r[p].get("per_step_cpu") or {} for p in ("journey", "echo"))
        if bot_steps_cpu and echo_steps_cpu:
            pairs = zip(bot_steps_cpu["cpu_ms_per_update"].items(), echo_steps_cpu["cpu_ms_per_update"].values(),
                        strict=False)
            lines.append(f"  CPU ms per update, step by step (lockstep, {bot_steps_cpu['residents']} residents), "
                         "bot / echo: " + ", ".join(f"{name} {b}/{e}" for (name, b), e in pairs))
            for failure in bot_steps_cpu["failures"] + echo_steps_cpu["failures"]:
                lines.append(f"  lockstep failure: {failure}")
    return "\n".join(lines)

