"""Exports of a region's tables as CSV and XLSX: rows and totals equal what the test traded
(summed by hand), each header names its unit, money stays exact, the caller gets only what the
list routes give it, and a party name written as a formula stays text."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.market.helpers import AFTER_AUTUMN_2021, Api

INJECTION = '=HYPERLINK("http://evil.example","open me")'
"""A party's display name that a spreadsheet would run as a formula if written raw."""
PRICE = "2.60"
DELIVERED = (("2021-10-01", 1000), ("2021-10-02", 1200), ("2021-10-03", 900))
# billed at 2.60 元/m³: 1000 × 2.60 = 2600.00, 1200 × 2.60 = 3120.00, 900 × 2.60 = 2340.00
AMOUNTS = (Decimal("2600.00"), Decimal("3120.00"), Decimal("2340.00"))
TOTAL_YUAN = Decimal("8060.00")  # 2600 + 3120 + 2340
TOTAL_M3 = 3100  # 1000 + 1200 + 900
HEADER = re.compile(r"^[a-z_]+ \(.+\)$")


def trade(api: Api) -> dict[str, Any]:
    """Shuozhou with a plant run by `operator`, a right of `seller` sold to `buyer` (whose
    display name is a formula), and three deliveries billed at once."""
    region = api.add_region("shuozhou", "朔州", publicity_days=5)["id"]
    api.add_party("operator", "seller")
    api.add_party("seller", "seller")
    api.add_party("buyer", "buyer", use_class="industrial", display_name=INJECTION)
    api.add_party("bystander", "buyer", use_class="industrial")
    plant = {"name": "No. 1", "sewage_treated_m3_per_day": 40_000}
    plant |= {"reclaimed_capacity_m3_per_day": 32_000, "operator_id": api.ids["operator"]}
    plant_id = api.ok(api.post(f"/regions/{region}/plants", "regulator", plant))["id"]
    term = {"term_start": "2021-09-01", "term_end": "2026-09-01"}
    right = {"holder_id": api.ids["seller"], "plant_id": plant_id, "use_class": "industrial"}
    right |= {"annual_volume_m3": 1_000_000, "daily_max_m3": 5_000, **term}
    right_id = api.ok(api.post("/rights", "regulator", right))["id"]
    listing = {"right_id": right_id, "mode": "fixed", "annual_volume_m3": 1_000_000}
    listing |= {"daily_max_m3": 5_000, "delivery_point": "gate", "reserve_yuan_per_m3": PRICE}
    listing_id = api.ok(api.post("/listings", "seller", listing | term))["id"]
    deal = api.ok(api.post(f"/listings/{listing_id}/accept", "buyer"))
    api.clock.advance(days=5)
    api.ok(api.post(f"/deals/{deal['id']}/approve", "regulator"), 200)
    contract = api.ok(api.post(f"/deals/{deal['id']}/conclude", "buyer"))
    api.clock.now = AFTER_AUTUMN_2021
    for day, volume in DELIVERED:
        body = {"day": day, "volume_m3": volume}
        api.ok(api.post(f"/contracts/{contract['id']}/deliveries", "operator", body))
    return {"region": region, "contract": contract["id"], "deal": deal["id"]}


def export(api: Api, region: int, name: str, who: str | None, **period: str) -> Any:
    return api.get(f"/regions/{region}/exports/{name}", who, **period)


def csv_rows(response: Any) -> tuple[list[str], list[dict[str, str]]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    reader = csv.reader(io.StringIO(response.content.decode("utf-8-sig")))
    header, *rows = list(reader)
    return header, [dict(zip(header, row, strict=True)) for row in rows]


def xlsx_rows(response: Any) -> tuple[list[str], list[list[Any]]]:
    assert response.status_code == 200, response.text
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    header, *rows = [list(row) for row in sheet.iter_rows()]
    return [str(cell.value) for cell in header], rows


def test_bills_and_deliveries_add_up_to_what_was_traded(api: Api) -> None:
    world = trade(api)
    region = world["region"]
    header, bills = csv_rows(export(api, region, "bills.csv", "regulator"))
    assert all(HEADER.match(name) for name in header), header
    assert "amount (元)" in header and "price (元/m³)" in header and "volume (m³)" in header
    assert [Decimal(b["amount (元)"]) for b in bills] == list(AMOUNTS)
    assert sum(Decimal(b["amount (元)"]) for b in bills) == TOTAL_YUAN
    assert sum(int(b["volume (m³)"]) for b in bills) == TOTAL_M3
    for bill in bills:  # the split adds up to the amount exactly, to the fen
        parts = ("exchange_fee (元)", "treatment_feedback (元)", "seller_net (元)")
        assert sum(Decimal(bill[p]) for p in parts) == Decimal(bill["amount (元)"])
    # the same bills as XLSX: numbers with two decimals, headers with their units
    header, rows = xlsx_rows(export(api, region, "bills.xlsx", "regulator"))
    amount = header.index("amount (元)")
    assert [c[amount].number_format for c in rows] == ["#,##0.00"] * len(AMOUNTS)
    total = sum(Decimal(str(c[amount].value)).quantize(Decimal("0.01")) for c in rows)
    assert total == TOTAL_YUAN
    # the deliveries of 2 and 3 October only: 1200 + 900 = 2100 m³
    period = {"from": "2021-10-02", "to": "2021-10-03"}
    _, days = csv_rows(export(api, region, "deliveries.csv", "regulator", **period))
    assert [d["day (date, ISO 8601)"] for d in days] == ["2021-10-02", "2021-10-03"]
    assert sum(int(d["volume (m³)"]) for d in days) == 2100
    # the ledger: four postings per bill that sum to zero; the buyer paid 8060.00 元
    _, ledger = csv_rows(export(api, region, "ledger.csv", "regulator"))
    assert len(ledger) == 4 * len(DELIVERED)
    assert sum(Decimal(e["amount (元)"]) for e in ledger) == 0
    buyer = f"party:{api.ids['buyer']}"
    assert sum(Decimal(e["amount (元)"]) for e in ledger if e["account (text)"] == buyer) == (
        -TOTAL_YUAN
    )
    _, deals = csv_rows(export(api, region, "deals.csv", "buyer"))
    assert [d["price (元/m³)"] for d in deals] == [PRICE]


@pytest.mark.parametrize("table", ["rights", "deals", "contracts", "deliveries", "bills"])
def test_a_party_exports_only_its_own_rows(api: Api, table: str) -> None:
    world = trade(api)
    _, mine = csv_rows(export(api, world["region"], f"{table}.csv", "buyer"))
    _, none = csv_rows(export(api, world["region"], f"{table}.csv", "bystander"))
    assert mine and none == []


def test_a_wrong_side_caller_is_refused(api: Api) -> None:
    world = trade(api)
    region = world["region"]
    lingshi = api.ok(api.post("/regions", "admin", {"code": "lingshi", "name": "灵石"}))["id"]
    api.add_party("lingshi_reg", "regulator", by="admin")
    api.assign("lingshi_reg", lingshi)
    elsewhere = export(api, region, "bills.csv", "lingshi_reg")
    assert elsewhere.status_code == 403 and elsewhere.json()["field"] == "region_id"
    assert "amount" not in elsewhere.text
    ledger = export(api, region, "ledger.xlsx", "buyer")
    assert ledger.status_code == 403 and ledger.json()["field"] == "table"
    assert export(api, region, "bills.csv", None).status_code == 401
    assert export(api, region, "bills.csv", "admin").status_code == 403


def test_an_unknown_table_or_format_is_refused_naming_it(api: Api) -> None:
    region = trade(api)["region"]
    for name, field, value in (
        ("accounts.csv", "table", "accounts"),
        ("bills.exe", "format", "exe"),
        ("bills", "format", ""),
        ("rights;drop table.csv", "table", "rights;drop table"),
    ):
        refused = export(api, region, name, "regulator")
        assert refused.status_code == 422, (name, refused.text)
        body = refused.json()
        assert (body["field"], body["value"]) == (field, value), body
        assert body["reason"]
    period = {"from": "2021-10-03", "to": "2021-10-01"}
    backwards = export(api, region, "bills.csv", "regulator", **period)
    assert backwards.status_code == 422 and backwards.json()["field"] == "to"


def test_a_formula_in_a_party_name_stays_text(api: Api) -> None:
    region = trade(api)["region"]
    _, deals = csv_rows(export(api, region, "deals.csv", "regulator"))
    assert [d["buyer (text)"] for d in deals] == ["'" + INJECTION]
    header, rows = xlsx_rows(export(api, region, "deals.xlsx", "regulator"))
    cell = rows[0][header.index("buyer (text)")]
    assert cell.value == "'" + INJECTION and cell.data_type == "s"
    _, bills = csv_rows(export(api, region, "bills.csv", "regulator"))
    assert {b["buyer (text)"] for b in bills} == {"'" + INJECTION}
