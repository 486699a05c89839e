"""The sections of the plan report: one renderer module per section, sharing `context`.

Each module's ``render(ctx, section)`` fills one numbered section from the plan result and the
findings `reclaim.planning.findings` judged once; none of them judges a figure itself.
"""
