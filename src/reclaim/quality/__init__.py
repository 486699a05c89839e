"""Water-quality engine: which uses a reclaimed water is fit for, which limits fail, and the gap."""
