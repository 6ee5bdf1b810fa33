"""``/pact``: a firm publishes PACT footprints and manages its partners' PACT credentials.

The PACT host API itself (``/3/footprints``, ``/3/events``, its OAuth2 ``/auth/token``) is a
separate HTTPS app (:mod:`carbonledger.pact.host`) on ``pact_port``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from carbonledger.api.deps import running
from carbonledger.api.errors import ERROR_RESPONSES
from carbonledger.api.routes.claims import message_to_sign
from carbonledger.auth.fastapi import CurrentMember
from carbonledger.pact.service import PactService
from carbonledger.services.errors import InvalidRequest

router = APIRouter(prefix="/pact", tags=["pact"], responses={401: ERROR_RESPONSES[401]})


async def get_pact(request: Request) -> PactService:
    pact: PactService = running(request, "pact", "the PACT host is not running")
    return pact


PactDep = Annotated[PactService, Depends(get_pact)]


class PublishIn(BaseModel):
    footprint: dict[str, Any] = Field(description="The PACT v3 ProductFootprint.")
    signature: str = Field(description="The firm's EIP-712 signature over the anchor claim.")
    nonce: int = Field(ge=0)
    deadline: int = Field(ge=0)
    derived_from: list[str] = Field(default_factory=list, description="Cited claim ids.")


class Callback(BaseModel):
    url: str = Field(description="The partner's PACT base URL (https), where /3/events is.")
    client_id: str = Field(description="The credentials the partner issued to this firm.")
    client_secret: str
    ca_pem: str | None = Field(None, description="The partner host's CA certificate (PEM).")


class ClientIn(BaseModel):
    partner: str = Field(description="Who the credentials are for.")
    all_footprints: bool = Field(False, description="Read every footprint of the firm.")
    footprints: list[str] = Field(default_factory=list, description="pfIds it may read.")
    callback: Callback | None = Field(None, description="Where the partner receives events.")


class Answer(BaseModel):
    footprints: list[str] = Field(default_factory=list, description="Fulfil with these pfIds.")
    error: dict[str, str] | None = Field(None, description='Reject: {"code", "message"}.')


class AnswerOut(BaseModel):
    request: int = Field(description="The request's seq.")
    state: str = Field(description="fulfilled | rejected")
    event: str = Field(description="The id of the RequestFulfilled/RequestRejected event.")
    delivery: str = Field(
        description="sent: the partner's /3/events took it; pending: it did not (yet), the "
        "relay retries it; failed: given up"
    )
    error: str | None = Field(description="Why the last attempt to send it failed.")


class ActivitiesIn(BaseModel):
    activities: list[dict[str, Any]] = Field(
        description="iLEAP TransportActivityData objects (see `carbonledger pact activities`)."
    )
    clients: list[str] = Field(
        default_factory=list, description="Client ids that may read them; none: every client."
    )


class GrantIn(BaseModel):
    footprints: list[str]
    allow: bool = True


def _hex(value: str) -> bytes:
    text = value[2:] if value.startswith("0x") else value
    try:
        return bytes.fromhex(text)
    except ValueError:
        raise InvalidRequest(
            "signature: not hex", [{"field": "signature", "message": "must be 0x + hex digits"}]
        ) from None


class CheckIn(BaseModel):
    footprint: dict[str, Any] = Field(description="The PACT v3 ProductFootprint.")


class AnchorOut(BaseModel):
    claim_id: str
    claim: dict[str, Any] = Field(
        description="The EIP-712 Claim message that anchors the footprint, without nonce and "
        "deadline (types and domain in GET /chain); bytes32 values are 0x-hex."
    )


@router.post("/footprints/check", response_model=AnchorOut, responses={422: ERROR_RESPONSES[422]})
def check_footprint(body: CheckIn, pact: PactDep, member: CurrentMember) -> AnchorOut:
    """The dry run of publishing: the footprint checked as POST /pact/footprints checks it,
    and the anchor claim the firm signs for it. Nothing is signed, stored or sent."""
    claim = pact.anchor_message(member.account, body.footprint)
    return AnchorOut(claim_id="0x" + claim.claim_id.hex(), claim=message_to_sign(claim))


@router.post("/footprints", status_code=201)
def publish(body: PublishIn, pact: PactDep, member: CurrentMember) -> dict[str, Any]:
    """Publish a footprint signed by the firm: checked, anchored on chain, stored in the vault."""
    return pact.publish(
        member.account,
        body.footprint,
        _hex(body.signature),
        nonce=body.nonce,
        deadline=body.deadline,
        derived_from=body.derived_from,
    )


@router.get("/footprints")
def my_footprints(pact: PactDep, member: CurrentMember) -> list[dict[str, Any]]:
    return pact.footprints_of(member.account)


@router.post("/clients", status_code=201)
def issue_client(body: ClientIn, pact: PactDep, member: CurrentMember) -> dict[str, Any]:
    """New PACT client credentials for a partner (the secret is shown once)."""
    issued = pact.issue_client(
        member.account,
        body.partner,
        all_footprints=body.all_footprints,
        pf_ids=body.footprints,
        callback=body.callback.model_dump(exclude_none=True) if body.callback else None,
    )
    return {
        "client_id": issued.client_id,
        "client_secret": issued.client_secret,
        "partner": issued.partner,
        "token_endpoint": f"{pact.public_url}/auth/token",
        "api_base_url": pact.public_url,
    }


@router.get("/clients")
def list_clients(pact: PactDep, member: CurrentMember) -> list[dict[str, Any]]:
    return pact.clients(member.account)


@router.delete("/clients/{client_id}", status_code=204)
def revoke_client(client_id: str, pact: PactDep, member: CurrentMember) -> None:
    pact.revoke_client(member.account, client_id)


@router.post("/clients/{client_id}/grants", status_code=204)
def grant(client_id: str, body: GrantIn, pact: PactDep, member: CurrentMember) -> None:
    pact.grant(member.account, client_id, body.footprints, allow=body.allow)


@router.get("/requests")
def requests(pact: PactDep, member: CurrentMember) -> list[dict[str, Any]]:
    """Partners' events: a RequestCreatedEvent is an open task for the firm."""
    return pact.requests(member.account)


@router.post("/requests/{seq}/answer", response_model=AnswerOut)
def answer(seq: int, body: Answer, pact: PactDep, member: CurrentMember) -> AnswerOut:
    """Fulfil (footprints, granted to the requester) or reject (error) a partner's request;
    the answer event is sent to the partner's /3/events (kept pending if it cannot be)."""
    answered = pact.answer_request(member.account, seq, pf_ids=body.footprints, error=body.error)
    return AnswerOut(**answered)


@router.post("/events/flush")
def flush(pact: PactDep, _: CurrentMember) -> dict[str, int]:
    """Retry sending the events still pending."""
    return {"sent": pact.flush_events()}


@router.post("/activities")
def publish_activities(body: ActivitiesIn, pact: PactDep, member: CurrentMember) -> dict[str, Any]:
    """Make iLEAP transport activity data available on the PACT host's ``/2/ileap/tad``
    (replacing those with the same activityId)."""
    return pact.publish_activities(member.account, body.activities, body.clients)


@router.get("/activities")
def list_activities(pact: PactDep, member: CurrentMember) -> list[dict[str, Any]]:
    """The firm's published transport activity data and who may read each."""
    return pact.activities_of(member.account)
