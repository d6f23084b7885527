"""The plugin manager: loads plugins, collects what they register, reports what went wrong.

Why it works the way it does (see DESIGN.md, "Plugins (pluggy)"):

* Every hook in :mod:`medins_sdk.hookspecs` is a registration hook. The manager calls each
  plugin's hooks itself, one plugin at a time, so that everything registered is attributed to
  the plugin that registered it, and a broken plugin is dropped whole instead of being half
  registered (a scheme without its pricer is worse than no scheme).
* The host looks things up by name, or by region and date, in the :class:`Registry`, never by
  hook call order. A name two plugins claim becomes unusable, with an error naming both
  distributions, instead of one silently winning depending on install order.
* One broken plugin never breaks the host: import errors, hook errors and conflicts are
  recorded on the plugin's :class:`PluginInfo` (``medins plugins`` shows them) and everything
  else keeps working. Three environment variables adjust this, as pytest's do:
  ``MEDINS_PLUGINS_STRICT=1`` turns every plugin problem into a :class:`PluginError` (for
  plugin developers), ``MEDINS_PLUGINS=a,b`` loads only the plugins named (by entry-point or
  distribution name), and ``MEDINS_DISABLE_PLUGIN_AUTOLOAD=1`` loads none but the core (tests).
"""

from __future__ import annotations

import os
import re
import types
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from functools import cache
from importlib.metadata import EntryPoint, entry_points
from typing import Any, Generic, Literal, TypeVar

import pluggy

from medins_sdk import __version__, hookspecs
from medins_sdk.audit import AuditRule, KnowledgePack
from medins_sdk.clients import ClientFactory
from medins_sdk.codes.maps import CodeMap
from medins_sdk.commands import Command
from medins_sdk.io.formats import DocumentReader, RecordFormat
from medins_sdk.reconcile import ClearingCategory, StatementReader
from medins_sdk.schemes import Grouper, PaymentScheme, Pricer, SchemeParts

__all__ = [
    "ALLOW_ENV",
    "AUTOLOAD_ENV",
    "STRICT_ENV",
    "NamedRegistry",
    "PluginConflictError",
    "PluginError",
    "PluginInfo",
    "PluginManager",
    "PluginStatus",
    "Registry",
    "UnknownNameError",
    "get_plugin_manager",
    "reset_plugin_manager",
]

AUTOLOAD_ENV = "MEDINS_DISABLE_PLUGIN_AUTOLOAD"
"""Set to 1 to load no entry-point plugins, only the core (test suites, reproducible runs)."""
STRICT_ENV = "MEDINS_PLUGINS_STRICT"
"""Set to 1 to make any plugin problem raise :class:`PluginError` (plugin development)."""
ALLOW_ENV = "MEDINS_PLUGINS"
"""Comma-separated entry-point or distribution names: only these plugins load."""

PluginStatus = Literal["loaded", "failed", "not allowed", "disabled"]
"""``loaded``: in use (conflicts still show in its errors); ``failed``: nothing of it is used;
``not allowed``: excluded by ``MEDINS_PLUGINS``; ``disabled``: autoloading is off."""

T = TypeVar("T")


class PluginError(Exception):
    """A plugin problem raised instead of recorded: strict mode, or a conflicting name."""


class PluginConflictError(PluginError):
    """Two plugins registered the same name of the same kind, so the name is unusable."""


class UnknownNameError(LookupError):
    """No loaded plugin registers the name; the message lists the names that do exist."""


@dataclass
class PluginInfo:
    """What ``medins plugins`` reports about one plugin: where it comes from, what it
    registers and what went wrong."""

    name: str
    """The entry-point name (``core`` for the core's own plugin)."""
    distribution: str
    """The distribution that declares the entry point, e.g. ``medins-plugin-beijing-drg``."""
    version: str
    module: str
    """What the entry point points at, e.g. ``medins_plugin_beijing_drg.plugin``."""
    status: PluginStatus = "loaded"
    registers: dict[str, list[str]] = field(default_factory=dict)
    """Keys registered, per kind (``{"schemes": ["beijing-drg-2022"]}``), in hook order."""
    errors: list[str] = field(default_factory=list)
    """Why the plugin failed, or the conflicts that made some of its names unusable."""

    @property
    def label(self) -> str:
        """How messages name the plugin: distribution and version, as ``pip`` shows them."""
        return f"{self.distribution or self.name} {self.version}".strip()

    def to_json(self) -> dict[str, Any]:
        """JSON-ready data (``medins plugins --json``)."""
        return asdict(self)


@dataclass(frozen=True, slots=True)
class _Kind:
    """One kind of registered thing: its hook, the type it must have and its key attribute."""

    attr: str
    """Attribute of :class:`Registry` and key of :attr:`PluginInfo.registers`."""
    label: str
    """Singular name used in messages."""
    expected: type
    key: str = "name"

    @property
    def hook(self) -> str:
        return f"medins_register_{self.attr}"


_KINDS: tuple[_Kind, ...] = (
    _Kind("schemes", "scheme", PaymentScheme),
    _Kind("groupers", "grouper", Grouper),
    _Kind("pricers", "pricer", Pricer),
    _Kind("audit_rules", "audit rule", AuditRule, key="id"),
    _Kind("knowledge_packs", "knowledge pack", KnowledgePack),
    _Kind("clearing_categories", "clearing category", ClearingCategory, key="key"),
    _Kind("statement_readers", "statement reader", StatementReader),
    _Kind("formats", "record format", RecordFormat),
    _Kind("readers", "document reader", DocumentReader),
    _Kind("clients", "client factory", ClientFactory),
    _Kind("code_maps", "code map", CodeMap),
    _Kind("commands", "command", Command),
)


class NamedRegistry(Generic[T]):
    """The things of one kind, by key, each with the plugin that registered it.

    Conflicting keys stay recorded (so that errors can name every owner) but are never
    returned: ``get`` raises, ``keys`` and ``values`` leave them out.
    """

    def __init__(self, label: str) -> None:
        self.label = label
        self._entries: dict[str, list[tuple[T, PluginInfo]]] = {}

    def _add(self, key: str, item: T, owner: PluginInfo) -> None:
        self._entries.setdefault(key, []).append((item, owner))

    def _known(self, key: str) -> bool:
        """Whether any plugin registers ``key``, conflicting or not."""
        return key in self._entries

    def _entry(self, key: str) -> tuple[T, PluginInfo]:
        entries = self._entries.get(key)
        if not entries:
            available = ", ".join(self.keys()) or "none"
            raise UnknownNameError(
                f"no {self.label} {key!r} is registered (available: {available}); "
                "`medins plugins` lists what each installed plugin registers"
            )
        if len(entries) > 1:
            raise PluginConflictError(self.conflict_message(key))
        return entries[0]

    def get(self, key: str) -> T:
        """The item registered as ``key``; raises :class:`UnknownNameError` or
        :class:`PluginConflictError`."""
        return self._entry(key)[0]

    def owner(self, key: str) -> PluginInfo:
        """The plugin that registered ``key`` (raises like :meth:`get`)."""
        return self._entry(key)[1]

    def __contains__(self, key: object) -> bool:
        """Whether :meth:`get` would return an item for ``key``."""
        return isinstance(key, str) and len(self._entries.get(key, ())) == 1

    def keys(self) -> list[str]:
        """Usable keys, sorted."""
        return sorted(key for key, entries in self._entries.items() if len(entries) == 1)

    def values(self) -> list[T]:
        """Usable items in registration order: the core's first, then plugins' in load order."""
        return [entries[0][0] for entries in self._entries.values() if len(entries) == 1]

    def conflicts(self) -> dict[str, list[PluginInfo]]:
        """Keys registered by more than one plugin, with every plugin that registers them."""
        return {
            key: [owner for _, owner in entries]
            for key, entries in self._entries.items()
            if len(entries) > 1
        }

    def conflict_message(self, key: str) -> str:
        """The error for a conflicting ``key``: names every owner with its version."""
        owners = [owner.label for _, owner in self._entries[key]]
        who = (
            f"both {owners[0]} and {owners[1]}"
            if len(owners) == 2
            else f"{', '.join(owners[:-1])} and {owners[-1]}"
        )
        return (
            f"{self.label} {key!r} is registered by {who}; "
            f"uninstall one or exclude one with {ALLOW_ENV}"
        )


class Registry:
    """Everything the loaded plugins register, one :class:`NamedRegistry` per kind.

    Schemes, groupers, pricers, knowledge packs, statement readers, formats, readers,
    clients, code maps and commands are keyed by ``name``; audit rules by ``id``; clearing
    categories by ``key`` (region and code).
    """

    schemes: NamedRegistry[PaymentScheme]
    groupers: NamedRegistry[Grouper]
    pricers: NamedRegistry[Pricer]
    audit_rules: NamedRegistry[AuditRule]
    knowledge_packs: NamedRegistry[KnowledgePack]
    clearing_categories: NamedRegistry[ClearingCategory]
    statement_readers: NamedRegistry[StatementReader]
    formats: NamedRegistry[RecordFormat]
    readers: NamedRegistry[DocumentReader]
    clients: NamedRegistry[ClientFactory]
    code_maps: NamedRegistry[CodeMap]
    commands: NamedRegistry[Command]

    def __init__(self) -> None:
        for kind in _KINDS:
            setattr(self, kind.attr, NamedRegistry[Any](kind.label))

    def scheme(self, name: str) -> PaymentScheme:
        """The scheme called ``name`` (``medins price --scheme NAME``)."""
        return self.schemes.get(name)

    def schemes_for(self, region: str, on: date) -> list[PaymentScheme]:
        """Schemes that apply to a case of ``region`` settled ``on``, sorted by name.

        National schemes (region None) apply everywhere; choosing among several is the
        caller's decision, never the plugins' load order.
        """
        return sorted(
            (
                s
                for s in self.schemes.values()
                if (s.region is None or s.region == region) and s.in_effect(on)
            ),
            key=lambda s: s.name,
        )

    def grouper_for(self, scheme: PaymentScheme) -> Grouper | None:
        """The grouper ``scheme`` names, or None when it does not group."""
        if scheme.grouper is None:
            return None
        return self._named_by(scheme, self.groupers, scheme.grouper)

    def pricer_for(self, scheme: PaymentScheme) -> Pricer:
        """The pricer ``scheme`` names."""
        return self._named_by(scheme, self.pricers, scheme.pricer)

    def scheme_parts(self, name: str) -> SchemeParts:
        """The scheme called ``name`` with the grouper and pricer it names, resolved once."""
        scheme = self.scheme(name)
        return SchemeParts(scheme, self.grouper_for(scheme), self.pricer_for(scheme))

    def problems(self) -> list[str]:
        """Schemes naming a grouper or pricer that no loaded plugin registers.

        Such a scheme loads (the other plugin may just not be installed) but cannot price;
        ``medins plugins`` shows these as warnings so the gap is found before a run.
        """
        found: list[str] = []
        for scheme in self.schemes.values():
            references: list[tuple[NamedRegistry[Any], str | None]] = [
                (self.groupers, scheme.grouper),
                (self.pricers, scheme.pricer),
            ]
            for registry, name in references:
                if name is not None and not registry._known(name):
                    owner = self.schemes.owner(scheme.name).label
                    found.append(f"{owner}: {_dangling(scheme, registry, name)}")
        return found

    @staticmethod
    def _named_by(scheme: PaymentScheme, registry: NamedRegistry[T], name: str) -> T:
        try:
            return registry.get(name)
        except UnknownNameError:
            raise UnknownNameError(_dangling(scheme, registry, name)) from None


def _dangling(scheme: PaymentScheme, registry: NamedRegistry[Any], name: str) -> str:
    available = ", ".join(registry.keys()) or "none"
    return (
        f"scheme {scheme.name!r} names {registry.label} {name!r}, which no loaded plugin "
        f"registers (available: {available}); install the plugin that provides it"
    )


@dataclass(frozen=True, slots=True)
class _Record:
    """A plugin as loaded: its info before any hook ran, and its pluggy name if registered."""

    info: PluginInfo
    plugin_id: str | None


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def _normalise(name: str) -> str:
    """Compare names the way pip does: ``Medins_Plugin.X`` is ``medins-plugin-x``."""
    return re.sub(r"[-_.]+", "-", name.strip()).lower()


def _describe(plugin: object) -> str:
    if isinstance(plugin, types.ModuleType):
        return plugin.__name__
    cls = plugin if isinstance(plugin, type) else type(plugin)
    return f"{cls.__module__}.{cls.__qualname__}"


def _distribution(ep: EntryPoint) -> tuple[str, str]:
    """Name and version of the distribution declaring ``ep`` (empty when its metadata lacks
    them: one sloppy ``METADATA`` file must not stop the others from loading)."""
    if ep.dist is None:
        return "", ""
    return ep.dist.name or "", ep.dist.version or ""


def _error(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def _collect(kind: _Kind, impl: pluggy.HookImpl) -> list[tuple[str, object]]:
    """Call one registration hook and check what it returns; raise :class:`PluginError`."""
    if impl.hookwrapper or impl.wrapper:
        raise PluginError(
            f"{kind.hook} is a hook wrapper; registration hooks take plain implementations"
        )
    expected = kind.expected.__name__
    try:
        result = impl.function()
        # Iterate inside the try: a generator hook raises only when consumed.
        items = list(result) if isinstance(result, Iterable) else None
    except Exception as exc:
        raise PluginError(f"{kind.hook} raised {_error(exc)}") from exc
    if items is None:
        raise PluginError(
            f"{kind.hook} returned {type(result).__name__}, not an iterable of {expected}"
        )
    collected: list[tuple[str, object]] = []
    seen: set[str] = set()
    for item in items:
        if not isinstance(item, kind.expected):
            raise PluginError(
                f"{kind.hook} returned {type(item).__name__} {item!r:.80}, not a {expected}"
            )
        key = getattr(item, kind.key)
        if not isinstance(key, str) or not key:
            raise PluginError(
                f"{kind.hook} returned a {kind.label} whose {kind.key} is {key!r}, "
                "not a non-empty string"
            )
        if key in seen:
            raise PluginError(f"{kind.hook} returned {kind.label} {key!r} twice")
        seen.add(key)
        collected.append((key, item))
    return collected


class PluginManager:
    """Loads the core's plugin and the installed ones, and builds the :class:`Registry`.

    ``None`` arguments are read from the environment (``MEDINS_DISABLE_PLUGIN_AUTOLOAD``,
    ``MEDINS_PLUGINS_STRICT``, ``MEDINS_PLUGINS``) so that a host application can pin its
    own choice while the CLI follows the user's.

    :param autoload: load plugins declared under the ``medins_sdk`` entry-point group.
        Off, they are listed as ``disabled`` but not imported.
    :param strict: raise :class:`PluginError` on any plugin problem instead of recording it.
    :param allow: entry-point or distribution names allowed to load; the others are listed
        as ``not allowed``. None allows all.
    """

    def __init__(
        self,
        *,
        autoload: bool | None = None,
        strict: bool | None = None,
        allow: Collection[str] | None = None,
    ) -> None:
        self.autoload = not _env_flag(AUTOLOAD_ENV) if autoload is None else autoload
        self.strict = _env_flag(STRICT_ENV) if strict is None else strict
        if allow is None:
            allow = [n for n in os.environ.get(ALLOW_ENV, "").split(",") if n.strip()] or None
        self.allow = None if allow is None else frozenset(map(_normalise, allow))
        self._pm = pluggy.PluginManager(hookspecs.PROJECT)
        self._pm.add_hookspecs(hookspecs)
        self._records: list[_Record] = []
        self._built: tuple[Registry, list[PluginInfo]] | None = None
        # Imported here rather than at the top: the core plugin pulls in every core command,
        # which importing this module for its types should not.
        from medins_sdk import builtin

        # The core registers directly, like pytest's built-in plugins: it is always there,
        # whatever the environment says, and always first.
        self._add(builtin, PluginInfo("core", "medins-sdk", __version__, builtin.__name__))
        self._load_entry_points()

    def _load_entry_points(self) -> None:
        found = entry_points(group=hookspecs.PROJECT)
        for ep in sorted(found, key=lambda ep: (_distribution(ep)[0], ep.name)):
            info = PluginInfo(ep.name, *_distribution(ep), ep.value)
            if not self.autoload:
                info.status = "disabled"
            elif not self._allowed(info):
                info.status = "not allowed"
            else:
                try:
                    plugin = ep.load()
                except Exception as exc:  # a broken plugin must not break the host
                    self._fail(info, _error(exc), exc)
                else:
                    self._add(plugin, info)
                    continue
            self._records.append(_Record(info, None))

    def _allowed(self, info: PluginInfo) -> bool:
        return (
            self.allow is None
            or _normalise(info.name) in self.allow
            or _normalise(info.distribution) in self.allow
        )

    def _add(self, plugin: object, info: PluginInfo) -> None:
        plugin_id: str | None = f"{info.distribution}:{info.name}"
        try:
            self._pm.register(plugin, plugin_id)
            try:
                # A misspelt hook name would otherwise be ignored without a word.
                self._pm.check_pending()
            except pluggy.PluginValidationError:
                self._pm.unregister(name=plugin_id)
                raise
        except Exception as exc:  # invalid hook signatures, a plugin registered twice …
            self._fail(info, _error(exc), exc)
            plugin_id = None
        self._records.append(_Record(info, plugin_id))

    def _fail(self, info: PluginInfo, error: str, cause: BaseException | None) -> None:
        if self.strict:
            raise PluginError(f"plugin {info.name} ({info.label}): {error}") from cause
        info.status = "failed"
        info.errors.append(error)

    def register(
        self, plugin: object, name: str, distribution: str = "", version: str = ""
    ) -> None:
        """Register a plugin object or module directly (tests, HIS applications embedding
        the SDK); the registry is rebuilt on next use."""
        self._add(plugin, PluginInfo(name, distribution, version, _describe(plugin)))
        self._built = None

    @property
    def registry(self) -> Registry:
        """What the loaded plugins register, built on first use."""
        return self._build()[0]

    def plugins(self) -> list[PluginInfo]:
        """Every plugin found, loaded or not: the core first, then by distribution and name."""
        core, *others = self._build()[1]
        return [core, *sorted(others, key=lambda info: (info.distribution, info.name))]

    def _build(self) -> tuple[Registry, list[PluginInfo]]:
        if self._built is None:
            self._built = self._build_registry()
        return self._built

    def _build_registry(self) -> tuple[Registry, list[PluginInfo]]:
        hooks: dict[str, list[tuple[_Kind, pluggy.HookImpl]]] = defaultdict(list)
        for kind in _KINDS:
            for impl in getattr(self._pm.hook, kind.hook).get_hookimpls():
                hooks[impl.plugin_name].append((kind, impl))
        registry = Registry()
        infos: list[PluginInfo] = []
        for record in self._records:
            # Work on a copy: a rebuild after `register` starts again from the load result.
            info = replace(record.info, registers={}, errors=list(record.info.errors))
            infos.append(info)
            if record.plugin_id is not None:
                self._register_plugin(registry, info, hooks[record.plugin_id])
        for kind in _KINDS:
            named: NamedRegistry[Any] = getattr(registry, kind.attr)
            for key, owners in named.conflicts().items():
                message = named.conflict_message(key)
                if self.strict:
                    raise PluginConflictError(message)
                for owner in owners:
                    owner.errors.append(message)
        return registry, infos

    def _register_plugin(
        self,
        registry: Registry,
        info: PluginInfo,
        hooks: Iterable[tuple[_Kind, pluggy.HookImpl]],
    ) -> None:
        """Run every hook of one plugin; commit its registrations only if all succeed."""
        staged: list[tuple[_Kind, list[tuple[str, object]]]] = []
        for kind, impl in hooks:
            try:
                staged.append((kind, _collect(kind, impl)))
            except PluginError as exc:
                self._fail(info, str(exc), exc.__cause__)
        if info.status == "failed":
            return
        for kind, items in staged:
            named: NamedRegistry[object] = getattr(registry, kind.attr)
            for key, item in items:
                named._add(key, item, info)
            if items:
                info.registers[kind.attr] = [key for key, _ in items]


@cache
def get_plugin_manager() -> PluginManager:
    """The process's plugin manager, configured from the environment and loaded once."""
    return PluginManager()


def reset_plugin_manager() -> None:
    """Forget the cached manager: the next :func:`get_plugin_manager` reloads (tests)."""
    get_plugin_manager.cache_clear()
