"""The README's curl session runs as written against the demo exchange.

The lines of its `sh` block are read from the README and run here: each `curl` becomes the same
request to the app (through TestClient), `jq -r` paths pick fields of the answers, and `date`
reads the service's clock, so the README cannot drift from what the API accepts.
"""

from __future__ import annotations

import json
import re
import shlex
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from reclaim.io.market_data import load_price_schedules
from reclaim.service.demo import seed_demo
from tests.market.helpers import Api

README = Path(__file__).resolve().parents[2] / "README.md"
SECTION = "### A first session with curl"
DEMO_PASSWORD = "reclaim-demo"
ASSIGNMENT = re.compile(r"^([A-Z_]+)=(.*)$")
SUBSTITUTION = re.compile(r"^\$\((.*)\)$")
JQ_PATH = re.compile(r"\.\[(\d+)\]|\.([a-z_]+)")
DATE = re.compile(r"^date -u -d '\+(\d+) days' (\+\S+)$")


def session_lines() -> list[str]:
    """The commands of the README's curl session, in order."""
    section = README.read_text(encoding="utf-8").split(SECTION, 1)[1]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    return [line for line in block.splitlines() if line.strip()]


def jq(document: Any, path: str) -> str:
    """`jq -r PATH` for the paths the README uses (`.key`, `.[0].key`)."""
    value = document
    for index, key in JQ_PATH.findall(path):
        value = value[int(index)] if index else value[key]
    return str(value)


class Shell:
    """Runs the README's lines: variables, `curl`, `echo "$X" | jq -r`, `date -u -d`."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self.variables: dict[str, str] = {}
        self.answers: list[httpx.Response] = []

    def expand(self, text: str) -> str:
        """A word with each `$NAME` replaced by the variable's value (no `$` of the README
        stands inside single quotes)."""
        return re.sub(r"\$([A-Z_]+)", lambda m: self.variables[m.group(1)], text)

    def curl(self, words: list[str]) -> str:
        """Send the request a `curl -s URL [-H header]… [-d data]…` would send."""
        url, headers, data = "", {}, []
        options = iter(words[1:])
        for word in options:
            if word == "-H":
                name, value = next(options).split(": ", 1)
                headers[name] = value
            elif word == "-d":
                data.append(next(options))
            elif word != "-s":
                url = word
        base = self.variables["BASE"]
        assert url.startswith(base), url
        if data:  # curl -d: a POST, form-encoded unless the command says otherwise
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
            answer = self.api.client.post(
                url[len(base) :], content="&".join(data).encode(), headers=headers
            )
        else:
            answer = self.api.client.get(url[len(base) :], headers=headers)
        assert answer.status_code < 300, (url, answer.text)
        self.answers.append(answer)
        return str(answer.text)

    def run(self, command: str) -> str:
        """Output of one command or pipeline."""
        stages = [stage.strip() for stage in command.split(" | ")]
        first = [self.expand(word) for word in shlex.split(stages[0])]
        date = DATE.match(stages[0])
        if date is not None:
            moment = self.api.clock() + timedelta(days=int(date.group(1)))
            output = moment.strftime(date.group(2)[1:])
        elif first[0] == "curl":
            output = self.curl(first)
        else:
            assert first[0] == "echo", command
            output = first[1]
        for stage in stages[1:]:
            words = shlex.split(stage)
            assert words[:2] == ["jq", "-r"], stage
            output = jq(json.loads(output), words[2])
        return output

    def line(self, line: str) -> None:
        """Run one line of the session."""
        assignment = ASSIGNMENT.match(line)
        if assignment is None:
            self.run(line)
            return
        name, value = assignment.groups()
        substitution = SUBSTITUTION.match(value)
        self.variables[name] = value if substitution is None else self.run(substitution.group(1))


def test_the_readme_curl_session_runs_as_written(api: Api) -> None:
    schedules = set(load_price_schedules())
    api.db.run(lambda s: seed_demo(s, api.rules, schedules, DEMO_PASSWORD, api.clock()))
    shell = Shell(api)
    lines = session_lines()
    assert any("grant_type=password" in line for line in lines)
    for line in lines:
        shell.line(line)
    bid = shell.answers[-1].json()
    assert shell.answers[-1].status_code == 201
    assert bid["listing_id"] == int(shell.variables["LISTING"])
    assert bid["price_yuan_per_m3"] == "2.80"
    closes = datetime.fromisoformat(shell.variables["CLOSES"])
    assert closes == (api.clock() + timedelta(days=2)).replace(microsecond=0)
    rights = json.loads(shell.variables["RIGHTS"])
    assert [right["annual_volume_m3"] for right in rights] == [7_200_000]  # the demo right
