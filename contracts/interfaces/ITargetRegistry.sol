// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IClaimLedger} from "./IClaimLedger.sol";
import {IClaimLedgerClient} from "./IClaimLedgerClient.sol";
import {IMemberSigned} from "./IMemberSigned.sol";

/**
 * @title ITargetRegistry
 * @notice A member firm's signed emission-reduction targets, recorded on chain.
 *
 * A firm signs a {Target} (EIP-712, domain `CarbonLedger TargetRegistry`, version `1`) with its
 * current signing key; anyone (the service, as a relayer) submits it with {recordTarget}. The
 * target names its base year and the base footprint claim (a footprint claim of the same firm
 * in the {IClaimLedger}, active when the target is recorded: neither superseded nor revoked),
 * the target year, the cut in basis points, the scopes and Scope 3 categories it covers (bit
 * flags), its kind (SBTi-style near-term or net-zero), whether only audited claims count
 * towards it, and the hash of the target document.
 *
 * The target id is the target's EIP-712 struct hash. A firm may record several targets (a
 * near-term and a net-zero one, or a revised one): each is kept, in order; progress is
 * computed off chain from verified claims.
 */
interface ITargetRegistry is IMemberSigned, IClaimLedgerClient {
    /// @notice SBTi-style target kind.
    enum TargetKind {
        NearTerm,
        NetZero
    }

    /**
     * @notice A signed target (EIP-712 type `Target`, field order as here).
     * @param firm The committing firm (an active member firm; it signs).
     * @param baseClaimId The firm's active footprint claim for the base year.
     * @param baseYear The base year.
     * @param targetYear The year the cut is reached (after the base year, at most 2100).
     * @param reductionBps The cut from the base in basis points, 1..10,000.
     * @param kind {TargetKind} as `uint8`.
     * @param coverage Bit flags: bits 0-2 scopes 1-3, bit 2+c Scope 3 category c (1..15).
     * @param auditedOnly Whether only audited claims count towards the target.
     * @param documentHash Hash of the target's document (canonical JSON).
     * @param nonce The firm's next nonce in this registry.
     * @param deadline Last unix second at which the signature may be recorded.
     */
    struct Target {
        address firm;
        bytes32 baseClaimId;
        uint16 baseYear;
        uint16 targetYear;
        uint16 reductionBps;
        uint8 kind;
        uint32 coverage;
        bool auditedOnly;
        bytes32 documentHash;
        uint256 nonce;
        uint256 deadline;
    }

    /// @notice A recorded target: one storage slot plus the two hashes.
    struct TargetRecord {
        address firm;
        uint16 baseYear;
        uint16 targetYear;
        uint16 reductionBps;
        uint8 kind;
        uint32 coverage;
        bool auditedOnly;
        uint64 recordedAt;
        bytes32 baseClaimId;
        bytes32 documentHash;
    }

    // ------------------------------------------------------------------ errors

    /// @notice A constructor address is zero.
    error TargetRegistryZeroAddress();
    /// @notice The signature's deadline has passed.
    error TargetRegistryExpiredSignature(uint256 deadline);
    /// @notice `firm` is not an active member holding the firm role.
    error TargetRegistryNotFirm(address firm);
    /// @notice `signature` is not by `key`, the current signing key of `firm`.
    error TargetRegistryInvalidSignature(address firm, address key);
    /// @notice `nonce` was already used by `firm`.
    error TargetRegistryNonceAlreadyUsed(address firm, uint256 nonce);
    /// @notice `nonce` is ahead of `firm`'s next nonce `expected`.
    error TargetRegistryNonceOutOfOrder(address firm, uint256 expected, uint256 nonce);
    /// @notice The years are not base < target <= 2100 with base >= 1990.
    error TargetRegistryInvalidYears(uint16 baseYear, uint16 targetYear);
    /// @notice The cut is not 1..10,000 bps.
    error TargetRegistryInvalidReduction(uint16 reductionBps);
    /// @notice `kind` is not a {TargetKind}.
    error TargetRegistryInvalidKind(uint8 kind);
    /// @notice `coverage` covers no scope, has bits beyond category 15, or categories without scope 3.
    error TargetRegistryInvalidCoverage(uint32 coverage);
    /// @notice `baseClaimId` is not a footprint claim of `firm` (`owner` is the claim's firm).
    error TargetRegistryInvalidBaseClaim(bytes32 baseClaimId, address owner);
    /// @notice The base claim `baseClaimId` is `status` (superseded or revoked), not active:
    /// a target rests on a base-year footprint in force (re-base on the amendment, if any).
    error TargetRegistryBaseClaimNotActive(bytes32 baseClaimId, IClaimLedger.ClaimStatus status);
    /// @notice The same target was already recorded.
    error TargetRegistryDuplicateTarget(bytes32 targetId);
    /// @notice No target has id `targetId`.
    error TargetRegistryUnknownTarget(bytes32 targetId);

    // ------------------------------------------------------------------ events

    /// @notice `firm` committed to cut its covered emissions by `reductionBps` from `baseYear` by `targetYear`.
    event TargetRecorded(
        address indexed firm,
        bytes32 indexed targetId,
        bytes32 indexed baseClaimId,
        uint16 baseYear,
        uint16 targetYear,
        uint16 reductionBps,
        uint8 kind,
        uint32 coverage,
        bool auditedOnly,
        bytes32 documentHash
    );

    // ------------------------------------------------------------------ functions

    /**
     * @notice Records `target`, signed by its firm's current key (relayed by anyone).
     * @return targetId The target's EIP-712 struct hash.
     */
    function recordTarget(Target calldata target, bytes calldata signature) external returns (bytes32 targetId);

    /// @notice The recorded target `targetId` (reverts {TargetRegistryUnknownTarget}).
    function targetOf(bytes32 targetId) external view returns (TargetRecord memory);

    /// @notice The ids of `firm`'s recorded targets, oldest first.
    function targetsOf(address firm) external view returns (bytes32[] memory);

    /// @notice The EIP-712 struct hash of `target` (its id), for off-chain signers.
    function hashTarget(Target calldata target) external pure returns (bytes32 structHash);
}
