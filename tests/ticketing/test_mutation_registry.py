"""One registry of mutations: each name in ``ticketing.protocol.MutationName`` has its argument
model, a server handler, a client replay and a sync-problem text, and no other module spells a
mutation's name out."""

from __future__ import annotations

import ast
from pathlib import Path

from desktop.store.replay import REPLAYERS
from desktop.ui.shell.problems_dialog import ACTION_NAMES
from sync_server.services.sync.mutations import APPLIERS
from ticketing.protocol import MUTATION_ARGS, MutationName, mutation_name

ROOT = Path(__file__).resolve().parents[2]
NAMES = set(MutationName)


def test_every_mutation_has_arguments_that_carry_its_name() -> None:
    assert set(MUTATION_ARGS) == NAMES
    for name, args in MUTATION_ARGS.items():
        assert args.NAME is name


def test_every_mutation_has_a_server_handler_a_client_replay_and_a_problem_text() -> None:
    assert set(APPLIERS) == NAMES, "server dispatch"
    assert set(REPLAYERS) == NAMES, "client replay"
    assert set(ACTION_NAMES) == NAMES, "sync-problem texts"
    assert all(ACTION_NAMES[name].strip() for name in NAMES)


def test_unknown_names_are_told_apart() -> None:
    assert mutation_name("add_comment") is MutationName.ADD_COMMENT
    assert mutation_name("delete_everything") is None


def test_no_module_spells_a_mutation_name_but_the_registry() -> None:
    values = {name.value for name in MutationName}
    offenders = []
    for folder in ("ticketing", "sync_server", "desktop"):
        for path in (ROOT / folder).rglob("*.py"):
            if path.name == "protocol.py" and path.parent.name == "ticketing":
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Constant) and node.value in values:
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.value!r}")
    assert offenders == []
