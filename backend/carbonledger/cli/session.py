"""How the client commands reach the ledger as one member.

* The API: ``--api`` (or ``CARBONLEDGER_API_URL``), else the ledger running on the data
  directory (its pid file records its URLs), else the last one that ran there, else the
  settings' default.
* The member: ``--key KEYSTORE``. ``carbonledger login`` signs a challenge with it and caches
  the bearer token (until it expires) under ``$XDG_CACHE_HOME/carbonledger/tokens`` (mode 0600);
  commands that only read use the cached token and ask for no password. Commands that sign
  (submit, amend, revoke, settlement sign/pay/attest) decrypt the keystore every time.
* Members by name: every command that prints an address prints the member's name, with the
  address on request (``--addresses``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import typer
from eth_utils.address import is_address, to_checksum_address

from carbonledger.cli.common import DataDirOpt, clear_errors, console, settings_from
from carbonledger.cli.options import OptionGroup
from carbonledger.client import ApiSession, LedgerClient, load_keystore
from carbonledger.errors import CarbonLedgerError

PASSWORD_ENV = "CARBONLEDGER_KEY_PASSWORD"

KeyOpt = Annotated[
    Path,
    typer.Option(
        "--key",
        help=f"The member's keystore (eth-account JSON); its password from ${PASSWORD_ENV} or "
        "a prompt.",
    ),
]
ApiOpt = Annotated[
    str | None,
    typer.Option(
        "--api",
        help="The CarbonLedger API (default: the ledger running on --data-dir).",
        envvar="CARBONLEDGER_API_URL",
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the API's JSON answer.")]
AddressesOpt = Annotated[
    bool, typer.Option("--addresses", help="Show members' addresses beside their names.")
]
__all__ = ["DataDirOpt"]


def password(confirm: bool = False) -> str:
    from_env = os.environ.get(PASSWORD_ENV)
    if from_env is not None:
        return from_env
    return str(typer.prompt("keystore password", hide_input=True, confirmation_prompt=confirm))


def api_url(api: str | None, data_dir: Path | None) -> str:
    """The API to talk to (see the module docstring)."""
    if api:
        return api
    from carbonledger.runtime import where_it_runs

    settings = settings_from(data_dir=data_dir)
    run = where_it_runs(settings)
    return (run.api_url if run else None) or settings.api_url


def keystore_address(key: Path) -> str:
    """The address a keystore names (readable without its password)."""
    try:
        data = json.loads(key.read_text())
        address = "0x" + str(data["address"]).removeprefix("0x")
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        why = exc.strerror if isinstance(exc, OSError) else "not an eth-account keystore"
        raise CarbonLedgerError(f"keystore {key} is unreadable: {why}") from None
    if not is_address(address):
        raise CarbonLedgerError(f"keystore {key} names no address")
    return to_checksum_address(address)


# --- token cache ---
def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "carbonledger" / "tokens"


def _cache_file(api: str, address: str) -> Path:
    tag = hashlib.sha256(f"{api.rstrip('/')}|{address.lower()}".encode()).hexdigest()[:24]
    return _cache_dir() / f"{tag}.json"


def _still_valid(session: ApiSession) -> bool:
    """Whether the server still takes the cached token (a restarted ledger may not)."""
    from carbonledger.client import ApiError

    try:
        session.member(session.address)
    except ApiError as exc:
        if exc.status == 401:
            forget_token(str(session.http.base_url), session.address)
            return False
    return True


def cached_token(api: str, address: str, margin: int = 30) -> str | None:
    try:
        data = json.loads(_cache_file(api, address).read_text())
        if int(data["expires_at"]) > time.time() + margin:
            return str(data["token"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return None


def save_token(api: str, address: str, token: str, expires_at: int) -> Path:
    path = _cache_file(api, address)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"api": api, "account": address, "token": token,
                               "expires_at": expires_at}))  # fmt: skip
    tmp.chmod(0o600)
    os.replace(tmp, path)
    return path


def forget_token(api: str, address: str) -> None:
    _cache_file(api.rstrip("/"), address).unlink(missing_ok=True)


def login(client: LedgerClient, api: str) -> None:
    client.login()
    save_token(api, client.address, client._token or "", client.token_expires_at)


@contextmanager
def signer(key: Path, api: str | None, data_dir: Path | None) -> Iterator[LedgerClient]:
    """A client holding the member's key (decrypted here), logged in (cached token reused)."""
    url = api_url(api, data_dir)
    account = load_keystore(key, password())
    client = LedgerClient(url, account)
    try:
        token = cached_token(url, client.address)
        if token:
            client.use_token(token)
        if not token or not _still_valid(client):
            login(client, url)
        yield client
    finally:
        client.close()


@contextmanager
def reader(key: Path, api: str | None, data_dir: Path | None) -> Iterator[ApiSession]:
    """A session for reading: the cached token when there is one, else a login with the key."""
    url = api_url(api, data_dir)
    address = keystore_address(key)
    token = cached_token(url, address)
    if token is None:
        with signer(key, url, data_dir) as client:
            yield client
        return
    session = ApiSession(url, address)
    session.use_token(token)
    if not _still_valid(session):
        session.close()
        with signer(key, url, data_dir) as client:
            yield client
        return
    try:
        yield session
    finally:
        session.close()


# --- how things are shown ---
class Names:
    """Member names by address (one ``GET /members`` per command)."""

    def __init__(self, session: ApiSession, with_addresses: bool = False) -> None:
        self.by_address = {m["account"].lower(): m for m in session.members()}
        self.with_addresses = with_addresses

    def __call__(self, address: str | None) -> str:
        if not address:
            return "—"
        member = self.by_address.get(address.lower())
        if member is None or not member["name"]:
            return address
        if self.with_addresses:
            return f"{member['name']} ({member['account']})"
        return str(member["name"])

    def resolve(self, text: str) -> str:
        """An address from an address or a member's exact name (case-insensitive)."""
        if is_address(text):
            return to_checksum_address(text)
        found = [m for m in self.by_address.values() if m["name"].lower() == text.lower()]
        if len(found) != 1:
            why = "no member" if not found else f"{len(found)} members"
            raise CarbonLedgerError(f"{why} named {text!r}: give the address")
        return to_checksum_address(found[0]["account"])


def day(seconds: int | None, end: bool = False) -> str:
    """A unix time as a UTC date; ``end``: an exclusive period end, shown as its last day."""
    if seconds is None:
        return "—"
    moment = dt.datetime.fromtimestamp(seconds - (86400 if end else 0), dt.UTC)
    return moment.date().isoformat()


def moment(seconds: int | None) -> str:
    if seconds is None:
        return "—"
    return dt.datetime.fromtimestamp(seconds, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


#: ISO 4217 minor-unit exponents that are not 2 (the others: 2)
_EXPONENT = {"JPY": 0, "KRW": 0, "VND": 0, "CLP": 0, "ISK": 0, "BHD": 3, "KWD": 3, "OMR": 3,
             "JOD": 3, "TND": 3}  # fmt: skip


def money(minor: int, currency: str) -> str:
    """Minor units as currency units: 1200000 EUR -> 'EUR 12,000.00'."""
    exp = _EXPONENT.get(currency.upper(), 2)
    value = Decimal(minor).scaleb(-exp)
    return f"{currency} {value:,.{exp}f}"


def minor_units(text: str, currency: str) -> int:
    """'12000' or '12,000.50' in ``currency`` as an integer of minor units."""
    exp = _EXPONENT.get(currency.upper(), 2)
    try:
        value = Decimal(text.replace(",", "").replace("_", ""))
    except ArithmeticError:
        raise CarbonLedgerError(f"amount {text!r} is not a number") from None
    minor = value.scaleb(exp)
    if minor != minor.to_integral_value() or minor < 0:
        raise CarbonLedgerError(f"amount {text!r} has more than {exp} decimals in {currency}")
    return int(minor)


def kg(value: int | str | None) -> str:
    if value is None or value == "":
        return "—"
    number = Decimal(str(value))
    return f"{number:,}"


def parse_date(text: str | None, what: str) -> str | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise CarbonLedgerError(f"{what} {text!r} is not a date (YYYY-MM-DD)") from None


QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Print only the ids.")]


@dataclass(frozen=True)
class Member(OptionGroup):
    """``--key --api --data-dir``: the ledger as one member (see the module docstring)."""

    key: KeyOpt
    api: ApiOpt = None
    data_dir: DataDirOpt = None

    @contextmanager
    def reading(self) -> Iterator[ApiSession]:
        """A session for reading (:func:`reader`); every error one line (:func:`clear_errors`)."""
        with clear_errors(), reader(self.key, self.api, self.data_dir) as session:
            yield session

    @contextmanager
    def signing(self) -> Iterator[LedgerClient]:
        """A client holding the key (:func:`signer`); every error one line."""
        with clear_errors(), signer(self.key, self.api, self.data_dir) as client:
            yield client


@dataclass(frozen=True)
class Shown(OptionGroup):
    """``--addresses --json``: how a command shows what the API answered."""

    addresses: AddressesOpt = False
    as_json: JsonOpt = False

    def names(self, session: ApiSession) -> Names:
        return Names(session, self.addresses)

    def printed_json(self, data: Any) -> bool:
        """Print ``data`` as JSON when ``--json``; False: the caller prints it its way."""
        if self.as_json:
            console.print_json(json.dumps(data, ensure_ascii=False))
        return self.as_json


@dataclass(frozen=True)
class Listed(Shown):
    """``--addresses --json --quiet``: how a command shows a listing."""

    quiet: QuietOpt = False

    def listed(self, items: list[dict[str, Any]], id_key: str) -> bool:
        """Print the listing's ids (``-q``) or JSON (``--json``); False: the caller prints it."""
        if self.quiet:
            for item in items:
                console.print(item[id_key])
        return self.quiet or self.printed_json(items)


def any_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)
