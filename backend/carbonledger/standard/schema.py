"""JSON Schema of claim documents (both kinds, discriminated by ``kind``)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, TypeAdapter

from carbonledger.standard.models import FootprintClaim, ReductionClaim

SCHEMA_ID = "https://carbonledger.example/schemas/claim-1.json"


def claim_json_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of a claim document (committed as docs/claim.schema.json)."""
    adapter: TypeAdapter[Any] = TypeAdapter(
        Annotated[FootprintClaim | ReductionClaim, Field(discriminator="kind")]
    )
    schema = adapter.json_schema(mode="validation")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "CarbonLedger claim document (schema_version 1)",
        "description": "A footprint or reduction claim. Numbers are decimal strings or integers; "
        "binary floats are never allowed. Canonical form: RFC 8785; document hash: keccak-256.",
        **schema,
    }
