"""``carbonledger key new``, ``carbonledger login`` and ``carbonledger claim ...``: a firm's
story, from its own machine. Claims are signed here with the firm's key; the API relays.

    claim check FILE          the standard's check, locally (no chain, no service)
    claim submit FILE         pre-checked first: a failing claim is not sent without --force
    claim amend ID FILE       a new version superseding claim ID (final on chain)
    claim revoke ID           withdraw claim ID (final; it stays in the history)
    claim list / show ID      what the ledger holds, with dates, names and totals
    claim export              the firm's inventory as CSV, XLSX or JSON
"""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import typer
from eth_account import Account
from rich.progress import Progress
from rich.table import Table

from carbonledger.cli.common import (
    BadInput,
    DataDirOpt,
    clear_errors,
    console,
    err_console,
    explain,
    fail,
    read_file,
)
from carbonledger.cli.options import App, OptionGroup
from carbonledger.cli.session import (
    PASSWORD_ENV,
    ApiOpt,
    JsonOpt,
    KeyOpt,
    Listed,
    Member,
    Names,
    Shown,
    api_url,
    day,
    kg,
    login,
    parse_date,
    password,
)
from carbonledger.client import ApiError, LedgerClient, load_keystore, new_keystore
from carbonledger.errors import CarbonLedgerError
from carbonledger.standard import (
    CheckReport,
    Claim,
    StandardError,
    check,
    load_default_standard,
    parse_claim,
)
from carbonledger.standard.models import ReductionClaim
from carbonledger.vocab.constants import ACCEPTED, ANCHORED, CHECKED, REFUSED

__all__ = ["PASSWORD_ENV", "ApiOpt", "KeyOpt", "claim_app", "key_app", "login_command"]

key_app = App(help="Member keys, kept in encrypted keystore files.", no_args_is_help=True)
claim_app = App(
    help="A firm's claims: check, submit, amend, revoke, list, show, export.",
    no_args_is_help=True,
)

FileArg = Annotated[Path, typer.Argument(help="The claim document (JSON).")]
BaselineOpt = Annotated[
    Path | None, typer.Option("--baseline", help="A reduction's baseline document.")
]
ForceOpt = Annotated[
    bool, typer.Option("--force", help="Send the claim even if it fails the standard's check.")
]


@key_app.command("new")
def key_new(
    out: Annotated[Path, typer.Option("--out", help="Where to write the keystore.")],
) -> None:
    """Create a new member key in an encrypted keystore; prints its address."""
    with clear_errors():
        if out.exists():
            raise CarbonLedgerError(f"{out} already exists; not overwriting a key")
        account = Account.create()
        keystore = new_keystore(account.key, password(confirm=True))
        out.write_text(json.dumps(keystore))
        out.chmod(0o600)
    console.print(account.address)


def login_command(member: Member) -> None:
    """Log in with the member's key; the token is cached (until it expires) for later commands."""
    with clear_errors():
        url = api_url(member.api, member.data_dir)
        client = LedgerClient(url, load_keystore(member.key, password()))
        try:
            login(client, url)
            me = client.member(client.address)
        finally:
            client.close()
    console.print(
        f"logged in to {url} as {me['name']} ({me['account']}), roles {', '.join(me['roles'])}; "
        f"until {_until(client.token_expires_at)}"
    )


def _until(seconds: int) -> str:
    from carbonledger.cli.session import moment

    return moment(seconds)


# --- check ---
def _parse(document: bytes, where: str) -> Claim:
    """The claim document, or one line naming the file and what is wrong with it (exit 2)."""
    try:
        return parse_claim(document)
    except StandardError as exc:
        message, _ = explain(exc)
        raise BadInput(f"{where}: {message}") from None


def _local_check(
    document: bytes,
    baseline: bytes | None,
    allocations: dict[str, Any] | None = None,
    where: str = "the claim",
    baseline_where: str = "the baseline",
    parsed: Claim | None = None,
) -> CheckReport:
    claim = parsed or _parse(document, where)
    base = _parse(baseline, baseline_where) if baseline is not None else None
    if isinstance(claim, ReductionClaim) and base is None:
        raise CarbonLedgerError("a reduction claim is checked against its baseline: --baseline")
    allocs = {k: Decimal(v) for k, v in (allocations or {}).items()} or None
    return check(claim, load_default_standard(), baseline=base, allocations=allocs)


def _print_check(report: CheckReport, where: str) -> None:
    verdict = "[green]passes[/]" if report.passed else "[bold red]FAILS[/]"
    console.print(
        f"{where}: {report.kind} of {report.firm}, {verdict} the standard "
        f"{report.standard_version} ({len(report.findings)} finding(s))",
        soft_wrap=True,
    )
    for f in report.findings:
        console.print(f"  {f.severity:<7} {f.rule}  {f.path}: {f.message}", soft_wrap=True)
    console.print(f"  report hash 0x{report.report_hash.hex()}")


@claim_app.command("check")
def check_command(
    file: FileArg,
    baseline: BaselineOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the full report.")] = False,
    key: Annotated[
        Path | None,
        typer.Option(
            "--key",
            help="Ask the running service's dry-run check (POST /claims/check) as this "
            "member instead of checking here: its report and the claim that would be signed.",
        ),
    ] = None,
    api: ApiOpt = None,
    data_dir: DataDirOpt = None,
) -> None:
    """Check a claim against the standard here (no chain, no service): the report the service
    would give. With --key, the service's own dry run (nothing is signed or stored).
    Exit 0 passes, 1 fails, 2 not a claim document."""
    if key is not None:
        _service_check(file, baseline, Member(key, api, data_dir))
        return
    with clear_errors():
        report = _local_check(*_documents(file, baseline), None, str(file), str(baseline))
    if as_json:
        out = report.canonical_object()
        out["report_hash"] = "0x" + report.report_hash.hex()
        console.print_json(json.dumps(out, ensure_ascii=False))
    else:
        _print_check(report, str(file))
    raise typer.Exit(0 if report.passed else 1)


def _documents(file: Path, baseline: Path | None) -> tuple[bytes, bytes | None]:
    """The claim document and, when given, its baseline."""
    return read_file(file), read_file(baseline) if baseline else None


def _service_check(file: Path, baseline: Path | None, member: Member) -> None:
    """The service's dry-run check, printed as its JSON answer (report and claim message)."""
    with member.signing() as client:
        document, base = _documents(file, baseline)
        answer = client.check_claim(document, baseline=base)
    console.print_json(json.dumps(answer, ensure_ascii=False))
    if not answer["passed"]:
        err_console.print("the claim FAILS the standard check: fix it before submitting")
        raise typer.Exit(1)


# --- submit, amend, revoke ---
def _submit(
    client: LedgerClient,
    document: bytes,
    baseline: bytes | None,
    force: bool,
    where: str,
    supersedes: bytes | None = None,
) -> dict[str, Any]:
    claim = _parse(document, where)
    allocations = None
    if isinstance(claim, ReductionClaim) and claim.settlements:
        allocations = client.allocations([s.settlement_id for s in claim.settlements])
    if baseline is None and isinstance(claim, ReductionClaim):
        baseline = LedgerBaselines(client).of(claim)
    report = _local_check(document, baseline, allocations, where)
    if not report.passed:
        _print_check(report, where)
        if not force:
            raise CarbonLedgerError(
                f"{where} fails the standard's check: not sent (fix it, or --force to record "
                "a failing claim on chain for good)"
            )
    client.register_vault_key()
    kwargs: dict[str, Any] = {"baseline": baseline, "allocations": allocations}
    if supersedes is not None:
        kwargs["supersedes"] = supersedes
    return client.submit_claim(document, **kwargs)


class LedgerBaselines:
    """Reductions' baselines read back (decrypted here) from the firm's own footprints: the
    firm's footprints listed once, each baseline's document fetched once."""

    def __init__(self, client: LedgerClient) -> None:
        self.client = client
        self._claim_of: dict[str, str] | None = None  # document hash -> claim id
        self._documents: dict[str, bytes] = {}

    def of(self, claim: ReductionClaim) -> bytes:
        wanted = str(claim.baseline.document_hash).lower()
        if wanted not in self._documents:
            if self._claim_of is None:
                rows = self.client.claims(firm=self.client.address, kind="footprint")
                self._claim_of = {r["document_hash"].lower(): r["claim_id"] for r in rows}
            if wanted not in self._claim_of:
                raise CarbonLedgerError(
                    f"the baseline {wanted} is not among this firm's claims: give it with "
                    "--baseline"
                )
            self._documents[wanted] = self.client.document(self._claim_of[wanted])
        return self._documents[wanted]


def _print_submitted(answer: dict[str, Any]) -> None:
    passed = answer["check"]["passed"]
    console.print(
        f"claim {answer['claim_id']}  [bold]{answer['state']}[/]  "
        f"{answer['kind']} {day(answer['period_start'])} to {day(answer['period_end'], end=True)}"
    )
    console.print(f"  check     {'passed' if passed else '[bold red]FAILED[/]'}")
    if answer.get("tx_hash"):
        console.print(f"  on chain  tx {answer['tx_hash']} block {answer['block_number']}")
    totals = answer["check"]["report"].get("onchain_kgco2e") or {}
    if totals:
        console.print(
            "  kgCO2e    " + ", ".join(f"{k.replace('_', ' ')} {kg(v)}" for k, v in totals.items())
        )


def _finish(answer: dict[str, Any], as_json: bool) -> None:
    if as_json:
        console.print_json(json.dumps(answer, ensure_ascii=False))
    else:
        _print_submitted(answer)
    if not answer["check"]["passed"]:
        err_console.print("the claim was recorded, but it FAILED the standard check")
        raise typer.Exit(1)


@claim_app.command("submit")
def submit(
    files: Annotated[
        list[Path],
        typer.Argument(help="The claim document(s) (JSON), or folders of them (their *.json)."),
    ],
    member: Member,
    baseline: BaselineOpt = None,
    force: ForceOpt = False,
    wait: Annotated[
        float,
        typer.Option(
            "--wait",
            min=0,
            help="With several claims: seconds to follow them to the chain (0: not at all).",
        ),
    ] = 600,
    as_json: JsonOpt = False,
) -> None:
    """Check each claim here, then sign it with the firm's key and submit it. A claim that
    fails the check is not sent (it would stay on chain for good) unless --force.

    Several claims (several files, or a folder) are all checked before any is sent, then
    signed with the firm's next nonces and sent 100 a request; the command follows them
    until each is on chain (or --wait passes) and prints what became of each."""
    with clear_errors():
        paths = _claim_files(files)
    with member.signing() as client:
        if len(paths) == 1 and not files[0].is_dir():
            base = read_file(baseline) if baseline else None
            _finish(_submit(client, read_file(paths[0]), base, force, str(paths[0])), as_json)
            return
        filed = Bulk(client, paths, read_file(baseline) if baseline else None).file(force, wait)
    filed.show(as_json)
    if not filed.all_passed_on_chain:
        raise typer.Exit(1)


def _claim_files(given: list[Path]) -> list[Path]:
    """The claim files ``given`` names: each file, and each folder's ``*.json`` by name."""
    paths: list[Path] = []
    for path in given:
        if path.is_dir():
            found = sorted(path.glob("*.json"))
            if not found:
                raise BadInput(f"{path}: a folder with no .json claim documents")
            paths += found
        else:
            paths.append(path)
    return paths


@dataclass
class Filed:
    """What became of each of a bulk filing's claims, in the order of their files."""

    paths: list[Path]
    #: per file: the claim as the ledger last showed it, or the refusal (status, detail)
    outcomes: list[dict[str, Any]]
    waited: float

    @property
    def all_passed_on_chain(self) -> bool:
        return all(
            "claim" in o and o["claim"]["state"] in (ANCHORED, CHECKED) and o["claim"]["passed"]
            for o in self.outcomes
        )

    def show(self, as_json: bool) -> None:
        pairs = list(zip(self.paths, self.outcomes, strict=True))
        if as_json:
            rows = [{"file": str(p), **o} for p, o in pairs]
            console.print_json(json.dumps(rows, ensure_ascii=False))
            return
        states = Counter(o["claim"]["state"] for o in self.outcomes if "claim" in o)
        refused = [(p, o["error"]) for p, o in pairs if "error" in o]
        failing = [(p, o["claim"]) for p, o in pairs if "claim" in o and not o["claim"]["passed"]]
        told = ", ".join(
            f"{n} {'refused by the chain' if state == REFUSED else state}"
            for state, n in sorted(states.items())
        )
        console.print(
            f"{len(self.paths)} claims: {told or 'none accepted'}"
            + (f", {len(refused)} refused by the service" if refused else "")
        )
        for path, error in refused:
            console.print(
                f"  refused  {path}  HTTP {error['status']}: {error['detail']}", soft_wrap=True
            )
        for path, o in pairs:
            if "claim" in o and o["claim"]["state"] == REFUSED:
                console.print(
                    f"  refused by the chain  {path}  {o['claim']['error']}", soft_wrap=True
                )
        for path, claim in failing:
            console.print(
                f"  FAILED the standard check  {path}  {claim['claim_id']}", soft_wrap=True
            )
        if states.get(ACCEPTED):
            err_console.print(
                f"{states[ACCEPTED]} claims were still on their way to the chain after "
                f"{self.waited:.0f} s: follow them with `claim list --state accepted`"
            )


class Bulk:
    """A firm filing many claims from its machine: each checked here first, then signed and
    sent in requests of many (:meth:`LedgerClient.submit_claims`), then followed."""

    def __init__(self, client: LedgerClient, paths: list[Path], baseline: bytes | None) -> None:
        self.client, self.paths, self.baseline = client, paths, baseline
        self.documents = [read_file(p) for p in paths]

    def file(self, force: bool, wait: float) -> Filed:
        claims, baselines, citing = self._check_all(force)
        self.client.register_vault_key()
        outcomes: dict[int, dict[str, Any]] = {}
        plain = [i for i in range(len(self.paths)) if i not in citing]
        with Progress(console=err_console, transient=True) as progress:
            task = progress.add_task("submitting claims", total=len(self.paths))

            def advanced(n: int) -> None:
                progress.update(task, advance=n, description="submitting claims")

            def waiting(pause: float, left: int) -> None:  # the firm's backlog is full (429)
                progress.update(
                    task,
                    description=f"the service holds as many of this firm's claims waiting for "
                    f"the chain as it takes: sending the other {left} again in {pause:g} s",
                )

            answers = self.client.submit_claims(
                [self.documents[i] for i in plain],
                baselines=[baselines[i] for i in plain],
                parsed=[claims[i] for i in plain],
                progress=advanced,
                on_busy=waiting,
            )
            outcomes.update(zip(plain, answers, strict=True))
            for i in sorted(citing):  # their citations are signed one by one
                try:
                    where = str(self.paths[i])
                    claim = _submit(self.client, self.documents[i], baselines[i], force, where)
                    outcomes[i] = {"claim": claim}
                except ApiError as exc:
                    error = {"status": exc.status, "detail": exc.detail, "problems": exc.problems}
                    outcomes[i] = {"error": error}
                progress.advance(task)
        in_order = [_shown(outcomes[i]) for i in range(len(self.paths))]
        return Filed(self.paths, self._followed(in_order, wait), wait)

    def _check_all(self, force: bool) -> tuple[list[Claim], list[bytes | None], set[int]]:
        """Every claim parsed and checked here (with its baseline: --baseline, else read back
        from the ledger); the claims, each reduction's baseline, and which claims cite
        settlements. Any claim that fails stops them all, unless ``force``: nothing is sent."""
        ledger = LedgerBaselines(self.client)
        claims: list[Claim] = []
        baselines: list[bytes | None] = []
        citing: set[int] = set()
        failing: list[tuple[Path, CheckReport]] = []
        for i, (path, document) in enumerate(zip(self.paths, self.documents, strict=True)):
            claim, allocations, base = _parse(document, str(path)), None, None
            if isinstance(claim, ReductionClaim):
                try:
                    base = self.baseline if self.baseline is not None else ledger.of(claim)
                except CarbonLedgerError as exc:
                    raise CarbonLedgerError(f"{path}: {exc}") from None
                if claim.settlements:
                    citing.add(i)
                    cited = [s.settlement_id for s in claim.settlements]
                    allocations = self.client.allocations(cited)
            claims.append(claim)
            baselines.append(base)
            report = _local_check(document, base, allocations, str(path), parsed=claim)
            if not report.passed:
                failing.append((path, report))
        if failing and not force:
            for path, report in failing[:FAILURES_SHOWN]:
                _print_check(report, str(path))
            more = len(failing) - FAILURES_SHOWN
            raise CarbonLedgerError(
                f"{len(failing)} of {len(self.paths)} claims fail the standard's check"
                + (f" ({more} more not shown)" if more > 0 else "")
                + ": none sent (fix them, or --force to record failing claims on chain for good)"
            )
        return claims, baselines, citing

    def _followed(self, outcomes: list[dict[str, Any]], wait: float) -> list[dict[str, Any]]:
        """``outcomes`` with each accepted claim's state as the ledger shows it once none of
        them is still ``accepted`` (on its way to the chain), or once ``wait`` seconds have
        passed. Each look lists the firm's claims still on their way, not each claim; the
        states at the end come from one listing of the firm's newest claims."""
        mine = {o["claim"]["claim_id"]: o for o in outcomes if "claim" in o}
        deadline = time.monotonic() + wait
        with Progress(console=err_console, transient=True) as progress:
            task = progress.add_task("waiting for the chain", total=len(mine))
            while True:
                on_the_way = self.client.claims(firm=self.client.address, state=ACCEPTED)
                waiting = sum(1 for row in on_the_way if row["claim_id"] in mine)
                progress.update(task, completed=len(mine) - waiting)
                if not waiting or time.monotonic() >= deadline:
                    break
                time.sleep(FOLLOW_EVERY)
        newest = self.client.claims(
            limit=len(mine) + FOLLOW_SLACK, firm=self.client.address, order="newest"
        )
        seen = {row["claim_id"]: row for row in newest if row["claim_id"] in mine}
        for claim_id, outcome in mine.items():
            row = seen.get(claim_id) or self.client.claim(claim_id)  # others filed meanwhile
            outcome["claim"] = _shown({"claim": row})["claim"]
        return outcomes


#: a bulk filing's failing claims shown in full before it stops
FAILURES_SHOWN = 10
#: seconds between two looks at a bulk filing's claims on their way to the chain
FOLLOW_EVERY = 0.5
#: claims of the firm listed beyond a filing's own, for others filed meanwhile
FOLLOW_SLACK = 200


def _shown(outcome: dict[str, Any]) -> dict[str, Any]:
    """A bulk filing's outcome as ``--json`` shows it: the claim's id, state, kind, period
    and whether it passed the check; or the refusal."""
    if "claim" not in outcome:
        return outcome
    claim = outcome["claim"]
    return {
        "claim": {
            "claim_id": claim["claim_id"],
            "state": claim["state"],
            "kind": claim["kind"],
            "period_start": claim["period_start"],
            "period_end": claim["period_end"],
            "passed": claim["check"]["passed"],
            "error": claim["error"],
        }
    }


def _claim_id(text: str) -> bytes:
    try:
        raw = bytes.fromhex(text.removeprefix("0x"))
    except ValueError:
        raw = b""
    if len(raw) != 32:
        raise CarbonLedgerError(f"{text!r} is not a claim id (0x and 64 hex digits)")
    return raw


@claim_app.command("amend")
def amend(
    claim_id: Annotated[str, typer.Argument(help="The claim to supersede.")],
    file: FileArg,
    member: Member,
    baseline: BaselineOpt = None,
    force: ForceOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Submit FILE as the new version of claim ID (which becomes superseded, for good)."""
    with member.signing() as client:
        previous = _claim_id(claim_id)
        document, base = _documents(file, baseline)
        answer = _submit(client, document, base, force, str(file), supersedes=previous)
    _finish(answer, as_json)


@claim_app.command("revoke")
def revoke(
    claim_id: Annotated[str, typer.Argument(help="The claim to revoke.")],
    member: Member,
    reason: Annotated[str, typer.Option("--reason", help="Why (its hash goes on chain).")],
    as_json: JsonOpt = False,
) -> None:
    """Revoke claim ID, signed with the firm's key (final: it stays in the history)."""
    with member.signing() as client:
        _claim_id(claim_id)
        answer = client.revoke_claim(claim_id, reason)
    if as_json:
        console.print_json(json.dumps(answer))
        return
    console.print(
        f"claim {answer['claim_id']} revoked in tx {answer['tx_hash']} "
        f"(block {answer['block_number']})"
    )


# --- read ---
@dataclass(frozen=True)
class Filters(OptionGroup):
    """``--firm --kind --state --from --to``: which claims a listing or an export holds."""

    firm: Annotated[
        str | None,
        typer.Option("--firm", help="A firm, by name or address (default for export: yours)."),
    ] = None
    kind: Annotated[str | None, typer.Option("--kind", help="footprint | reduction")] = None
    state: Annotated[
        str | None, typer.Option("--state", help="accepted | anchored | checked | refused")
    ] = None
    start: Annotated[
        str | None, typer.Option("--from", help="Periods overlapping from this date (YYYY-MM-DD).")
    ] = None
    end: Annotated[
        str | None, typer.Option("--to", help="Periods overlapping up to this date (YYYY-MM-DD).")
    ] = None
    newest: Annotated[
        bool, typer.Option("--newest", help="The last accepted first (default: oldest first).")
    ] = False

    def query(self, names: Names) -> dict[str, Any]:
        """The API's query parameters (a firm's name resolved to its address)."""
        return {
            "firm": names.resolve(self.firm) if self.firm else None,
            "kind": self.kind,
            "state": self.state,
            "period_from": parse_date(self.start, "--from"),
            "period_to": parse_date(self.end, "--to"),
            "order": "newest" if self.newest else None,
        }


def _scope_total(row: dict[str, Any], name: str) -> str:
    return kg((row["check"]["report"].get("onchain_kgco2e") or {}).get(name))


@claim_app.command("list")
def list_claims(
    member: Member,
    shown: Listed,
    filters: Filters,
    limit: Annotated[
        int | None, typer.Option("--limit", min=1, help="At most this many (default: all).")
    ] = None,
) -> None:
    """Claims on the ledger (filters: firm, kind, state, period), as a table."""
    addresses = shown.addresses
    with member.reading() as session:
        names = shown.names(session)
        rows = session.claims(limit=limit, **filters.query(names))
    if shown.listed(rows, "claim_id"):
        return
    table = Table(title=f"{len(rows)} claim(s)", title_justify="left")
    for column in ("claim", "firm", "kind", "period", "state", "check"):
        table.add_column(
            column, no_wrap=column != "firm", min_width=12 if column == "firm" else None
        )
    for column in ("scope 1", "scope 2 (loc.)", "scope 3"):
        table.add_column(column + " kg", justify="right", no_wrap=True)
    for r in rows:
        table.add_row(
            r["claim_id"] if addresses else r["claim_id"][:12] + "…",
            names(r["firm"]),
            r["kind"],
            f"{day(r['period_start'])} to {day(r['period_end'], end=True)}",
            r["state"],
            "passed" if r["check"]["passed"] else "[red]failed[/]",
            _scope_total(r, "scope1"),
            _scope_total(r, "scope2_location"),
            _scope_total(r, "scope3"),
        )
    console.print(table)


@claim_app.command("periods")
def periods(
    member: Member,
    shown: Shown,
    firm: Annotated[
        str | None, typer.Option("--firm", help="A firm, by name or address (default: yours).")
    ] = None,
) -> None:
    """A firm's footprint by reporting period: its footprints in force (checked and passed,
    not superseded or revoked) summed per period, kgCO2e."""
    with member.reading() as session:
        names = shown.names(session)
        answer = session.footprint_periods(names.resolve(firm) if firm else None)
    if shown.printed_json(answer):
        return
    table = Table(title=f"{names(answer['firm'])}: footprint by period", title_justify="left")
    table.add_column("period", no_wrap=True)
    table.add_column("footprints", justify="right")
    for column in ("scope 1", "scope 2 (market)", "scope 2 (loc.)", "scope 3", "total (market)"):
        table.add_column(column + " kg", justify="right", no_wrap=True)
    for p in answer["periods"]:
        gross = sum(Decimal(p[k]) for k in ("scope1", "scope2_market", "scope3_total"))
        table.add_row(
            f"{day(p['period_start'])} to {day(p['period_end'], end=True)}",
            f"{p['claims']:,}",
            kg(p["scope1"]),
            kg(p["scope2_market"]),
            kg(p["scope2_location"]),
            kg(p["scope3_total"]),
            kg(str(gross)),
        )
    console.print(table)
    if answer["left_out"]:
        console.print(
            f"{answer['left_out']:,} passed footprint(s) left out: superseded by an amendment, "
            "or revoked"
        )


@claim_app.command("show")
def show(
    claim_id: Annotated[str, typer.Argument(help="The claim id (0x…).")],
    member: Member,
    shown: Shown,
) -> None:
    """A claim: state, totals by scope, on-chain transaction and block, check report, audit,
    history."""
    with member.reading() as session:
        _claim_id(claim_id)
        c = session.claim(claim_id)
        names = shown.names(session)
    if shown.printed_json(c):
        return
    report = c["check"]["report"]
    on_chain = c["on_chain"]
    console.print(f"claim {c['claim_id']}")
    facts = [
        ("firm", names(c["firm"])),
        ("kind", c["kind"]),
        ("period", f"{day(c['period_start'])} to {day(c['period_end'], end=True)}"),
        ("state", f"{c['state']} (on chain: {on_chain['status']})"),
        ("check", f"{'passed' if c['check']['passed'] else 'FAILED'} ({on_chain['check']}); "
                  f"report hash {c['check']['report_hash']}"),
        ("audit", on_chain["audit"]),
        ("document hash", c["document_hash"]),
        ("submitted", f"tx {c['tx_hash'] or '—'} block {c['block_number'] or '—'}"),
        ("checked", f"tx {c['check_tx_hash'] or '—'} block {c['check_block_number'] or '—'}"),
        ("accepted at", c["accepted_at"]),
    ]  # fmt: skip
    if c.get("error"):
        facts.append(("error", c["error"]))
    for label, value in facts:
        console.print(f"  {label:<14}{value}", soft_wrap=True)
    totals = report.get("totals") or {}
    if totals:
        console.print("  totals (kgCO2e)")
        for name in ("scope1", "scope2_location", "scope2_market", "scope3_total", "biogenic_co2"):
            if name in totals:
                console.print(f"    {name.replace('_', ' '):<18}{kg(totals[name])}")
        for cat, value in (totals.get("scope3") or {}).items():
            console.print(f"    {'scope 3 cat. ' + str(cat):<18}{kg(value)}")
    for f in report.get("findings") or []:
        console.print(f"  finding  {f['severity']} {f['rule']} {f['path']}: {f['message']}")
    if c["history"]:
        console.print("  history")
        for e in c["history"]:
            console.print(
                f"    block {e['block_number']}  {e['event']}  tx {e['tx_hash']}", soft_wrap=True
            )


@claim_app.command("export")
def export(
    member: Member,
    out: Annotated[Path, typer.Option("--out", help="Where to write the export.")],
    filters: Filters,
    fmt: Annotated[str, typer.Option("--format", help="csv | xlsx | json")] = "csv",
) -> None:
    """The firm's inventory: one row per claim and per line, scopes and categories as columns."""
    if fmt not in ("csv", "xlsx", "json"):
        raise fail(f"--format {fmt!r}: csv, xlsx or json", 2)
    if not out.parent.is_dir():
        raise fail(f"--out {out}: there is no directory {out.parent}", 2)
    with member.reading() as session:
        query = filters.query(Names(session))
        partial = out.with_name(out.name + ".part")  # the file appears only once whole
        try:
            with partial.open("wb") as file:
                claims = session.export_claims_to(file, fmt, **query)
            partial.replace(out)
        finally:
            partial.unlink(missing_ok=True)
    size = out.stat().st_size
    console.print(f"wrote {out} ({claims:,} claims, {size:,} bytes, {fmt})")


#: the keystore password (``CARBONLEDGER_KEY_PASSWORD`` or a prompt), as other commands import it
_password = password
