"""The probe catalogue matches the table of docs/probe-protocol.md section 3."""

from __future__ import annotations

import pytest

from agentos_contract.probes import (
    CATALOGUE,
    DESCRIPTION_PREFIX,
    Behaviour,
    ProbeDefaultsInput,
    ProbeRequiredInput,
    probe_spec,
    probes_of_kind,
)

# Written out from the protocol table, not derived from the code under test.
EXPECTED_IDS = {
    *(
        f"probe-{kind}-{suffix}"
        for kind in ("agent", "team", "workflow")
        for suffix in (
            "echo",
            "echo-async",
            "required",
            "defaults",
            "scope",
            "scope-required",
            "crash",
            "factory-error",
            "wrong-type",
            "id-mismatch",
            "pause",
            "pause-required",
            "raise",
            "raise-async",
        )
    ),
    "probe-agent-pause-defaults",
    "probe-team-pause-defaults",
    "probe-agent-prototype",
    "probe-ledger",
}


def test_catalogue_holds_exactly_the_protocol_ids_once_each() -> None:
    ids = [spec.id for spec in CATALOGUE]
    assert len(ids) == len(set(ids))
    assert set(ids) == EXPECTED_IDS


def test_every_probe_is_recognisable_by_id_and_description() -> None:
    for spec in CATALOGUE:
        assert spec.id.startswith("probe-")
        assert spec.description.startswith(DESCRIPTION_PREFIX)


@pytest.mark.parametrize(
    ("probe_id", "is_async", "schema", "behaviour"),
    [
        ("probe-agent-echo", False, None, Behaviour.ECHO),
        ("probe-team-echo-async", True, None, Behaviour.ECHO),
        ("probe-workflow-raise", False, None, Behaviour.RAISE),
        ("probe-agent-raise-async", True, None, Behaviour.RAISE),
        ("probe-workflow-required", False, ProbeRequiredInput, Behaviour.ECHO),
        ("probe-agent-defaults", True, ProbeDefaultsInput, Behaviour.ECHO),
        ("probe-team-scope-required", False, ProbeRequiredInput, Behaviour.SCOPE),
        ("probe-workflow-pause-required", False, ProbeRequiredInput, Behaviour.PAUSE),
        ("probe-team-pause-defaults", False, ProbeDefaultsInput, Behaviour.PAUSE),
        ("probe-agent-prototype", False, None, Behaviour.PROTOTYPE),
        ("probe-ledger", False, None, Behaviour.LEDGER),
    ],
)
def test_catalogue_rows(probe_id: str, is_async: bool, schema: type | None, behaviour: Behaviour) -> None:
    spec = probe_spec(probe_id)
    assert (spec.is_async, spec.input_schema, spec.behaviour) == (is_async, schema, behaviour)


def test_scopes_per_kind() -> None:
    assert probe_spec("probe-agent-scope").scope == "agents:run"
    assert probe_spec("probe-team-scope").scope == "teams:run"
    assert probe_spec("probe-workflow-scope").scope == "workflows:run"


def test_only_the_prototype_is_not_a_factory() -> None:
    assert [spec.id for spec in CATALOGUE if not spec.is_factory] == ["probe-agent-prototype"]


def test_kinds_partition_the_catalogue() -> None:
    by_kind = [spec for kind in ("agent", "team", "workflow") for spec in probes_of_kind(kind)]
    assert sorted(spec.id for spec in by_kind) == sorted(spec.id for spec in CATALOGUE)


def test_unknown_probe_id_names_itself() -> None:
    with pytest.raises(KeyError, match="probe-agent-nope"):
        probe_spec("probe-agent-nope")


def test_input_schemas_as_the_protocol_defines_them() -> None:
    assert ProbeRequiredInput.model_json_schema()["required"] == ["tenant"]
    assert ProbeRequiredInput(tenant="t").depth == 1
    assert ProbeDefaultsInput().model_dump() == {"persona": "analyst", "depth": 3}
    with pytest.raises(ValueError, match="persona"):
        ProbeDefaultsInput.model_validate({"persona": "bogus"})


def test_raise_probes_raise_every_row_of_the_suites_exception_table() -> None:
    from agentos_contract.probes import RAISABLE, raise_secret
    from agentos_contract.spec import EXCEPTIONS_BY_NAME, leaked_secret

    assert set(RAISABLE) == set(EXCEPTIONS_BY_NAME)
    assert all(leaked_secret(raise_secret(name)) for name in RAISABLE)
