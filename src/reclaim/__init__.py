"""reclaim: the reclaimed-water chain of a water-scarce city, from plan to trade."""
