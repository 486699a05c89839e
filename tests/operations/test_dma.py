"""DMA boundaries on a small network drawn by hand.

    R --L1-- A --L2-- B --L3-- C --L4-- D
                      |
                      L5
                      |
                      E --L6-- F

A DMA of L3 and L4 has the nodes B, C and D; the links with exactly one end among them are L2
(A–B) and L5 (B–E): those two cross its boundary. L1 and L6 touch none of its nodes.
"""

from __future__ import annotations

import pytest

from reclaim.errors import InputError
from reclaim.operations.dma import boundary_links, check_dma

LINKS = {
    "L1": ("R", "A"),
    "L2": ("A", "B"),
    "L3": ("B", "C"),
    "L4": ("C", "D"),
    "L5": ("B", "E"),
    "L6": ("E", "F"),
}


def test_the_boundary_is_the_links_with_one_end_inside() -> None:
    assert boundary_links(LINKS, ["L3", "L4"]) == {"L2", "L5"}
    # adding L5 moves E inside: L6 now crosses instead of L5
    assert boundary_links(LINKS, ["L3", "L4", "L5"]) == {"L2", "L6"}
    # the whole network has no boundary
    assert boundary_links(LINKS, list(LINKS)) == set()


def test_an_open_boundary_is_refused_naming_the_unmetered_links() -> None:
    with pytest.raises(InputError) as refused:
        check_dma(LINKS, ["L3", "L4"], ["L2"])
    assert (refused.value.field, refused.value.value) == ("meters", ["L5"])
    assert check_dma(LINKS, ["L3", "L4"], ["L2", "L5"]) == {"L2", "L5"}


def test_unknown_links_and_meters_off_the_boundary_are_refused() -> None:
    with pytest.raises(InputError) as unknown:
        check_dma(LINKS, ["L3", "L9"], [])
    assert (unknown.value.field, unknown.value.value) == ("link_ids", ["L9"])
    with pytest.raises(InputError) as inside:
        check_dma(LINKS, ["L3", "L4"], ["L2", "L5", "L3"])
    assert (inside.value.field, inside.value.value) == ("meters", ["L3"])
