"""Every problem of a scenario file at once: each names its path (by id where the item has one:
`uses[road].rate_l_per_m2_day`), the value, what is allowed with an example, and, for a
misspelt key, the nearest field name of that block."""

from __future__ import annotations

import difflib
import re
import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from reclaim.errors import InputError
from reclaim.planning.scenario import Scenario, Strict

TYPE_MISMATCH = re.compile(r"_type$|_parsing$")
"""Error types that only say the value is not of one member of a union (number, mapping…)."""
UNION_MEMBER_TAG = re.compile(r"[\[\]-]|^(int|float|str|bool|none)$")
"""How pydantic names the member of a union inside an error's location (`function-before[…]`,
`dict[…]`, `constrained-float`); never a field name or a key of a scenario."""

ID_PATTERNS = {
    r"^[a-z0-9_-]+$": "lower-case letters a–z, digits, _ and -, e.g. 'small-county'",
    r"^[a-z0-9_.-]+$": "lower-case letters a–z, digits, _ . and -, e.g. 'park_2'",
    r"^[A-Za-z0-9_.-]+$": "letters, digits, _ . and -, e.g. 'P12'",
}
MEMBER_WORDS = {
    "dict_type": "one value per horizon, e.g. {2030: 1.5}",
    "list_type": "a list, e.g. [2025, 2030]",
    "float_type": "a number, e.g. 1.5",
    "float_parsing": "a number, e.g. 1.5",
    "int_type": "a whole number, e.g. 2",
    "int_parsing": "a whole number, e.g. 2",
    "int_from_float": "a whole number, e.g. 2",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "string_type": "text, e.g. 'park irrigation'",
    "model_type": "a block of fields (a mapping), e.g. {id: park, …}",
    "model_attributes_type": "a block of fields (a mapping), e.g. {id: park, …}",
}


def scenario_input_errors(error: ValidationError, data: Any) -> list[InputError]:
    """The problems pydantic found in the scenario `data`, one `InputError` each."""
    problems = _without_union_noise(error.errors())
    misspelt = _misspelt_required(problems)
    found: list[InputError] = []
    for problem in problems:
        loc = _clean(problem["loc"])
        if problem["type"] == "missing" and loc in misspelt.values():
            continue  # reported at the misspelt key
        path = field_path(loc, data)
        cause = problem.get("ctx", {}).get("error")
        if isinstance(cause, InputError):
            for part in cause.problems:
                field = part.field if path == "scenario" else f"{path}.{part.field}"
                found.append(InputError(field, part.value, part.allowed))
            continue
        value = problem.get("input")
        if problem["type"] == "missing":
            value = None
        elif isinstance(value, dict):
            value = "{…}"
        found.append(InputError(path, value, _allowed(problem, loc, misspelt.get(loc))))
    return found


def consistency_errors(error: ValidationError, data: dict[str, Any]) -> list[InputError]:
    """The checks between blocks (a use's plant, a pipe's phase, every horizon covered) run only
    once every block is valid: run them on the file without the items and optional blocks that
    failed, so that they are listed with the other errors. A problem that names a left-out item
    is not reported (it would only echo the item's own error)."""
    kept = dict(data)
    dropped: dict[str, set[int]] = {}
    for problem in error.errors():
        loc = _clean(problem["loc"])
        if not loc:
            return []
        block = str(loc[0])
        field = Scenario.model_fields.get(block)
        if isinstance(kept.get(block), list) and len(loc) > 1 and isinstance(loc[1], int):
            dropped.setdefault(block, set()).add(loc[1])  # one item of a list
        elif field is not None and field.is_required():
            return []  # a required block is itself wrong: nothing to check against
        else:
            kept.pop(block, None)  # an optional block, or an unknown key
    left_out: set[str] = set()
    for block, indexes in dropped.items():
        items = kept[block]
        left_out |= {str(items[i].get("id")) for i in indexes if isinstance(items[i], dict)}
        kept[block] = [item for i, item in enumerate(items) if i not in indexes]
    try:
        Scenario.model_validate(kept, context={"notes": []})
    except ValidationError as second:
        found = []
        for problem in second.errors():
            cause = problem.get("ctx", {}).get("error")
            if problem["loc"] == () and isinstance(cause, InputError):
                found += [p for p in cause.problems if str(p.value) not in left_out]
        return found
    return []


def field_path(loc: tuple[Any, ...], data: Any) -> str:
    """`uses[road].area_ha[2030]` for the location ("uses", 1, "area_ha", 2030): a list item
    is named by its `id` where it has one, by its index otherwise."""
    path, here = "", data
    for part in loc:
        if isinstance(part, int) and isinstance(here, list):
            item = here[part] if 0 <= part < len(here) else None
            ident = item.get("id") if isinstance(item, dict) else None
            path += f"[{ident}]" if isinstance(ident, str) and ident else f"[{part}]"
            here = item
        elif isinstance(part, int):
            path += f"[{part}]"
            here = here.get(part) if isinstance(here, dict) else None
        else:
            path += f".{part}" if path else str(part)
            here = here.get(part) if isinstance(here, dict) else None
    return path or "scenario"


def _clean(loc: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(p for p in loc if not (isinstance(p, str) and UNION_MEMBER_TAG.search(p)))


def _without_union_noise(problems: list[Any]) -> list[Any]:
    """A value checked against a union (a number or one per horizon) fails every member: keep
    the member's error that says what is wrong with it, and when the value fits no member at
    all, one error listing the members."""
    kept: list[Any] = []
    for problem in problems:
        loc = _clean(problem["loc"])
        in_union = len(loc) != len(problem["loc"])
        if in_union and TYPE_MISMATCH.search(problem["type"]):
            deeper = [
                p
                for p in problems
                if p is not problem
                and _clean(p["loc"])[: len(loc)] == loc
                and not TYPE_MISMATCH.search(p["type"])
            ]
            if deeper:
                continue
            earlier = next((k for k in kept if _clean(k["loc"]) == loc), None)
            if earlier is not None:
                earlier.setdefault("members", [earlier["type"]]).append(problem["type"])
                continue
        kept.append(dict(problem))
    return kept


def _misspelt_required(problems: list[Any]) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    """Unknown key → the missing required field of the same block it is closest to."""
    missing = [_clean(p["loc"]) for p in problems if p["type"] == "missing"]
    found: dict[tuple[Any, ...], tuple[Any, ...]] = {}
    for problem in problems:
        if problem["type"] != "extra_forbidden":
            continue
        loc = _clean(problem["loc"])
        names = [m[-1] for m in missing if m[:-1] == loc[:-1] and m not in found.values()]
        nearest = difflib.get_close_matches(str(loc[-1]), names, n=1, cutoff=0.6)
        if nearest:
            found[loc] = (*loc[:-1], nearest[0])
    return found


def _allowed(problem: Any, loc: tuple[Any, ...], required: tuple[Any, ...] | None) -> str:
    """What the field takes, with an example, in words."""
    kind, ctx = problem["type"], problem.get("ctx", {})
    if kind == "extra_forbidden":
        if required is not None:
            return f"unknown field; did you mean {required[-1]!r}? (required, missing)"
        names = sorted(_block_fields(loc[:-1]))
        nearest = difflib.get_close_matches(str(loc[-1]), names, n=1)
        hint = f"; did you mean {nearest[0]!r}?" if nearest else ""
        return f"unknown field{hint} (units go in field names, e.g. area_ha, flow_m3_per_day)"
    if kind == "missing":
        model = _block_model(loc[:-1])
        field = model.model_fields.get(str(loc[-1])) if model is not None else None
        form = _form(field.annotation) if field is not None else None
        return "required field is missing" + (f": {form}" if form else "")
    if "members" in problem:
        return " or ".join(dict.fromkeys(MEMBER_WORDS.get(m, m) for m in problem["members"]))
    if kind in MEMBER_WORDS:
        return MEMBER_WORDS[kind]
    if kind == "literal_error":
        choices = re.findall(r"'([^']*)'", ctx.get("expected", ""))
        nearest = difflib.get_close_matches(str(problem.get("input")), choices, n=1)
        hint = f"; did you mean {nearest[0]!r}?" if nearest else ""
        return f"one of {', '.join(choices)}{hint}"
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        return _bound(kind, ctx)
    if kind == "string_pattern_mismatch":
        return ID_PATTERNS.get(ctx.get("pattern", ""), f"text matching {ctx.get('pattern')}")
    if kind == "too_short":
        return f"at least {ctx.get('min_length')} item(s), e.g. [2030]"
    return str(problem["msg"]).removeprefix("Value error, ")


def _bound(kind: str, ctx: dict[str, Any]) -> str:
    bound = next(iter(ctx.values()))
    if kind == "less_than_equal" and bound == 1:
        return "a share from 0 to 1, e.g. 0.85 or '85 %'"
    sign, example = {
        "greater_than_equal": ("≥", bound),
        "less_than_equal": ("≤", bound),
        "greater_than": (">", bound + 1),
        "less_than": ("<", bound / 2 if bound > 0 else bound - 1),
    }[kind]
    return f"a number {sign} {bound:g}, e.g. {example:g}"


def _block_fields(loc: tuple[Any, ...]) -> set[str]:
    """The field names of the block at `loc` (a use, a plant…), or of every block when the
    location does not lead to one."""
    model = _block_model(loc)
    if model is None:
        return _all_field_names()
    return set(model.model_fields) | set(getattr(model, "renamed_fields", {}))


def _block_model(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The schema class of the block at `loc` (`Use` for ("uses", 2)), if it leads to one."""
    model: type[BaseModel] | None = Scenario
    for part in loc:
        if isinstance(part, str) and model is not None and part in model.model_fields:
            model = _inner_model(model.model_fields[part].annotation)
    return model


def _form(annotation: Any) -> str | None:
    """What a field's type takes, in words with an example (None when it is not simple)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _form(typing.get_args(annotation)[0])
    if origin is typing.Literal:
        return f"one of {', '.join(map(str, typing.get_args(annotation)))}"
    if origin is dict:
        return MEMBER_WORDS["dict_type"]
    if origin is list:
        return MEMBER_WORDS["list_type"]
    if _inner_model(annotation) is not None:
        return MEMBER_WORDS["model_type"]
    words = {str: "string_type", int: "int_type", float: "float_type", bool: "bool_type"}
    return MEMBER_WORDS[words[annotation]] if annotation in words else None


def _inner_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType, list, typing.Annotated):
        for argument in typing.get_args(annotation):
            model = _inner_model(argument)
            if model is not None:
                return model
    return None


def _all_field_names() -> set[str]:
    names: set[str] = set()
    blocks: list[type[Strict]] = [Strict]
    while blocks:
        block = blocks.pop()
        names |= set(block.model_fields) | set(block.renamed_fields)
        blocks += block.__subclasses__()
    return names
