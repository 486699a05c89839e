"""Shared fixtures of the network tests: EPANET's example networks and a hand-solved network."""

from __future__ import annotations

from pathlib import Path

import pytest
import wntr

EXAMPLES = Path(wntr.__file__).parent / "library" / "networks"

# Two loops (N1-N2-N3 and N2-N4-N3), one pump, one reservoir; SI units (L/s, m).
# The pump's 3-point curve (0, 80), (100 L/s, 60), (200 L/s, 0) is EPANET's power curve
# h = a − b·q^c through them: c = log(80/20)/log(2) = 2, b = 20 m/(0.1 m³/s)² = 2000,
# so h = 80 − 2000 q² (q in m³/s).
HAND_INP = """[TITLE]
hand-solved: two loops, one pump, one reservoir
[JUNCTIONS]
;id elev demand(L/s)
N1 150 0
N2 140 30
N3 145 25
N4 135 40
[RESERVOIRS]
R 100
[PIPES]
;id from to length(m) diameter(mm) C
P1 N1 N2 1000 300 120
P2 N1 N3 800 250 120
P3 N2 N3 600 200 110
P4 N2 N4 900 200 110
P5 N3 N4 700 150 100
[PUMPS]
PU R N1 HEAD C1
[CURVES]
C1 0 80
C1 100 60
C1 200 0
[OPTIONS]
Units LPS
Headloss H-W
Accuracy 0.0000001
Trials 200
[COORDINATES]
R 0 0
N1 100 0
N2 200 100
N3 200 -100
N4 300 0
[END]
"""


@pytest.fixture
def hand_inp(tmp_path: Path) -> Path:
    """The hand-solved network as an .inp file."""
    path = tmp_path / "hand.inp"
    path.write_text(HAND_INP, encoding="utf-8")
    return path
