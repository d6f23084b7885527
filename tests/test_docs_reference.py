"""The generated references under docs/reference/ match the code they are generated from."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from contextlib import redirect_stdout
from pathlib import Path

import pytest

from medins_sdk import hookspecs
from medins_sdk.hookdoc import hooks_of, render_hooks
from medins_sdk.models import SdkModel
from medins_sdk.models import __all__ as model_names
from medins_sdk.models.reference import (
    DOCUMENTED,
    REGENERATE_DATA_MODEL,
    REGENERATE_HOOKS,
    main,
    render_data_model,
    slug,
    type_label,
)

ROOT = Path(__file__).resolve().parent.parent
REFERENCES: list[tuple[str, Callable[[], str], str]] = [
    ("docs/reference/data-model.md", render_data_model, REGENERATE_DATA_MODEL),
    ("docs/reference/hooks.md", render_hooks, REGENERATE_HOOKS),
]


@pytest.mark.parametrize(("path", "render", "command"), REFERENCES, ids=["data-model", "hooks"])
def test_reference_is_up_to_date(path: str, render: Callable[[], str], command: str) -> None:
    checked_in = (ROOT / path).read_text(encoding="utf-8")
    assert checked_in == render(), f"{path} is stale: regenerate it with `{command}`"


def test_render_is_deterministic() -> None:
    assert render_data_model() == render_data_model()
    assert render_hooks() == render_hooks()


def test_every_model_is_documented() -> None:
    """A new model must be added to the reference's SECTIONS (or this list, knowingly)."""
    from medins_sdk import models

    not_documented = {"SdkModel"}
    exported = {
        name
        for name in model_names
        if isinstance(getattr(models, name), type) and issubclass(getattr(models, name), SdkModel)
    }
    documented = {model.__name__ for model in DOCUMENTED}
    assert exported - not_documented == documented, (
        "add new models to SECTIONS in medins_sdk/models/reference.py, then regenerate "
        f"with `{REGENERATE_DATA_MODEL}`"
    )


def test_every_field_has_a_row() -> None:
    text = render_data_model()
    for model in DOCUMENTED:
        section = text.split(f"\n### {model.__name__}\n", 1)[1].split("\n### ", 1)[0]
        for name, field in model.model_fields.items():
            alias = f"`{field.alias}`" if field.alias else "—"
            assert f"| `{name}` | {alias} |" in section, (model.__name__, name)


def test_links_resolve() -> None:
    """Every in-page link of both references points at a heading or an anchor of the page."""
    for path, render, _ in REFERENCES:
        text = render()
        anchors = {slug(h) for h in re.findall(r"^#+ (.+)$", text, flags=re.MULTILINE)}
        for target in re.findall(r"\]\(#([^)]+)\)", text):
            assert target in anchors, f"{path}: broken link #{target}"


def test_personal_data_is_marked() -> None:
    text = render_data_model()
    assert "| `cert_no` | `certno` | 证件号码 | `str` | no | yes (ID number) |" in text
    assert "| `person_name` | `psn_name` | 人员姓名 | `str` | no | yes (name) |" in text


def test_type_labels() -> None:
    from medins_sdk.models import ChargeLine, SettlementList

    fields = ChargeLine.model_fields
    assert type_label(fields["amount"].annotation, fields["amount"].metadata) == (
        "[SignedMoney](#signedmoney)"
    )
    assert type_label(fields["time"].annotation, fields["time"].metadata) == (
        "[date-time](#date-time)"
    )
    diagnoses = SettlementList.model_fields["diagnoses"]
    assert type_label(diagnoses.annotation) == "list\\[[Diagnosis](#diagnosis)\\]"
    with pytest.raises(TypeError, match="not in the reference"):
        type_label(type("Stray", (SdkModel,), {"__annotations__": {"x": int}}))


def test_every_hook_is_documented() -> None:
    text = render_hooks()
    names = [hook.name for hook in hooks_of(hookspecs, hookspecs.PROJECT)]
    assert names, "no hookspecs found"
    for name in names:
        assert f"\n### {name}\n" in text


@pytest.mark.parametrize(("argv", "render"), [([], render_data_model), (["hooks"], render_hooks)])
def test_command_prints_the_reference(argv: list[str], render: Callable[[], str]) -> None:
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(argv) == 0
    assert out.getvalue() == render()


def test_command_refuses_unknown_reference(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["nothing"]) == 2
    assert "usage" in capsys.readouterr().err
