"""Every field of every body in the OpenAPI document has a description and an example, so
Swagger UI, ReDoc and the web portal can explain each one."""

from __future__ import annotations

from typing import Any

from tests.market.helpers import Api


def undocumented(document: dict[str, Any]) -> list[str]:
    """`Schema.property` of every component property lacking a description or an example."""
    missing = []
    for name, schema in document["components"]["schemas"].items():
        for prop, spec in schema.get("properties", {}).items():
            if not spec.get("description") or not spec.get("examples"):
                missing.append(f"{name}.{prop}")
    return missing


def test_every_schema_field_has_a_description_and_an_example(api: Api) -> None:
    document = api.ok(api.get("/openapi.json"), 200)
    assert len(document["components"]["schemas"]) >= 40
    assert undocumented(document) == []


def test_the_login_bodies_are_documented_too(api: Api) -> None:
    document = api.ok(api.get("/openapi.json"), 200)
    login = document["paths"]["/auth/token"]["post"]["requestBody"]["content"]
    inline = {"components": {"schemas": {kind: body["schema"] for kind, body in login.items()}}}
    assert undocumented(inline) == []
