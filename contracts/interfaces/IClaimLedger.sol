// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IClaimLedgerMirror} from "./IClaimLedgerMirror.sol";
import {IMemberRegistry} from "./IMemberRegistry.sol";
import {IMemberSigned} from "./IMemberSigned.sol";
import {IStandardRegistry} from "./IStandardRegistry.sol";

/**
 * @title IClaimLedger
 * @notice Footprint and reduction claims signed off-chain by member firms (EIP-712) and
 * recorded by anyone, typically a relayer that pays the gas.
 *
 * Identity: `claimId = keccak256(abi.encode(firm, documentHash))`. The canonical document
 * commits to every detail of the claim, so the id is the on-chain commitment; the same
 * document of the same firm is a duplicate. Storage holds one slot per claim (firm, kind,
 * status, check outcome, audit verdict, standard version and the gross total the ledger
 * compares reductions against); every detail is in the {ClaimSubmitted} event.
 *
 * Gross total: `scope1 + scope2Market + scope3` kgCO2e. Scope 2 location-based and biogenic
 * CO2 are reported (in the event) but not part of the gross total. A reduction claim's gross
 * total is the reduction it claims and may not exceed the gross total of its baseline.
 *
 * Keys: a signature is checked against the firm's signing key in the member registry when
 * the claim is recorded. Recorded claims stay valid after a key rotation; a claim signed with
 * the old key but submitted after the rotation is refused.
 *
 * Nonces: one sequential counter per signing account ({nonces}), shared by claims,
 * revocations (firms) and audit verdicts (auditors).
 *
 * Mirror: the registries push every change of a member's signing state and of a standard
 * version's state into the ledger ({IClaimLedgerMirror-syncMember},
 * {IClaimLedgerMirror-syncVersion}) once an admin bound them to it
 * ({IMemberRegistry-setClaimLedger}, {IStandardRegistry-setClaimLedger}; the deployment does it).
 * The ledger keeps the member's signing state in the same storage word as its nonce, so a
 * claim costs no call to another contract. Until an account or version has a mirror entry
 * the ledger asks the registry, so the answers never differ from the registries'.
 *
 * Lifecycle: `Active` (submitted) -> checked (outcome recorded by a checker, repeatable until
 * audited) -> audited (verdict signed by an auditor, once, only after a passing check);
 * `Active` -> `Superseded` (by an amendment of the same firm) or `Revoked` (by the firm).
 * Superseded and revoked are final. History: every transition is an event indexed by claim
 * id and by firm.
 */
interface IClaimLedger is IClaimLedgerMirror, IMemberSigned {
    /// @notice What a claim states.
    enum ClaimKind {
        Footprint,
        Reduction
    }

    /// @notice Lifecycle of a claim. Only `Active` claims count; the other two are final.
    enum ClaimStatus {
        None,
        Active,
        Superseded,
        Revoked
    }

    /// @notice Latest result of the standard check.
    enum CheckOutcome {
        None,
        Passed,
        Failed
    }

    /// @notice Verdict of the audit.
    enum AuditVerdict {
        None,
        Approved,
        Rejected
    }

    /**
     * @notice A claim as the firm signs it (EIP-712 primary type `Claim`, field order as here;
     * `kind` is encoded as `uint8`).
     * @param firm The member account of the firm.
     * @param kind Footprint or reduction.
     * @param standardVersion Version id in the standard registry.
     * @param periodStart Start of the reporting period (unix seconds, inclusive).
     * @param periodEnd End of the reporting period (unix seconds, exclusive); after `periodStart`.
     * @param documentHash Hash of the canonical claim document.
     * @param activityRoot Merkle root of the activity lines.
     * @param scope1 Scope 1 kgCO2e.
     * @param scope2Location Scope 2 location-based kgCO2e.
     * @param scope2Market Scope 2 market-based kgCO2e.
     * @param scope3 Scope 3 kgCO2e.
     * @param biogenic Biogenic CO2 in kg, reported apart.
     * @param baseline For a reduction, the footprint claim it is measured against; zero otherwise.
     * @param supersedes For an amendment, the claim it replaces; zero otherwise.
     * @param nonce The firm's next nonce ({nonces}).
     * @param deadline Last unix second at which the signature may be recorded.
     */
    struct Claim {
        address firm;
        ClaimKind kind;
        uint16 standardVersion;
        uint64 periodStart;
        uint64 periodEnd;
        bytes32 documentHash;
        bytes32 activityRoot;
        uint64 scope1;
        uint64 scope2Location;
        uint64 scope2Market;
        uint64 scope3;
        uint64 biogenic;
        bytes32 baseline;
        bytes32 supersedes;
        uint256 nonce;
        uint256 deadline;
    }

    /// @notice The stored state of a claim: exactly one storage slot.
    struct ClaimRecord {
        address firm;
        ClaimKind kind;
        ClaimStatus status;
        CheckOutcome check;
        AuditVerdict audit;
        uint16 standardVersion;
        uint48 grossTotal;
    }

    /// @notice A check result recorded by a checker.
    struct CheckResult {
        bytes32 claimId;
        bool passed;
        bytes32 reportHash;
    }

    /// @notice An audit verdict as the auditor signs it (EIP-712 primary type `Audit`; `verdict` as `uint8`).
    struct Audit {
        bytes32 claimId;
        address auditor;
        AuditVerdict verdict;
        bytes32 reportHash;
        uint256 nonce;
        uint256 deadline;
    }

    /// @notice A revocation as the firm signs it (EIP-712 primary type `Revocation`).
    struct Revocation {
        bytes32 claimId;
        address firm;
        bytes32 reasonHash;
        uint256 nonce;
        uint256 deadline;
    }

    // ------------------------------------------------------------------ errors

    /// @notice A constructor address was zero.
    error ClaimLedgerZeroAddress();
    /// @notice The signature's `deadline` has passed.
    error ClaimLedgerExpiredSignature(uint256 deadline);
    /// @notice `firm` is not an active member holding the firm role.
    error ClaimLedgerInactiveFirm(address firm);
    /// @notice `account` is not an active member holding `role` (check, audit).
    error ClaimLedgerMissingRole(address account, uint8 role);
    /// @notice The signature is not one of `signingKey`, the current key of `account`.
    error ClaimLedgerInvalidSignature(address account, address signingKey);
    /// @notice `nonce` of `account` was already used.
    error ClaimLedgerNonceAlreadyUsed(address account, uint256 nonce);
    /// @notice `nonce` of `account` is ahead of the `expected` next nonce.
    error ClaimLedgerNonceOutOfOrder(address account, uint256 expected, uint256 nonce);
    /// @notice Claim `claimId` (same firm, same document) is already recorded.
    error ClaimLedgerDuplicateClaim(bytes32 claimId);
    /// @notice Standard version `version` was never published.
    error ClaimLedgerUnknownStandard(uint16 version);
    /// @notice Standard version `version` is retired.
    error ClaimLedgerRetiredStandard(uint16 version);
    /// @notice Standard version `version` is effective only from `effectiveFrom`.
    error ClaimLedgerStandardNotEffective(uint16 version, uint64 effectiveFrom);
    /// @notice The reporting period is empty or inverted.
    error ClaimLedgerInvalidPeriod(uint64 periodStart, uint64 periodEnd);
    /// @notice The gross total `total` does not fit in 48 bits.
    error ClaimLedgerTotalTooLarge(uint256 total);
    /// @notice A footprint claim named a `baseline`.
    error ClaimLedgerUnexpectedBaseline(bytes32 baseline);
    /// @notice The reduction's `baseline` is zero or not a recorded claim.
    error ClaimLedgerMissingBaseline(bytes32 baseline);
    /// @notice The reduction's `baseline` is not a footprint claim.
    error ClaimLedgerBaselineNotFootprint(bytes32 baseline);
    /// @notice The reduction's `baseline` belongs to `baselineFirm`.
    error ClaimLedgerBaselineOfAnotherFirm(bytes32 baseline, address baselineFirm);
    /// @notice The reduction uses `version` but its `baseline` uses `baselineVersion`.
    error ClaimLedgerBaselineStandardMismatch(bytes32 baseline, uint16 baselineVersion, uint16 version);
    /// @notice The reduction's `baseline` is superseded or revoked.
    error ClaimLedgerBaselineNotActive(bytes32 baseline, ClaimStatus status);
    /// @notice The `reduction` gross total exceeds the `baseline` gross total.
    error ClaimLedgerReductionExceedsBaseline(uint256 reduction, uint256 baseline);
    /// @notice No claim `claimId` is recorded.
    error ClaimLedgerUnknownClaim(bytes32 claimId);
    /// @notice Claim `claimId` belongs to `owner`, not to the firm acting on it.
    error ClaimLedgerNotClaimOwner(bytes32 claimId, address owner);
    /// @notice Claim `claimId` is `status`, not active.
    error ClaimLedgerClaimNotActive(bytes32 claimId, ClaimStatus status);
    /// @notice An amendment must keep the `kind` of claim `claimId`.
    error ClaimLedgerAmendmentKindMismatch(bytes32 claimId, ClaimKind kind);
    /// @notice Claim `claimId` already has an audit verdict.
    error ClaimLedgerAlreadyAudited(bytes32 claimId);
    /// @notice Claim `claimId` cannot be audited: its check outcome is `outcome`.
    error ClaimLedgerCheckNotPassed(bytes32 claimId, CheckOutcome outcome);
    /// @notice `auditor` cannot audit claim `claimId` of its own.
    error ClaimLedgerSelfAudit(bytes32 claimId, address auditor);
    /// @notice An audit verdict must be `Approved` or `Rejected`.
    error ClaimLedgerInvalidVerdict();
    /// @notice Batch arrays differ in length.
    error ClaimLedgerLengthMismatch(uint256 items, uint256 signatures);
    /// @notice `caller` is not the {IClaimRoots} contract this ledger deployed.
    error ClaimLedgerUnauthorizedAdmission(address caller);
    /// @notice Item `index` of an atomic batch failed with the error encoded in `reason`.
    error ClaimLedgerBatchItemFailed(uint256 index, bytes reason);

    // ------------------------------------------------------------------ events

    /**
     * @notice A signed claim was recorded. With {ReductionBaselineLinked} (reductions) and
     * {ClaimSuperseded} (amendments) from the same transaction, this is every field of the
     * signed {Claim} except `nonce` and `deadline`. The small fields are packed into two words
     * (gas per claim is a headline figure; {unpackClaimDetails} and the backend decode them):
     * `header = kind | standardVersion << 8 | periodStart << 24 | periodEnd << 88 | biogenic << 152`,
     * `scopes = scope1 | scope2Location << 64 | scope2Market << 128 | scope3 << 192`.
     */
    event ClaimSubmitted(
        bytes32 indexed claimId,
        address indexed firm,
        bytes32 documentHash,
        bytes32 activityRoot,
        uint256 header,
        uint256 scopes
    );
    /// @notice Reduction claim `claimId` of `firm` is measured against its footprint claim `baselineId`.
    event ReductionBaselineLinked(bytes32 indexed claimId, address indexed firm, bytes32 indexed baselineId);
    /// @notice Claim `claimId` of `firm` was superseded by its amendment `supersededBy`.
    event ClaimSuperseded(bytes32 indexed claimId, address indexed firm, bytes32 indexed supersededBy);
    /// @notice `firm` revoked claim `claimId` for the reason documented under `reasonHash`.
    event ClaimRevoked(bytes32 indexed claimId, address indexed firm, bytes32 reasonHash);
    /// @notice `checker` recorded whether claim `claimId` passed the standard check.
    event ClaimChecked(bytes32 indexed claimId, address indexed checker, bool passed, bytes32 reportHash);
    /// @notice `auditor` signed `verdict` on claim `claimId` with its report under `reportHash`.
    event ClaimAudited(bytes32 indexed claimId, address indexed auditor, AuditVerdict verdict, bytes32 reportHash);
    /// @notice Item `index` of a {trySubmitClaims} batch was not recorded, for the error encoded in `reason`.
    event ClaimSubmissionFailed(uint256 indexed index, bytes reason);

    // ------------------------------------------------------------------ claims

    /// @notice Record one claim signed by its firm's current key. Anyone may submit it.
    /// @return claimId The id of the recorded claim.
    function submitClaim(Claim calldata claim, bytes calldata signature) external returns (bytes32 claimId);

    /// @notice Record many signed claims atomically: if item `i` fails, the whole transaction
    /// reverts with {ClaimLedgerBatchItemFailed}(`i`, the item's own error).
    function submitClaims(Claim[] calldata claims, bytes[] calldata signatures)
        external
        returns (bytes32[] memory claimIds);

    /// @notice Record many signed claims, skipping those that fail: a failed item gets a zero id
    /// and a {ClaimSubmissionFailed} event naming its index and its error.
    function trySubmitClaims(Claim[] calldata claims, bytes[] calldata signatures)
        external
        returns (bytes32[] memory claimIds);

    /**
     * @notice Record a claim anchored under a Merkle root at `anchoredAt` (caller: the
     * {IClaimRoots} contract this ledger deployed, {claimRoots}, after it checked the proof,
     * the signature against the firm's key at `anchoredAt` and the deadline). The ledger
     * checks the rest as for {submitClaim}: the firm active now, a new id, the period, the
     * standard version effective at `anchoredAt` (a version retired since is accepted), the
     * total, baseline and amendment rules. The nonce is not held to the order (claims are
     * admitted when an operation needs them, in any order): the firm's counter moves past
     * it when it is not behind already, so no later signed operation can reuse it.
     * @return claimId The id of the recorded claim.
     */
    function admitClaim(Claim calldata claim, uint64 anchoredAt) external returns (bytes32 claimId);

    /// @notice Revoke an active claim, as signed by its firm. Anyone may submit it.
    function revokeClaim(Revocation calldata revocation, bytes calldata signature) external;

    // ------------------------------------------------------------------ review

    /// @notice Record a check result (caller: an active checker). Repeatable until the claim is audited.
    function recordCheck(CheckResult calldata result) external;

    /// @notice Record many check results atomically ({ClaimLedgerBatchItemFailed} names a failing item).
    function recordChecks(CheckResult[] calldata results) external;

    /// @notice Record an audit verdict signed by an active auditor. Anyone may submit it.
    function recordAudit(Audit calldata audit, bytes calldata signature) external;

    // ------------------------------------------------------------------ views

    /// @notice The stored state of claim `claimId` (status `None` when unknown).
    function claimOf(bytes32 claimId) external view returns (ClaimRecord memory);

    /// @notice Whether claim `claimId` is recorded and neither superseded nor revoked.
    function isActive(bytes32 claimId) external view returns (bool);

    /// @notice The id of the claim of `firm` whose canonical document hashes to `documentHash`.
    function computeClaimId(address firm, bytes32 documentHash) external pure returns (bytes32);

    /// @notice Decode the packed `header` and `scopes` words of {ClaimSubmitted}.
    function unpackClaimDetails(uint256 header, uint256 scopes)
        external
        pure
        returns (
            ClaimKind kind,
            uint16 standardVersion,
            uint64 periodStart,
            uint64 periodEnd,
            uint64 biogenic,
            uint64 scope1,
            uint64 scope2Location,
            uint64 scope2Market,
            uint64 scope3
        );

    /// @notice The EIP-712 digest a firm signs for `claim`.
    function claimDigest(Claim calldata claim) external view returns (bytes32);

    /// @notice The EIP-712 struct hash of `claim` ({claimDigest} is its digest under {DOMAIN_SEPARATOR}).
    function hashClaim(Claim calldata claim) external pure returns (bytes32 structHash);

    /// @notice The EIP-712 struct hash of `audit` (what an auditor signs, under {DOMAIN_SEPARATOR}).
    function hashAudit(Audit calldata audit) external pure returns (bytes32 structHash);

    /// @notice The EIP-712 struct hash of `revocation` (what a firm signs, under {DOMAIN_SEPARATOR}).
    function hashRevocation(Revocation calldata revocation) external pure returns (bytes32 structHash);

    /// @notice The {IClaimRoots} contract deployed with this ledger, the only one that admits claims.
    function claimRoots() external view returns (address);
}
