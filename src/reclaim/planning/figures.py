"""Reading one figure out of the nested figures of a plan by its dotted key."""

from __future__ import annotations

from typing import Any


def lookup_figure(figures: dict[str, Any], figure: str) -> Any:
    """The figure at a dotted key such as `2030.demand.by_use.industry.baowu.m3_per_day`, or None.

    Use ids may contain dots themselves, so the longest matching key wins at each level.
    """
    node: Any = figures
    rest = figure
    while rest:
        if not isinstance(node, dict):
            return None
        match = next(
            (
                k
                for k in sorted(node, key=len, reverse=True)
                if rest == k or rest.startswith(k + ".")
            ),
            None,
        )
        if match is None:
            return None
        node = node[match]
        rest = rest[len(match) + 1 :]
    return node
