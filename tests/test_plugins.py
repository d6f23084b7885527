"""Tests of the plugin manager and registry (medins_sdk.plugins) and ``medins plugins``.

Plugins are real distributions: each test installs fake ones into a directory on
``sys.path`` (a ``*.dist-info`` with ``METADATA`` and ``entry_points.txt`` beside the plugin
modules), which ``importlib.metadata`` discovers exactly as it discovers installed packages.
"""

from __future__ import annotations

import importlib
import io
import json
import os
import random
import subprocess
import sys
import textwrap
from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from medins_sdk import __version__, hookspecs, synthetic
from medins_sdk.cli import main
from medins_sdk.hookspecs import hookimpl
from medins_sdk.plugins import (
    ALLOW_ENV,
    AUTOLOAD_ENV,
    STRICT_ENV,
    NamedRegistry,
    PluginConflictError,
    PluginError,
    PluginInfo,
    PluginManager,
    UnknownNameError,
    get_plugin_manager,
    reset_plugin_manager,
)
from medins_sdk.schemes import ItemisedPricer, PaymentScheme

REPO = Path(__file__).parents[1]


class FakeSite:
    """A directory of fake installed distributions, prepended to ``sys.path``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.modules: list[str] = []
        self.distributions: list[str] = []

    def install(self, dist: str, version: str, plugins: Mapping[str, str]) -> None:
        """Install ``dist`` with one ``medins_sdk`` entry point per plugin (name → source)."""
        info = self.root / f"{dist.replace('-', '_')}-{version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n", "utf-8"
        )
        lines = ["[medins_sdk]"]
        for name, source in plugins.items():
            module = module_of(name)
            (self.root / f"{module}.py").write_text(textwrap.dedent(source), "utf-8")
            lines.append(f"{name} = {module}")
            self.modules.append(module)
        (info / "entry_points.txt").write_text("\n".join(lines) + "\n", "utf-8")
        self.distributions.append(dist)
        importlib.invalidate_caches()

    def manager(self, *, strict: bool = False) -> PluginManager:
        """A manager loading this site's distributions only: plugins installed in the test
        environment (the example plugin, say) are listed as "not allowed" and change nothing."""
        return PluginManager(autoload=True, strict=strict, allow=self.distributions)


def module_of(entry_point: str) -> str:
    return "fake_" + entry_point.replace("-", "_")


def schemes_plugin(*names: str, pricer: str = "itemised") -> str:
    """Source of a plugin module registering schemes ``names`` priced by ``pricer``."""
    schemes = ", ".join(
        f"PaymentScheme(name={name!r}, title={name!r}, pricer={pricer!r})" for name in names
    )
    return f"""
        from medins_sdk.hookspecs import hookimpl
        from medins_sdk.schemes import PaymentScheme

        @hookimpl
        def medins_register_schemes():
            return [{schemes}]
        """


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in (AUTOLOAD_ENV, STRICT_ENV, ALLOW_ENV):
        monkeypatch.delenv(name, raising=False)
    yield
    reset_plugin_manager()


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSite]:
    root = tmp_path / "site"
    root.mkdir()
    monkeypatch.syspath_prepend(str(root))
    fake = FakeSite(root)
    yield fake
    for module in fake.modules:  # the next test may reuse a module name with other code
        sys.modules.pop(module, None)


def info_of(manager: PluginManager, name: str) -> PluginInfo:
    return next(info for info in manager.plugins() if info.name == name)


class Provides:
    """A programmatic plugin returning fixed schemes and pricers (right or wrong ones)."""

    def __init__(self, schemes: Iterable[object] = (), pricers: Iterable[object] = ()) -> None:
        self.schemes = list(schemes)
        self.pricers = list(pricers)

    @hookimpl
    def medins_register_schemes(self) -> list[object]:
        return self.schemes

    @hookimpl
    def medins_register_pricers(self) -> list[object]:
        return self.pricers


# -- loading ---------------------------------------------------------------------------------


def test_core_is_first_and_registers_the_builtins() -> None:
    manager = PluginManager(autoload=False)
    core = manager.plugins()[0]
    assert (core.name, core.distribution, core.version, core.module, core.status) == (
        "core",
        "medins-sdk",
        __version__,
        "medins_sdk.builtin",
        "loaded",
    )
    registry = manager.registry
    assert registry.schemes.keys() == ["itemised"]
    assert isinstance(registry.pricer_for(registry.scheme("itemised")), ItemisedPricer)
    assert registry.clearing_categories.keys() == ["*:11", "*:21", "*:41", "*:99"]
    assert registry.clearing_categories.get("*:21").name == "住院"
    assert registry.code_maps.keys() == [
        "icd10-clinical-2.0-to-insurance-2.0",
        "icd9cm3-clinical-3.0-to-insurance-2.0",
    ]
    assert {"validate", "plugins"} <= set(registry.commands.keys())
    assert "canonical" in registry.formats
    assert registry.problems() == []


def test_every_hookspec_has_a_registry() -> None:
    registry = PluginManager(autoload=False).registry
    specs = [name for name in vars(hookspecs) if name.startswith("medins_register_")]
    assert len(specs) == 12
    for spec in specs:
        assert isinstance(getattr(registry, spec.removeprefix("medins_register_")), NamedRegistry)


def test_plugin_scheme_is_listed_and_resolves(site: FakeSite) -> None:
    site.install(
        "medins-plugin-beijing-drg",
        "0.1.0",
        {
            "beijing-drg": """
                from datetime import date
                from medins_sdk.hookspecs import hookimpl
                from medins_sdk.schemes import PaymentScheme

                @hookimpl
                def medins_register_schemes():
                    return [
                        PaymentScheme(
                            name="beijing-drg-2022",
                            title="北京市 DRG 付费 (2022 版)",
                            pricer="itemised",
                            region="110000",
                            effective_from=date(2022, 1, 1),
                        )
                    ]
            """
        },
    )
    manager = site.manager()
    info = info_of(manager, "beijing-drg")
    assert info == PluginInfo(
        name="beijing-drg",
        distribution="medins-plugin-beijing-drg",
        version="0.1.0",
        module="fake_beijing_drg",
        status="loaded",
        registers={"schemes": ["beijing-drg-2022"]},
        errors=[],
    )
    registry = manager.registry
    scheme = registry.scheme("beijing-drg-2022")
    assert scheme.region == "110000"
    assert registry.schemes.owner("beijing-drg-2022").distribution == "medins-plugin-beijing-drg"
    assert isinstance(registry.pricer_for(scheme), ItemisedPricer)  # the core's pricer
    assert registry.schemes.values()[0].name == "itemised"  # core first


def test_same_name_in_two_plugins_is_a_conflict_naming_both(site: FakeSite) -> None:
    site.install(
        "medins-plugin-beijing-drg",
        "0.1.0",
        {"beijing-drg": schemes_plugin("beijing-drg-2022", "beijing-drg-2020")},
    )
    site.install(
        "medins-plugin-other", "0.2.0", {"other": schemes_plugin("other-a", "beijing-drg-2022")}
    )
    manager = site.manager()
    registry = manager.registry
    message = (
        "scheme 'beijing-drg-2022' is registered by both medins-plugin-beijing-drg 0.1.0 and "
        "medins-plugin-other 0.2.0; uninstall one or exclude one with MEDINS_PLUGINS"
    )
    with pytest.raises(PluginConflictError) as raised:
        registry.scheme("beijing-drg-2022")
    assert str(raised.value) == message
    with pytest.raises(PluginConflictError):
        registry.schemes.owner("beijing-drg-2022")
    for name in ("beijing-drg", "other"):
        info = info_of(manager, name)
        assert (info.status, info.errors) == ("loaded", [message])
    # the rest of both plugins keeps working
    assert registry.scheme("beijing-drg-2020").name == "beijing-drg-2020"
    assert registry.scheme("other-a").name == "other-a"
    assert "beijing-drg-2022" not in registry.schemes
    assert registry.schemes.keys() == ["beijing-drg-2020", "itemised", "other-a"]
    assert "beijing-drg-2022" not in [s.name for s in registry.schemes.values()]
    owners = registry.schemes.conflicts()["beijing-drg-2022"]
    assert [o.distribution for o in owners] == ["medins-plugin-beijing-drg", "medins-plugin-other"]


def test_conflict_with_a_core_name_is_reported_too() -> None:
    manager = PluginManager(autoload=False)
    manager.register(Provides(pricers=[ItemisedPricer()]), "copycat", "medins-plugin-copy", "1.0")
    with pytest.raises(
        PluginConflictError, match=r"both medins-sdk .* and medins-plugin-copy 1\.0"
    ):
        manager.registry.pricers.get("itemised")
    # the core's scheme now names a conflicting pricer: an error, not a dangling reference
    assert manager.registry.problems() == []
    # a rebuild (after another registration) reports the conflict once, not once per build
    manager.register(Provides(), "another")
    assert len(info_of(manager, "copycat").errors) == 1


@pytest.mark.parametrize(
    ("source", "error"),
    [
        ("raise ImportError('needs libfoo')", "ImportError: needs libfoo"),
        ("def broken(:\n", "SyntaxError: "),
        ("raise RuntimeError('no config')", "RuntimeError: no config"),
        ("import medins_no_such_module", "ModuleNotFoundError: No module named"),
    ],
)
def test_plugin_failing_on_import_is_listed_and_the_others_work(
    site: FakeSite, source: str, error: str
) -> None:
    site.install("medins-plugin-broken", "0.0.1", {"broken": source})
    site.install("medins-plugin-good", "1.0.0", {"good": schemes_plugin("good-scheme")})
    manager = site.manager()
    broken = info_of(manager, "broken")
    assert broken.status == "failed"
    assert len(broken.errors) == 1
    assert broken.errors[0].startswith(error)
    assert broken.registers == {}
    assert info_of(manager, "good").status == "loaded"
    assert manager.registry.scheme("good-scheme").name == "good-scheme"


def test_hook_raising_fails_the_whole_plugin(site: FakeSite) -> None:
    site.install(
        "medins-plugin-half",
        "0.1.0",
        {
            "half": """
                from medins_sdk.hookspecs import hookimpl
                from medins_sdk.schemes import PaymentScheme

                @hookimpl
                def medins_register_schemes():
                    return [PaymentScheme(name="half-scheme", title="x", pricer="half")]

                @hookimpl
                def medins_register_pricers():
                    raise ValueError("rate table missing")
            """
        },
    )
    site.install("medins-plugin-good", "1.0.0", {"good": schemes_plugin("good-scheme")})
    manager = site.manager()
    info = info_of(manager, "half")
    assert info.status == "failed"
    assert info.errors == ["medins_register_pricers raised ValueError: rate table missing"]
    assert info.registers == {}
    registry = manager.registry
    with pytest.raises(UnknownNameError, match="no scheme 'half-scheme' is registered"):
        registry.scheme("half-scheme")
    assert registry.scheme("good-scheme").name == "good-scheme"


@pytest.mark.parametrize(
    ("returned", "error"),
    [
        ("42", "medins_register_schemes returned int, not an iterable of PaymentScheme"),
        ("None", "medins_register_schemes returned NoneType, not an iterable of PaymentScheme"),
        ("['beijing']", "medins_register_schemes returned str 'beijing', not a PaymentScheme"),
        (
            "[PaymentScheme(name='', title='x', pricer='itemised')]",
            "medins_register_schemes returned a scheme whose name is '', not a non-empty string",
        ),
        (
            "[PaymentScheme(name='twice', title='x', pricer='itemised')] * 2",
            "medins_register_schemes returned scheme 'twice' twice",
        ),
        ("(1 / 0 for _ in range(1))", "medins_register_schemes raised ZeroDivisionError"),
    ],
)
def test_wrong_return_fails_the_plugin(site: FakeSite, returned: str, error: str) -> None:
    site.install(
        "medins-plugin-wrong",
        "0.1.0",
        {
            "wrong": f"""
                from medins_sdk.hookspecs import hookimpl
                from medins_sdk.schemes import ItemisedPricer, PaymentScheme

                @hookimpl
                def medins_register_pricers():
                    return [ItemisedPricer(name="wrong-pricer")]

                @hookimpl
                def medins_register_schemes():
                    return {returned}
            """
        },
    )
    manager = site.manager()
    info = info_of(manager, "wrong")
    assert info.status == "failed"
    assert len(info.errors) == 1
    assert info.errors[0].startswith(error)
    assert "wrong-pricer" not in manager.registry.pricers


def test_object_of_another_kind_is_refused() -> None:
    manager = PluginManager(autoload=False)
    wrong = PaymentScheme(name="p", title="x", pricer="itemised")
    manager.register(Provides(pricers=[wrong]), "mixed-up")
    info = info_of(manager, "mixed-up")
    assert info.status == "failed"
    assert info.errors == [
        f"medins_register_pricers returned PaymentScheme {wrong!r:.80}, not a Pricer"
    ]


@pytest.mark.parametrize(
    ("source", "error"),
    [
        (
            "@hookimpl\ndef medins_register_schemse():\n    return []\n",
            "PluginValidationError: unknown hook 'medins_register_schemse'",
        ),
        (
            "@hookimpl\ndef medins_register_schemes(region):\n    return []\n",
            "PluginValidationError: Plugin 'medins-plugin-typo:typo' for hook",
        ),
    ],
)
def test_misspelt_or_misdeclared_hook_fails_the_plugin(
    site: FakeSite, source: str, error: str
) -> None:
    site.install(
        "medins-plugin-typo",
        "0.1.0",
        {"typo": "from medins_sdk.hookspecs import hookimpl\n\n" + source},
    )
    info = info_of(site.manager(), "typo")
    assert info.status == "failed"
    assert info.errors[0].startswith(error)


# -- strict mode, allow-list, autoload ---------------------------------------------------------


def test_strict_mode_from_the_environment_raises_on_import_errors(
    site: FakeSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    site.install("medins-plugin-broken", "0.0.1", {"broken": "raise ImportError('needs libfoo')"})
    monkeypatch.setenv(STRICT_ENV, "1")
    with pytest.raises(
        PluginError, match=r"plugin broken \(medins-plugin-broken 0\.0\.1\): ImportError"
    ) as raised:
        PluginManager(autoload=True)
    assert isinstance(raised.value.__cause__, ImportError)
    assert PluginManager(autoload=True, strict=False).plugins()  # the argument wins


def test_strict_argument_raises_on_hook_errors_and_conflicts(site: FakeSite) -> None:
    site.install("medins-plugin-a", "1.0", {"a": schemes_plugin("shared")})
    site.install("medins-plugin-b", "2.0", {"b": schemes_plugin("shared")})
    with pytest.raises(PluginConflictError, match="scheme 'shared' is registered by both"):
        site.manager(strict=True).registry  # noqa: B018 - building the registry is the test
    manager = PluginManager(autoload=False, strict=True)
    manager.register(Provides(schemes=[None]), "bad")
    with pytest.raises(PluginError, match=r"plugin bad .*returned NoneType None, not a"):
        manager.plugins()


@pytest.mark.parametrize("allowed", ["medins-plugin-good", "good", "Medins_Plugin.Good"])
def test_allow_list_from_the_environment(
    site: FakeSite, monkeypatch: pytest.MonkeyPatch, allowed: str
) -> None:
    # names compare as pip compares them: case, "-", "_" and "." do not matter
    site.install("medins_plugin_good", "1.0.0", {"good": schemes_plugin("good-scheme")})
    site.install("medins-plugin-other", "1.0.0", {"other": schemes_plugin("other-scheme")})
    monkeypatch.setenv(ALLOW_ENV, f" {allowed} , ")
    manager = PluginManager(autoload=True)
    assert info_of(manager, "good").status == "loaded"
    other = info_of(manager, "other")
    assert (other.status, other.registers, other.errors) == ("not allowed", {}, [])
    assert "fake_other" not in sys.modules  # never imported
    assert manager.registry.schemes.keys() == ["good-scheme", "itemised"]  # core always loads


def test_autoload_disabled_from_the_environment_leaves_only_core(
    site: FakeSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    site.install("medins-plugin-good", "1.0.0", {"good": schemes_plugin("good-scheme")})
    monkeypatch.setenv(AUTOLOAD_ENV, "1")
    manager = PluginManager()
    assert info_of(manager, "good").status == "disabled"
    assert "fake_good" not in sys.modules
    assert [i.name for i in manager.plugins() if i.status == "loaded"] == ["core"]
    assert manager.registry.schemes.keys() == ["itemised"]


def test_register_rebuilds_the_registry() -> None:
    manager = PluginManager(autoload=False)
    assert "late" not in manager.registry.schemes
    manager.register(Provides(schemes=[PaymentScheme("late", "x", "itemised")]), "late-plugin")
    assert manager.registry.scheme("late").name == "late"
    assert info_of(manager, "late-plugin").module == f"{__name__}.Provides"


def test_default_manager_is_cached_until_reset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(AUTOLOAD_ENV, "1")
    first = get_plugin_manager()
    assert get_plugin_manager() is first
    reset_plugin_manager()
    assert get_plugin_manager() is not first


# -- registry helpers ------------------------------------------------------------------------


def test_schemes_for_region_and_date() -> None:
    manager = PluginManager(autoload=False)
    schemes = [
        PaymentScheme("national-x", "x", "itemised", effective_from=date(2020, 1, 1)),
        PaymentScheme(
            "beijing-drg-2022",
            "x",
            "itemised",
            region="110000",
            effective_from=date(2022, 1, 1),
            effective_to=date(2023, 12, 31),
        ),
        PaymentScheme(
            "beijing-drg-2024", "x", "itemised", region="110000", effective_from=date(2024, 1, 1)
        ),
        PaymentScheme("shanghai-dip", "x", "itemised", region="310000"),
    ]
    manager.register(Provides(schemes=schemes), "regions")
    registry = manager.registry

    def names(region: str, on: date) -> list[str]:
        return [s.name for s in registry.schemes_for(region, on)]

    assert names("110000", date(2023, 12, 31)) == ["beijing-drg-2022", "itemised", "national-x"]
    assert names("110000", date(2024, 1, 1)) == ["beijing-drg-2024", "itemised", "national-x"]
    assert names("310000", date(2019, 6, 1)) == ["itemised", "shanghai-dip"]


def test_scheme_naming_a_missing_pricer_or_grouper() -> None:
    manager = PluginManager(autoload=False)
    scheme = PaymentScheme("guangzhou-dip", "广州 DIP", "dip-guangzhou", grouper="dip-groups")
    manager.register(Provides(schemes=[scheme]), "gz", "medins-plugin-gz", "0.3.0")
    registry = manager.registry
    with pytest.raises(UnknownNameError) as raised:
        registry.pricer_for(scheme)
    assert str(raised.value) == (
        "scheme 'guangzhou-dip' names pricer 'dip-guangzhou', which no loaded plugin registers "
        "(available: itemised); install the plugin that provides it"
    )
    with pytest.raises(UnknownNameError, match=r"names grouper 'dip-groups'.*available: none"):
        registry.grouper_for(scheme)
    assert registry.grouper_for(registry.scheme("itemised")) is None
    assert registry.problems() == [
        "medins-plugin-gz 0.3.0: scheme 'guangzhou-dip' names grouper 'dip-groups', which no "
        "loaded plugin registers (available: none); install the plugin that provides it",
        "medins-plugin-gz 0.3.0: scheme 'guangzhou-dip' names pricer 'dip-guangzhou', which no "
        "loaded plugin registers (available: itemised); install the plugin that provides it",
    ]


def test_unknown_name_lists_the_available_ones() -> None:
    registry = PluginManager(autoload=False).registry
    with pytest.raises(
        LookupError, match=r"no scheme 'beijing' is registered \(available: itemised\)"
    ):
        registry.scheme("beijing")
    with pytest.raises(UnknownNameError, match=r"no audit rule 'x'.*available: batch\."):
        registry.audit_rules.owner("x")
    with pytest.raises(UnknownNameError, match=r"no client factory 'x'.*available: none"):
        registry.clients.owner("x")


def test_builtin_itemised_scheme_pays_the_cost() -> None:
    registry = PluginManager(autoload=False).registry
    encounter = synthetic.encounter(random.Random(1))
    scheme = registry.scheme("itemised")
    assert registry.grouper_for(scheme) is None
    result = registry.pricer_for(scheme).price(encounter, None, scheme)
    assert encounter.total_cost is not None
    assert result.payment == encounter.total_cost
    assert result.balance == Decimal("0.00")
    assert (result.scheme, result.method) == ("itemised", "itemised")


# -- medins plugins ----------------------------------------------------------------------------


def test_plugins_command_table_shows_registrations_errors_and_warnings(site: FakeSite) -> None:
    site.install("medins-plugin-broken", "0.0.1", {"broken": "raise ImportError('needs libfoo')"})
    site.install(
        "medins-plugin-gz", "0.3.0", {"gz": schemes_plugin("guangzhou-dip", pricer="dip-gz")}
    )
    out, err = io.StringIO(), io.StringIO()
    assert main(["plugins"], plugins=site.manager(), stdout=out, stderr=err) == 0
    lines = out.getvalue().splitlines()
    assert lines[0].split() == ["name", "distribution", "version", "status"]
    assert lines[2].split() == ["core", "medins-sdk", __version__, "loaded"]
    broken = lines.index(next(line for line in lines if line.startswith("broken ")))
    assert lines[broken].split() == ["broken", "medins-plugin-broken", "0.0.1", "failed"]
    assert lines[broken + 1] == "    error: ImportError: needs libfoo"
    assert "    schemes: guangzhou-dip" in lines
    assert lines[-1] == (
        "warning: medins-plugin-gz 0.3.0: scheme 'guangzhou-dip' names pricer 'dip-gz', which "
        "no loaded plugin registers (available: itemised); install the plugin that provides it"
    )
    assert err.getvalue() == ""


def test_plugins_command_json(site: FakeSite) -> None:
    site.install("medins-plugin-good", "1.0.0", {"good": schemes_plugin("好-scheme")})
    site.install("medins-plugin-gz", "0.3.0", {"gz": schemes_plugin("gz-dip", pricer="dip-gz")})
    out, err = io.StringIO(), io.StringIO()
    assert main(["plugins", "--json"], plugins=site.manager(), stdout=out, stderr=err) == 0
    # registry warnings go to stderr, keeping stdout one JSON document
    assert err.getvalue().startswith("medins: warning: medins-plugin-gz 0.3.0: scheme 'gz-dip'")
    assert "好-scheme" in out.getvalue()  # not escaped
    data = json.loads(out.getvalue())
    assert data[0]["name"] == "core"
    assert {
        "name": "good",
        "distribution": "medins-plugin-good",
        "version": "1.0.0",
        "module": "fake_good",
        "status": "loaded",
        "registers": {"schemes": ["好-scheme"]},
        "errors": [],
    } in data


def test_medins_plugins_json_in_a_subprocess(site: FakeSite) -> None:
    site.install("medins-plugin-good", "1.0.0", {"good": schemes_plugin("good-scheme")})
    site.install("medins-plugin-broken", "0.0.1", {"broken": "raise ImportError('needs libfoo')"})
    env = {k: v for k, v in os.environ.items() if k not in {AUTOLOAD_ENV, STRICT_ENV, ALLOW_ENV}}
    env["PYTHONPATH"] = os.pathsep.join([str(site.root), str(REPO)])
    done = subprocess.run(
        [sys.executable, "-m", "medins_sdk", "plugins", "--json"],
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    plugins = {item["name"]: item for item in json.loads(done.stdout)}
    assert plugins["core"]["status"] == "loaded"
    assert plugins["good"]["status"] == "loaded"
    assert plugins["good"]["registers"] == {"schemes": ["good-scheme"]}
    assert plugins["broken"]["status"] == "failed"
    assert plugins["broken"]["errors"] == ["ImportError: needs libfoo"]
