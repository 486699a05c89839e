"""The `reclaim` command line: an edge that parses arguments and calls the domains."""
