"""Probe factories of the contract suite (docs/probe-protocol.md).

This package is agno-free: the catalogue, the documents probes answer with and
the ledger. The agno implementation lives in ``agentos_contract.probes.agno``
(it needs the ``[agno]`` extra)::

    from agentos_contract.probes.agno import probe_factories

    probes = probe_factories(db)
    AgentOS(agents=[*mine, *probes.agents], teams=[*probes.teams], workflows=[*probes.workflows])
"""

from agentos_contract.probes.catalogue import (
    CATALOGUE,
    CRASH_SECRET,
    DESCRIPTION_PREFIX,
    DOCUMENT_VERSION,
    FACTORY_ERROR_SECRET,
    KINDS,
    LEDGER_MAX_TRACES,
    LEDGER_PROBE_ID,
    PRODUCED_OTHER_ID,
    PROTOCOL_VERSION,
    RAISABLE,
    RAISE_SECRET_PREFIX,
    RUN_SCOPES,
    TRACE_HEADER,
    Behaviour,
    Kind,
    ProbeDefaultsInput,
    ProbeRequiredInput,
    ProbeSpec,
    probe_spec,
    probes_of_kind,
    raise_secret,
)
from agentos_contract.probes.echo import (
    InputDescription,
    InputType,
    RequestSummary,
    context_document,
    describe_input,
    echo_document,
    ledger_document,
    render,
)
from agentos_contract.probes.ledger import LEDGER, InvocationLedger, LedgerEntry

__all__ = [
    "CATALOGUE",
    "CRASH_SECRET",
    "DESCRIPTION_PREFIX",
    "DOCUMENT_VERSION",
    "FACTORY_ERROR_SECRET",
    "KINDS",
    "LEDGER",
    "LEDGER_MAX_TRACES",
    "LEDGER_PROBE_ID",
    "PRODUCED_OTHER_ID",
    "PROTOCOL_VERSION",
    "RAISABLE",
    "RAISE_SECRET_PREFIX",
    "RUN_SCOPES",
    "TRACE_HEADER",
    "Behaviour",
    "InputDescription",
    "InputType",
    "InvocationLedger",
    "Kind",
    "LedgerEntry",
    "ProbeDefaultsInput",
    "ProbeRequiredInput",
    "ProbeSpec",
    "RequestSummary",
    "context_document",
    "describe_input",
    "echo_document",
    "ledger_document",
    "probe_spec",
    "probes_of_kind",
    "raise_secret",
    "render",
]
