"""`python -m reclaim` runs the command line."""

from reclaim.cli.main import app

app(prog_name="reclaim")
