"""The audit engine: every enabled rule, at one stage, over an order, an encounter or a batch.

* ``pre`` (事前, :meth:`AuditEngine.check_order`): one order of a few lines against the
  encounter so far — the pop-up at order entry; only findings involving the order are shown.
* ``during`` (事中, :meth:`AuditEngine.check`): the whole encounter before settlement.
* ``post`` (事后, :meth:`AuditEngine.check_batch` / :class:`BatchAudit`): settled encounters,
  streamed; each encounter's findings as it passes, then the batch patterns at the end.

Rules are run in id order and their findings sorted canonically (encounter, rule, lines,
message), so the result is the same whatever the order of lines, rules or plugins. A region's
pack switches rules off and overrides parameters; both are resolved once, here.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from medins_sdk.audit import AuditRule, BatchRule
from medins_sdk.audit.knowledge import (
    ENABLED,
    Knowledge,
    KnowledgeError,
    KnowledgePack,
    load_knowledge,
)
from medins_sdk.audit.params import Params
from medins_sdk.audit.view import AuditCase, CaseSummary, at_risk, line_sort_key
from medins_sdk.models import ChargeLine, Encounter, Finding, Stage

if TYPE_CHECKING:
    from medins_sdk.plugins import Registry


def finding_key(finding: Finding) -> tuple[str, str, list[tuple[int, str]], str]:
    """The canonical order of findings: encounter, rule, lines, message."""
    return (finding.id, finding.rule, [line_sort_key(n) for n in finding.lines], finding.message)


@dataclass(frozen=True, slots=True)
class ConfiguredRule:
    """A rule with its parameters resolved and whether a pack switched it off."""

    rule: AuditRule
    params: Params
    enabled: bool


def _enabled(rule: AuditRule, setting: str | None) -> bool:
    if setting is None:
        return True
    if setting.lower() in ("true", "1"):
        return True
    if setting.lower() in ("false", "0"):
        return False
    raise KnowledgeError(f"rule {rule.id}: {ENABLED} = {setting!r} is not true or false")


def configure(rule: AuditRule, knowledge: Knowledge) -> ConfiguredRule:
    """``rule`` with the packs' overrides applied; :class:`KnowledgeError` if one is bad."""
    overrides = dict(knowledge.settings.get(rule.id, {}))
    enabled = _enabled(rule, overrides.pop(ENABLED, None))
    try:
        params = Params.resolve(rule.parameters, overrides)
    except ValueError as error:
        raise KnowledgeError(f"rule {rule.id}: {error}") from None
    return ConfiguredRule(rule, params, enabled)


class AuditEngine:
    """The enabled rules over the merged knowledge, ready to check orders, encounters, batches.

    :param rules: every rule available (the registry's, usually); sorted by id here.
    :param knowledge: the merged knowledge packs (:func:`load_knowledge`).
    :param only: rule ids to run (``--rules``); None runs every rule the packs leave enabled.
        An unknown id is a ``ValueError`` naming the known ones.
    """

    def __init__(
        self,
        rules: Iterable[AuditRule],
        knowledge: Knowledge,
        *,
        only: Collection[str] | None = None,
    ) -> None:
        self.knowledge = knowledge
        self.configured = [configure(rule, knowledge) for rule in sorted(rules, key=lambda r: r.id)]
        if only is not None:
            unknown = sorted(set(only) - {c.rule.id for c in self.configured})
            if unknown:
                known = ", ".join(c.rule.id for c in self.configured)
                raise ValueError(f"unknown audit rule {', '.join(unknown)} (known: {known})")
        self.active = [
            c for c in self.configured if (c.rule.id in only if only is not None else c.enabled)
        ]
        self._by_stage: dict[Stage, list[ConfiguredRule]] = {
            stage: [c for c in self.active if stage in c.rule.stages]
            for stage in ("pre", "during", "post")
        }
        self.batch_rules = [
            (c.rule, c.params) for c in self._by_stage["post"] if isinstance(c.rule, BatchRule)
        ]

    @classmethod
    def from_registry(
        cls,
        registry: Registry,
        *,
        packs: Sequence[KnowledgePack] = (),
        region: str | None = None,
        on: date | None = None,
        only: Collection[str] | None = None,
    ) -> AuditEngine:
        """The engine over a :class:`~medins_sdk.plugins.Registry`'s rules and packs, plus
        ``packs`` (a hospital's own catalogue, say); ``region`` keeps national packs and that
        region's, ``on`` the packs in effect that day."""
        knowledge = load_knowledge([*registry.knowledge_packs.values(), *packs], on, region)
        return cls(registry.audit_rules.values(), knowledge, only=only)

    def _run(self, case: AuditCase, only: Collection[str] | None = None) -> list[Finding]:
        found: list[Finding] = []
        for configured in self._by_stage[case.stage]:
            if only is not None and configured.rule.id not in only:
                continue
            for finding in configured.rule.check(case, configured.params):
                amount = at_risk(finding.amount, case.total)
                if amount != finding.amount:
                    finding = finding.model_copy(update={"amount": amount})
                found.append(finding)
        found.sort(key=finding_key)
        return found

    def check(self, encounter: Encounter, stage: Stage = "during") -> list[Finding]:
        """Findings of the rules of ``stage`` on one encounter (事中, or 事后 one at a time)."""
        return self._run(AuditCase(encounter, stage, self.knowledge))

    def check_rules(
        self, encounter: Encounter, stage: Stage, rules: Collection[str]
    ) -> list[Finding]:
        """Findings of the enabled rules of ``stage`` named in ``rules`` only: the columnar
        path confirms just the rules its screen flagged on an encounter."""
        return self._run(AuditCase(encounter, stage, self.knowledge), rules)

    def check_order(self, encounter: Encounter, order: Sequence[ChargeLine]) -> list[Finding]:
        """事前: the findings that involve ``order`` (new lines) given the encounter so far.

        The order is checked as part of the encounter (a duplicate of an earlier line, a
        daily limit reached with earlier lines, a restricted drug without a qualifying
        diagnosis so far); findings about earlier lines alone are not repeated.
        """
        numbers = frozenset(line.line_no for line in order)
        clash = numbers & {line.line_no for line in encounter.charges}
        if clash or len(numbers) != len(order):
            raise ValueError(
                f"order line numbers {sorted(clash) or 'repeat'} clash with the encounter's"
            )
        merged = encounter.model_copy(update={"charges": [*encounter.charges, *order]})
        case = AuditCase(merged, "pre", self.knowledge, numbers)
        return [f for f in self._run(case) if not numbers.isdisjoint(f.lines)]

    def batch(self) -> BatchAudit:
        """A 事后 batch to feed encounters into, one at a time."""
        return BatchAudit(self)

    def check_batch(self, encounters: Iterable[Encounter]) -> Iterator[Finding]:
        """事后: each encounter's findings as it passes, then the batch patterns' findings."""
        audit = self.batch()
        for encounter in encounters:
            yield from audit.add(encounter)
        yield from audit.finish()


class BatchAudit:
    """A 事后 batch in progress: per-encounter findings now, batch patterns at :meth:`finish`.

    Keeps one :class:`CaseSummary` per encounter (when a batch rule is enabled), not the
    encounters themselves.
    """

    def __init__(self, engine: AuditEngine) -> None:
        self.engine = engine
        self.summaries: list[CaseSummary] = []
        self._high_value = engine.knowledge.tagged["high-value-material"]

    def add(self, encounter: Encounter) -> list[Finding]:
        """Findings of the post-stage rules on ``encounter``; remembers its summary."""
        case = AuditCase(encounter, "post", self.engine.knowledge)
        found = self.engine._run(case)
        if self.engine.batch_rules:
            self.summaries.append(case.summary(self._high_value))
        return found

    def add_summary(self, summary: CaseSummary) -> None:
        """Remember an encounter already checked elsewhere (the columnar path)."""
        self.summaries.append(summary)

    def finish(self) -> list[Finding]:
        """The batch patterns' findings over every encounter added, sorted."""
        found = [
            finding
            for rule, params in self.engine.batch_rules
            for finding in rule.check_batch(self.summaries, params)
        ]
        return sorted(found, key=finding_key)
