"""What reading produces: accepted records and rejected ones, each with where it came from."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import ValidationError

from medins_sdk.models import ChargeBatch, Encounter, FrontPage, SdkModel, Settlement

RecordKind = Literal["encounter", "charges", "settlement", "front_page"]
"""What a record is: an encounter (canonical, or a 4101 settlement list), a 2301 charge
upload, a 2304 settlement answer, or a 4401 front page."""

KIND_MODELS: dict[RecordKind, type[SdkModel]] = {
    "encounter": Encounter,
    "charges": ChargeBatch,
    "settlement": Settlement,
    "front_page": FrontPage,
}


@dataclass(frozen=True, slots=True)
class Issue:
    """One reason a record was rejected: the field path and what is wrong with it."""

    path: str
    reason: str


@dataclass(frozen=True, slots=True)
class Record:
    """An accepted record: its id, its source (``file:line``), its format and its model."""

    id: str
    source: str
    format: str
    kind: RecordKind
    model: SdkModel

    def encounter(self) -> Encounter:
        """The record as an encounter, or :class:`NotAnEncounter` for other kinds.

        A front page is converted to its settlement list with the national crosswalks
        (``medins_sdk.convert``), so grouping and pricing read front pages too; one whose
        codes have no acceptable counterpart raises the conversion's ``ValueError``.
        """
        if isinstance(self.model, Encounter):
            return self.model
        if isinstance(self.model, FrontPage):
            from medins_sdk.convert import front_page_encounter  # convert imports this module

            return front_page_encounter(self.model)
        raise NotAnEncounter(self)


@dataclass(frozen=True, slots=True)
class Rejected:
    """A record that could not be accepted, with every reason; nothing is silently lost.

    Reasons never quote the offending input: personal data stays out of error output. The
    invariant checks quote the amounts they compared, which are not personal data.
    """

    id: str | None
    source: str
    format: str | None
    issues: tuple[Issue, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        """``{"id", "path", "reason"}`` of the first issue, plus source, format and all issues."""
        first = self.issues[0] if self.issues else Issue("", "rejected")
        return {
            "id": self.id,
            "path": first.path,
            "reason": first.reason,
            "source": self.source,
            "format": self.format,
            "errors": [{"path": issue.path, "reason": issue.reason} for issue in self.issues],
        }


class NotAnEncounter(ValueError):
    """A verb that needs encounters was given another kind of record."""

    def __init__(self, record: Record) -> None:
        super().__init__(
            f"a {record.kind} record ({record.format}) is not an encounter: this step needs a "
            "settlement list (canonical encounter JSON, a 4101 upload or a front page)"
        )
        self.record = record


def render_path(loc: tuple[str | int, ...], prefix: str = "") -> str:
    """``("diseinfo", 0, "diag_code")`` → ``diseinfo[0].diag_code``."""
    text = prefix
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text


def issues_of(error: ValidationError, prefix: str = "") -> tuple[Issue, ...]:
    """Issues of a pydantic error: each path and message, never the offending input value."""
    return tuple(
        Issue(render_path(tuple(detail["loc"]), prefix), detail["msg"])
        for detail in error.errors(include_url=False, include_input=False, include_context=False)
    )
