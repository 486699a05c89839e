"""The audit's repeated-pipe check: which rows repeat an earlier phase's row, in one pass."""

from __future__ import annotations

from reclaim.planning.audit import repeated_pipes
from reclaim.planning.scenario import Pipe, Scenario


def pipe(ident: str, road: str, phase: int, length_m: float = 500.0, dn_mm: int = 300) -> Pipe:
    return Pipe(id=ident, road=road, dn_mm=dn_mm, length_m=length_m, phase=phase)


def test_each_later_repeat_names_the_earliest_row(shuozhou: Scenario) -> None:
    table = [
        pipe("c", "建设路", 2035),  # listed first, yet a repeat of the 2025 row below
        pipe("a", "建设路", 2025),
        pipe("b", "建设路", 2030),
        pipe("d", "建设路", 2030, length_m=501.0),  # another length: a different pipe
        pipe("e", "建设路", 2030, dn_mm=400),  # another DN: a different pipe
        pipe("f", "新华街", 2025),
        pipe("g", "新华街", 2025),  # same phase: not a later repeat
    ]
    found = repeated_pipes(shuozhou.model_copy(update={"pipes": table}))
    # worked by hand: c and b repeat a (2025); nothing else has an earlier twin
    assert [(d.figure, d.computed) for d in found] == [
        ("pipes.c", "repeats pipes.a (2025)"),
        ("pipes.b", "repeats pipes.a (2025)"),
    ]


def test_a_long_table_of_repeats_is_one_pass(shuozhou: Scenario) -> None:
    phases = (2025, 2030)
    table = [pipe(f"p{i}", f"road {i % 1000}", phases[i // 1000]) for i in range(2000)]
    found = repeated_pipes(shuozhou.model_copy(update={"pipes": table}))
    assert len(found) == 1000  # rows 1000…1999 repeat rows 0…999, one each
    assert found[0].computed == "repeats pipes.p0 (2025)"
