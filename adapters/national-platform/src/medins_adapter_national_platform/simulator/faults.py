"""Fault injection for the simulated bureau: a spec, and a reproducible decision per message.

A spec is ``;``-separated entries ``KIND[:ARG]=RATE[@INFNO+INFNO…]`` plus ``seed=N``:

* ``latency:MS`` or ``latency:LOW-HIGH`` — wait that many milliseconds before acting;
* ``error`` — answer ``infcode`` -1 without acting;
* ``drop-before`` — close the connection without acting (the message was lost);
* ``drop-after`` — act (commit), then close the connection without answering: the
  one-sided account the client must recover from;
* ``duplicate`` — the message is delivered twice; the second delivery's answer is returned.

``RATE`` is a probability (0–1); ``@`` limits an entry to some transactions (all by default).
Example: ``seed=7;latency:1-5=0.2;drop-after=0.03@2304;error=0.02@2304+2305``.

Each message's faults are drawn from a ``Random`` seeded by the spec's seed, the
transaction, the visit the message is about and how many messages of that transaction about
that visit came before — not by arrival time or thread — so a run that sends the same
messages gets the same faults, whatever the msgids and the interleaving of visits.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

FaultKind = Literal["latency", "error", "drop-before", "drop-after", "duplicate"]
KINDS: tuple[FaultKind, ...] = ("latency", "error", "drop-before", "drop-after", "duplicate")
ACTIONS: tuple[FaultKind, ...] = KINDS[1:]
"""Faults that change what happens to a message (at most one applies); latency adds to them."""


class FaultSpecError(ValueError):
    """A fault spec that does not parse; the message names the entry."""


@dataclass(frozen=True)
class FaultRule:
    """One entry of a spec."""

    kind: FaultKind
    rate: float
    infnos: frozenset[str] = frozenset()
    latency_ms: tuple[float, float] = (0.0, 0.0)

    def applies_to(self, infno: str) -> bool:
        """Whether the rule covers ``infno``."""
        return not self.infnos or infno in self.infnos


@dataclass(frozen=True)
class Decision:
    """What happens to one message."""

    action: FaultKind | None = None
    delay: float = 0.0
    """Seconds to wait before acting."""


def _rate(text: str, entry: str) -> float:
    try:
        rate = float(text)
    except ValueError:
        raise FaultSpecError(f"{entry!r}: rate {text!r} is not a number") from None
    if not 0.0 <= rate <= 1.0:
        raise FaultSpecError(f"{entry!r}: rate must lie between 0 and 1")
    return rate


def _latency(arg: str, entry: str) -> tuple[float, float]:
    low, _, high = arg.partition("-")
    try:
        bounds = (float(low), float(high or low))
    except ValueError:
        raise FaultSpecError(f"{entry!r}: latency is MS or LOW-HIGH milliseconds") from None
    if not 0 <= bounds[0] <= bounds[1]:
        raise FaultSpecError(f"{entry!r}: latency bounds must be 0 ≤ LOW ≤ HIGH")
    return bounds


def _rule(entry: str) -> FaultRule:
    head, equals, tail = entry.partition("=")
    if not equals:
        raise FaultSpecError(f"{entry!r}: expected KIND[:ARG]=RATE[@INFNO+…]")
    name, _, arg = head.strip().partition(":")
    if name not in KINDS:
        raise FaultSpecError(f"{entry!r}: unknown fault {name!r} (one of {', '.join(KINDS)})")
    rate_text, _, scope = tail.partition("@")
    infnos = frozenset(code.strip() for code in scope.split("+") if code.strip() not in ("", "*"))
    if name == "latency":
        if not arg:
            raise FaultSpecError(f"{entry!r}: latency needs milliseconds (latency:5=0.1)")
        return FaultRule("latency", _rate(rate_text, entry), infnos, _latency(arg, entry))
    if arg:
        raise FaultSpecError(f"{entry!r}: {name} takes no argument")
    kind: FaultKind = name
    return FaultRule(kind, _rate(rate_text, entry), infnos)


@dataclass(frozen=True)
class FaultPlan:
    """A parsed spec: the seed and the rules, in the order given."""

    seed: int = 0
    rules: tuple[FaultRule, ...] = ()

    @classmethod
    def parse(cls, spec: str) -> FaultPlan:
        """The plan of ``spec`` (empty: no faults); :class:`FaultSpecError` if it is wrong."""
        seed, rules = 0, []
        for raw in spec.split(";"):
            entry = raw.strip()
            if not entry:
                continue
            if entry.startswith("seed="):
                try:
                    seed = int(entry[5:])
                except ValueError:
                    raise FaultSpecError(f"{entry!r}: the seed is an integer") from None
                continue
            rules.append(_rule(entry))
        return cls(seed, tuple(rules))

    def decide(self, infno: str, key: str, occurrence: int) -> Decision:
        """The faults of the ``occurrence``-th message of ``infno`` about ``key``."""
        if not self.rules:
            return Decision()
        rng = random.Random(f"{self.seed}:{infno}:{key}:{occurrence}")
        action: FaultKind | None = None
        delay = 0.0
        for rule in self.rules:
            if not rule.applies_to(infno):
                continue
            hit = rng.random() < rule.rate
            if rule.kind == "latency":
                low, high = rule.latency_ms
                pause = rng.uniform(low, high) / 1000
                delay += pause if hit else 0.0
            elif hit and action is None:
                action = rule.kind
        return Decision(action, delay)


def business_key(data: Mapping[str, Any]) -> str:
    """The visit (or file, or reversed message) a message's ``input`` is about."""
    for node in ("data", "setlinfo", "baseinfo"):
        inner = data.get(node)
        if isinstance(inner, Mapping):
            for key in ("mdtrt_id", "file_qury_no", "insutype"):
                if inner.get(key):
                    return f"{key}={inner[key]}"
    lines = data.get("feedetail")
    if isinstance(lines, list) and lines and isinstance(lines[0], Mapping):
        return f"mdtrt_id={lines[0].get('mdtrt_id')}"
    return ""


@dataclass
class FaultInjector:
    """Applies a plan to the messages of a running simulator and counts what it injected."""

    plan: FaultPlan = field(default_factory=FaultPlan)
    injected: Counter[str] = field(default_factory=Counter)
    _seen: Counter[tuple[str, str]] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def decide(self, infno: str, data: Mapping[str, Any]) -> Decision:
        """The decision for the next message of ``infno`` with ``input`` ``data``."""
        key = business_key(data)
        with self._lock:
            occurrence = self._seen[(infno, key)]
            self._seen[(infno, key)] += 1
            decision = self.plan.decide(infno, key, occurrence)
            if decision.action is not None:
                self.injected[decision.action] += 1
            if decision.delay:
                self.injected["latency"] += 1
        return decision
