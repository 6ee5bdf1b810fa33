"""The FastAPI dependencies, exercised through a tiny app and TestClient."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel

from carbonledger.api.errors import install as install_error_map
from carbonledger.auth import (
    AuthService,
    InMemoryMembership,
    Member,
    MemberStatus,
    Principal,
    Role,
    sign_challenge,
)
from carbonledger.auth.fastapi import CurrentMember, SignedIn, require_role

from .conftest import FakeClock, Firm, sign_in


class LoginRequest(BaseModel):
    member: str
    nonce: str
    expiresAt: int
    signature: str


class Note(BaseModel):
    text: str


def make_app(service: AuthService) -> FastAPI:
    app = FastAPI()
    app.state.auth = service
    install_error_map(app)

    @app.post("/auth/challenge")
    def challenge(member: str) -> dict[str, Any]:
        return service.issue_challenge(member).to_json()

    @app.post("/auth/login")
    def login(body: LoginRequest) -> dict[str, Any]:
        issued = service.login(body.member, body.nonce, body.expiresAt, body.signature)
        return {"token": issued.token, "expiresAt": issued.expires_at}

    @app.get("/me")
    def me(member: CurrentMember) -> dict[str, Any]:
        return {"account": member.account, "roles": sorted(member.roles)}

    @app.get("/admin", dependencies=[Depends(require_role(Role.ADMIN))])
    def admin() -> dict[str, str]:
        return {"ok": "admin"}

    @app.post("/notes")
    def note_by_dependency(body: Note, member: CurrentMember) -> dict[str, str]:
        return {"by": member.account, "text": body.text}

    @app.post("/notes/confirmed-inside")
    def note_confirmed_inside(body: Note, token: SignedIn) -> dict[str, str]:
        member = service.principal_of(token)
        return {"by": member.account, "text": body.text}

    @app.get("/audit")
    def audit(auditor: Annotated[Principal, Depends(require_role("auditor"))]) -> dict[str, str]:
        return {"auditor": auditor.account}

    return app


@pytest.fixture
def client(service: AuthService) -> TestClient:
    return TestClient(make_app(service))


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_member_signs_in_over_http_and_calls_a_protected_route(
    client: TestClient, carrier: tuple[Firm, Member]
) -> None:
    who, member = carrier
    challenge = client.post("/auth/challenge", params={"member": who.key_address}).json()
    signed = who.key.sign_typed_data(full_message=challenge["typedData"]).signature
    login = client.post(
        "/auth/login",
        json={
            "member": challenge["member"],
            "nonce": challenge["nonce"],
            "expiresAt": challenge["expiresAt"],
            "signature": "0x" + bytes(signed).hex(),
        },
    )
    assert login.status_code == 200, login.text
    response = client.get("/me", headers=bearer(login.json()["token"]))
    assert response.status_code == 200
    assert response.json() == {"account": member.account, "roles": ["firm"]}


def test_a_replayed_login_over_http_is_401(
    client: TestClient, service: AuthService, carrier: tuple[Firm, Member]
) -> None:
    who, _ = carrier
    challenge = service.issue_challenge(who.key_address)
    body = {
        "member": who.key_address,
        "nonce": "0x" + challenge.nonce.hex(),
        "expiresAt": challenge.expires_at,
        "signature": "0x" + sign_challenge(challenge, who.key.key).hex(),
    }
    assert client.post("/auth/login", json=body).status_code == 200
    replay = client.post("/auth/login", json=body)
    assert replay.status_code == 401
    assert "already used" in replay.json()["detail"]


def test_a_malformed_member_address_is_422(client: TestClient) -> None:
    response = client.post("/auth/challenge", params={"member": "not-an-address"})
    assert response.status_code == 422
    assert "not an Ethereum address" in response.json()["detail"]


def test_a_request_without_a_token_is_401_and_says_how_to_authenticate(
    client: TestClient,
) -> None:
    response = client.get("/me")
    assert response.status_code == 401
    assert "missing bearer token" in response.json()["detail"]
    assert response.headers["www-authenticate"] == "Bearer"


def test_a_non_bearer_authorization_is_401(client: TestClient) -> None:
    response = client.get("/me", headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert response.status_code == 401


def test_a_forged_token_is_401(client: TestClient) -> None:
    response = client.get("/me", headers=bearer("cl1.eyJzdWIiOiIweCJ9.AAAA"))
    assert response.status_code == 401
    assert "invalid bearer token" in response.json()["detail"]
    assert response.headers["www-authenticate"].startswith("Bearer error=")


def test_an_expired_token_is_401(
    client: TestClient, service: AuthService, carrier: tuple[Firm, Member], clock: FakeClock
) -> None:
    token = sign_in(service, carrier[0]).token
    clock.advance(901)
    response = client.get("/me", headers=bearer(token))
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


def test_a_suspended_members_token_is_403(
    client: TestClient,
    service: AuthService,
    membership: InMemoryMembership,
    carrier: tuple[Firm, Member],
) -> None:
    who, member = carrier
    token = sign_in(service, who).token
    membership.put(dataclasses.replace(member, status=MemberStatus.SUSPENDED))
    response = client.get("/me", headers=bearer(token))
    assert response.status_code == 403
    assert "suspended" in response.json()["detail"]


def test_a_member_with_the_role_passes_require_role(
    client: TestClient, service: AuthService, auditor: tuple[Firm, Member]
) -> None:
    who, member = auditor
    response = client.get("/audit", headers=bearer(sign_in(service, who).token))
    assert response.status_code == 200
    assert response.json() == {"auditor": member.account}


def test_a_member_without_the_role_is_403(
    client: TestClient, service: AuthService, carrier: tuple[Firm, Member]
) -> None:
    token = sign_in(service, carrier[0]).token
    for path, role in (("/admin", "admin"), ("/audit", "auditor")):
        response = client.get(path, headers=bearer(token))
        assert response.status_code == 403
        assert f"does not hold the '{role}' role" in response.json()["detail"]


def test_require_role_without_a_token_is_401_not_403(client: TestClient) -> None:
    assert client.get("/admin").status_code == 401


def test_an_app_without_an_auth_service_fails_loudly(service: AuthService) -> None:
    app = make_app(service)
    del app.state.auth
    with pytest.raises(RuntimeError, match=r"app\.state\.auth"):
        TestClient(app).get("/me", headers=bearer("x"))


NOTES = ("/notes", "/notes/confirmed-inside")


@pytest.mark.parametrize("path", NOTES)
def test_a_tokens_own_fault_is_401_before_a_malformed_bodys_422(
    client: TestClient,
    service: AuthService,
    carrier: tuple[Firm, Member],
    clock: FakeClock,
    path: str,
) -> None:
    token = sign_in(service, carrier[0]).token
    assert client.post(path, json={"text": 1}, headers=bearer(token)).status_code == 422
    for headers in ({}, bearer("cl1.eyJzdWIiOiIweCJ9.AAAA")):
        assert client.post(path, json={"text": 1}, headers=headers).status_code == 401
    clock.advance(901)
    response = client.post(path, json={"text": 1}, headers=bearer(token))
    assert response.status_code == 401 and "expired" in response.json()["detail"]


@pytest.mark.parametrize("path", NOTES)
def test_a_suspended_member_with_a_good_body_is_403_on_either_kind_of_endpoint(
    client: TestClient,
    service: AuthService,
    membership: InMemoryMembership,
    carrier: tuple[Firm, Member],
    path: str,
) -> None:
    who, member = carrier
    token = sign_in(service, who).token
    ok = client.post(path, json={"text": "hello"}, headers=bearer(token))
    assert ok.status_code == 200 and ok.json() == {"by": member.account, "text": "hello"}
    membership.put(dataclasses.replace(member, status=MemberStatus.SUSPENDED))
    response = client.post(path, json={"text": "hello"}, headers=bearer(token))
    assert response.status_code == 403 and "suspended" in response.json()["detail"]


def test_an_endpoint_that_confirms_the_member_itself_answers_a_malformed_body_first(
    client: TestClient,
    service: AuthService,
    membership: InMemoryMembership,
    carrier: tuple[Firm, Member],
) -> None:
    """The documented price of SignedIn: a suspended member's malformed body is 422 there,
    403 where the member is a dependency."""
    who, member = carrier
    token = sign_in(service, who).token
    membership.put(dataclasses.replace(member, status=MemberStatus.SUSPENDED))
    assert client.post("/notes", json={"text": 1}, headers=bearer(token)).status_code == 403
    inside = client.post("/notes/confirmed-inside", json={"text": 1}, headers=bearer(token))
    assert inside.status_code == 422
