# mypy: disable-error-code="empty-body"
"""Every hook a medins-sdk plugin can implement; nothing else.

Plugins are found through the entry-point group ``medins_sdk``. Each entry point names a
module (or object) whose functions are decorated with :data:`hookimpl`::

    # pyproject.toml
    [project.entry-points.medins_sdk]
    beijing-drg = "medins_plugin_beijing_drg.plugin"

    # medins_plugin_beijing_drg/plugin.py
    from medins_sdk.hookspecs import hookimpl

    @hookimpl
    def medins_register_schemes():
        return [PaymentScheme(name="beijing-drg-2022", ...)]

All hooks here are **registration hooks**: each returns the named things a plugin
contributes, every plugin's results are collected (none is "first result"), and the host
selects among them by name or by (region, date) through
:class:`medins_sdk.plugins.Registry`, never by hook call order. Two plugins registering the
same name is an error naming both distributions. A hook that raises marks its plugin as
failed and nothing of that plugin is registered; the other plugins keep working.

Compatibility: hooks gain keyword arguments rather than changing; removals go through a
deprecation warning first.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from medins_sdk.audit import AuditRule, KnowledgePack
    from medins_sdk.clients import ClientFactory
    from medins_sdk.codes.maps import CodeMap
    from medins_sdk.commands import Command
    from medins_sdk.io.formats import DocumentReader, RecordFormat
    from medins_sdk.reconcile import ClearingCategory, StatementReader
    from medins_sdk.schemes import Grouper, PaymentScheme, Pricer

PROJECT = "medins_sdk"
"""The pluggy project name and the entry-point group plugins register under."""

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)
"""Decorator for a plugin's hook implementations."""


# -- grouping and pricing ---------------------------------------------------------------


@hookspec
def medins_register_schemes() -> Iterable[PaymentScheme]:
    """Payment schemes this plugin provides.

    A scheme names its grouper and pricer (registered through the hooks below, by this or
    any other plugin), its region code and effective dates. Collected from every plugin;
    selected by name (a ``--scheme NAME`` option) or by region and date.

    :return: :class:`medins_sdk.schemes.PaymentScheme` objects with unique names.

    .. versionadded:: 0.1
    """


@hookspec
def medins_register_groupers() -> Iterable[Grouper]:
    """Groupers (DRG, DIP, fixed-rate channels …) this plugin provides.

    Collected from every plugin; a scheme selects one by its ``name``.

    :return: objects satisfying :class:`medins_sdk.schemes.Grouper`.

    .. versionadded:: 0.1
    """


@hookspec
def medins_register_pricers() -> Iterable[Pricer]:
    """Pricers this plugin provides.

    Collected from every plugin; a scheme selects one by its ``name``.

    :return: objects satisfying :class:`medins_sdk.schemes.Pricer`.

    .. versionadded:: 0.1
    """


# -- auditing -----------------------------------------------------------------------------


@hookspec
def medins_register_audit_rules() -> Iterable[AuditRule]:
    """Audit rules this plugin provides (事前 / 事中 / 事后).

    Collected from every plugin; rules are unique by ``id`` and run set-based: no rule
    sees another's result or the order plugins were loaded in. A rule declares its name,
    description, stages, severity, scope, source, parameters and the knowledge tables it
    reads, and checks one encounter with ``check(case, params)``; a rule over a patient's
    history or a batch also implements ``check_batch`` (:class:`medins_sdk.audit.BatchRule`).
    The core registers the national rule set (``medins audit rules`` lists every rule).

    :return: objects satisfying :class:`medins_sdk.audit.AuditRule`.

    .. versionadded:: 0.1
    """


@hookspec
def medins_register_knowledge_packs() -> Iterable[KnowledgePack]:
    """Knowledge packs (restricted drugs, price ceilings, exclusive items …) for audit rules.

    Collected from every plugin; unique by ``name``. Packs merge entry by entry (a pack with
    a region overrides a national one) and may switch rules off or override their parameters
    (``"<rule id>:<parameter>"`` in the manifest's parameters; see ``docs/audit.md``).

    :return: :class:`medins_sdk.audit.KnowledgePack` objects.

    .. versionadded:: 0.1
    """


# -- reconciliation -------------------------------------------------------------------------


@hookspec
def medins_register_clearing_categories() -> Iterable[ClearingCategory]:
    """Clearing categories (清算类别) of a region, e.g. 省本机关, 异地住院.

    Collected from every plugin; unique by region and code.

    :return: :class:`medins_sdk.reconcile.ClearingCategory` objects.

    .. versionadded:: 0.1
    """


@hookspec
def medins_register_statement_readers() -> Iterable[StatementReader]:
    """Readers of a bureau's statement files (对账单).

    Collected from every plugin; selected by ``name``.

    :return: objects satisfying :class:`medins_sdk.reconcile.StatementReader`.

    .. versionadded:: 0.1
    """


# -- adapters ---------------------------------------------------------------------------------


@hookspec
def medins_register_formats() -> Iterable[RecordFormat]:
    """JSON record formats this plugin reads and writes (a vendor's JSON shape …).

    Collected from every plugin; detection scores every format and picks the best fit,
    ``--input-format NAME`` forces one.

    :return: objects satisfying :class:`medins_sdk.io.formats.RecordFormat`.

    .. versionadded:: 0.1
    """


@hookspec
def medins_register_readers() -> Iterable[DocumentReader]:
    """File-level readers for non-JSON inputs (CDA XML, vendor CSV …).

    Collected from every plugin; chosen by ``--input-format NAME`` or by file suffix.

    :return: objects satisfying :class:`medins_sdk.io.formats.DocumentReader`.

    .. versionadded:: 0.1
    """


@hookspec
def medins_register_clients() -> Iterable[ClientFactory]:
    """Client factories for remote systems (the national platform, a vendor's server …).

    Collected from every plugin; selected by ``name``.

    :return: objects satisfying :class:`medins_sdk.clients.ClientFactory`.

    .. versionadded:: 0.1
    """


@hookspec
def medins_register_code_maps() -> Iterable[CodeMap]:
    """Code crosswalks (clinical → insurance editions, a province's own edition …).

    Collected from every plugin; unique by ``name``.

    :return: :class:`medins_sdk.codes.maps.CodeMap` objects.

    .. versionadded:: 0.1
    """


# -- command line -------------------------------------------------------------------------------


@hookspec
def medins_register_commands() -> Iterable[Command]:
    """``medins`` verbs this plugin adds (``report maternity`` is a sub-command of ``report``).

    Collected from every plugin; unique by ``name``.

    :return: objects satisfying :class:`medins_sdk.commands.Command`.

    .. versionadded:: 0.1
    """
