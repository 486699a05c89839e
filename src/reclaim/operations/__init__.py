"""Operations: meters and sensors in, validated readings, aggregates and alerts out.

Pure logic (no I/O); files are read by `reclaim.io.operations_files`. Main entry points:

- `registry` — `Sensor`, `Registry`, `sensor_from_dict`: what each meter measures and where it is
- `validate.validate_readings` → accepted, quarantined with a reason, duplicates counted
- `aggregate.aggregate` → 15-minute, hourly, daily means and totaliser volumes
- `alerts` — vectorised rule functions over a grid of readings; `rules` — rule sets as data
- `metering` — a delivery point's daily volume from its totalisers and flow meters
- `notify` — webhook URLs checked against SSRF, bodies signed (HMAC-SHA256), retry backoff
- `lifecycle` — open → acknowledged → resolved, folding and escalation
- `water_balance` — the IWA water balance of a period (apparent and real losses, NRW)
- `losses` — UARL and ILI (Lambert), the CJJ 92-2016 漏损率 with its corrections and grade
- `data_validity` — AWWA-style 1–10 grades of a balance's inputs and the overall score
- `enterprise_balance` — an enterprise's three-level water-balance test (GB/T 12452)
"""
