"""A service's view published as a response schema (``api.models.published``): its fields
declared once, in the service, under the name the OpenAPI document gives it."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from pydantic import BaseModel, Field, ValidationError

from carbonledger.api.models import published


@dataclass(frozen=True)
class Outcome:
    tx_hash: str
    approvals: int | None = None
    events: list[str] = field(default_factory=list)


@published(approvals="Approvals so far.")
class OutcomeOut(Outcome):
    pass


class Page(BaseModel):
    items: list[OutcomeOut]


def test_a_published_view_has_every_field_required_without_defaults_and_its_descriptions() -> None:
    schema = Page.model_json_schema(mode="serialization")["$defs"]["OutcomeOut"]
    assert schema["required"] == ["tx_hash", "approvals", "events"]
    assert all("default" not in p for p in schema["properties"].values())
    assert schema["properties"]["approvals"]["description"] == "Approvals so far."
    assert "description" not in schema  # the dataclass's generated docstring is not published


def test_a_published_view_is_validated_and_serialised_as_the_view() -> None:
    out = OutcomeOut(**vars(Outcome("0xab", 1, ["ProposalApproved"])))
    assert Page(items=[out]).model_dump() == {
        "items": [{"tx_hash": "0xab", "approvals": 1, "events": ["ProposalApproved"]}]
    }
    with pytest.raises(ValidationError):
        OutcomeOut(tx_hash=1)  # type: ignore[arg-type]


@published()
class Published(Outcome):
    events: list[str] = Field(default_factory=list, exclude=True)


def test_a_field_the_subclass_excludes_is_neither_in_the_schema_nor_in_the_answer() -> None:
    out = Published(**vars(Outcome("0xab", 1, ["ProposalApproved"])))

    class One(BaseModel):
        item: Published

    assert One(item=out).model_dump() == {"item": {"tx_hash": "0xab", "approvals": 1}}
    defs = One.model_json_schema(mode="serialization")["$defs"]["Published"]
    assert defs["required"] == ["tx_hash", "approvals"]


def test_a_description_of_a_field_the_view_lacks_is_refused() -> None:
    with pytest.raises(TypeError, match="no field approval"):

        @published(approval="misspelt")
        class Misspelt(Outcome):
            pass
