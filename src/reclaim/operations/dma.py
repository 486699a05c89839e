"""District metered areas (DMAs): a set of network links whose boundary is closed by flow meters.

The nodes of a DMA are the end nodes of its links. A link of the network that is not in the DMA
but has exactly one end among those nodes crosses the boundary: water enters or leaves through
it, so it must carry a flow meter for the DMA's inflow (and its minimum night flow) to be known.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from reclaim.errors import InputError

Ends = tuple[str, str]
"""A link's start and end node ids."""


def boundary_links(links: Mapping[str, Ends], dma_links: Collection[str]) -> set[str]:
    """The links outside ``dma_links`` with one end inside the DMA and one outside."""
    inside_nodes = {node for link in dma_links for node in links[link]}
    members = set(dma_links)
    return {
        link
        for link, (start, end) in links.items()
        if link not in members and ((start in inside_nodes) != (end in inside_nodes))
    }


def check_dma(
    links: Mapping[str, Ends], dma_links: Collection[str], metered_links: Collection[str]
) -> set[str]:
    """The DMA's boundary links, once checked: every DMA link is in the network and every
    boundary link is metered; a meter elsewhere is refused too. Each refusal names the links."""
    if not dma_links:
        raise InputError("link_ids", [], "at least one link of the region's network")
    unknown = sorted(set(dma_links) - set(links))
    if unknown:
        raise InputError("link_ids", unknown, "links of the region's network model")
    boundary = boundary_links(links, dma_links)
    unmetered = sorted(boundary - set(metered_links))
    if unmetered:
        raise InputError(
            "meters",
            unmetered,
            "a registered flow meter on every link crossing the DMA's boundary (these are open)",
        )
    off_boundary = sorted(set(metered_links) - boundary)
    if off_boundary:
        raise InputError("meters", off_boundary, "meters on links that cross the boundary only")
    return boundary
