// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";
import {IClaimLedger} from "./interfaces/IClaimLedger.sol";
import {IMemberRegistry, Roles} from "./interfaces/IMemberRegistry.sol";
import {IMemberSigned} from "./interfaces/IMemberSigned.sol";
import {ITargetRegistry} from "./interfaces/ITargetRegistry.sol";
import {SignerCheck} from "./libraries/SignerCheck.sol";
import {ClaimLedgerClient} from "./utils/ClaimLedgerClient.sol";
import {MemberSigned} from "./utils/MemberSigned.sol";

/**
 * @title TargetRegistry
 * @notice Records member firms' signed reduction targets. See {ITargetRegistry}.
 */
contract TargetRegistry is ITargetRegistry, MemberSigned, ClaimLedgerClient, Nonces {
    bytes32 public constant TARGET_TYPEHASH = keccak256(
        "Target(address firm,bytes32 baseClaimId,uint16 baseYear,uint16 targetYear,uint16 reductionBps,uint8 kind,"
        "uint32 coverage,bool auditedOnly,bytes32 documentHash,uint256 nonce,uint256 deadline)"
    );

    uint16 private constant MIN_YEAR = 1990;
    uint16 private constant MAX_YEAR = 2100;
    uint16 private constant BPS = 10_000;
    uint32 private constant SCOPE_BITS = 0x7;
    uint32 private constant SCOPE3_BIT = 0x4;
    /// @dev Scopes 1-3 (bits 0-2) and Scope 3 categories 1..15 (bits 3..17).
    uint32 private constant COVERAGE_BITS = (uint32(1) << 18) - 1;

    mapping(bytes32 targetId => TargetRecord) private _targets;
    mapping(address firm => bytes32[] targetIds) private _firmTargets;

    /**
     * @param memberRegistry_ The {MemberRegistry}.
     * @param claimLedger_ The {ClaimLedger}.
     */
    constructor(address memberRegistry_, address claimLedger_)
        MemberSigned("CarbonLedger TargetRegistry", memberRegistry_)
        ClaimLedgerClient(claimLedger_)
    {
        if (memberRegistry_ == address(0) || claimLedger_ == address(0)) revert TargetRegistryZeroAddress();
    }

    /// @inheritdoc ITargetRegistry
    function recordTarget(Target calldata target, bytes calldata signature) external returns (bytes32 targetId) {
        targetId = hashTarget(target);
        _checkSigned(target, targetId, signature);
        _checkTerms(target);
        if (_targets[targetId].firm != address(0)) revert TargetRegistryDuplicateTarget(targetId);
        _record(targetId, target);
    }

    /// @inheritdoc ITargetRegistry
    function targetOf(bytes32 targetId) external view returns (TargetRecord memory record) {
        record = _targets[targetId];
        if (record.firm == address(0)) revert TargetRegistryUnknownTarget(targetId);
    }

    /// @inheritdoc ITargetRegistry
    function targetsOf(address firm) external view returns (bytes32[] memory) {
        return _firmTargets[firm];
    }

    /// @inheritdoc ITargetRegistry
    function hashTarget(Target calldata target) public pure returns (bytes32 structHash) {
        return keccak256(abi.encode(TARGET_TYPEHASH, target));
    }

    /// @inheritdoc IMemberSigned
    function nonces(address firm) public view override(IMemberSigned, Nonces) returns (uint256) {
        return super.nonces(firm);
    }

    // ------------------------------------------------------------------ checks

    /// @dev Reverts unless `signature` over the target is by the current key of its firm, an
    /// active member firm, before the deadline, with the firm's next nonce.
    function _checkSigned(Target calldata target, bytes32 structHash, bytes calldata signature) private view {
        if (block.timestamp > target.deadline) revert TargetRegistryExpiredSignature(target.deadline);
        address firm = target.firm;
        (address key, uint8 roles, IMemberRegistry.MemberStatus status) = _members.memberState(firm);
        if (status != IMemberRegistry.MemberStatus.Active || roles & Roles.FIRM == 0) {
            revert TargetRegistryNotFirm(firm);
        }
        if (!SignerCheck.isValidSignature(key, _hashTypedDataV4(structHash), signature)) {
            revert TargetRegistryInvalidSignature(firm, key);
        }
        uint256 expected = nonces(firm);
        if (target.nonce < expected) revert TargetRegistryNonceAlreadyUsed(firm, target.nonce);
        if (target.nonce > expected) revert TargetRegistryNonceOutOfOrder(firm, expected, target.nonce);
    }

    function _checkTerms(Target calldata target) private view {
        if (target.baseYear < MIN_YEAR || target.targetYear <= target.baseYear || target.targetYear > MAX_YEAR) {
            revert TargetRegistryInvalidYears(target.baseYear, target.targetYear);
        }
        if (target.reductionBps == 0 || target.reductionBps > BPS) {
            revert TargetRegistryInvalidReduction(target.reductionBps);
        }
        if (target.kind > uint8(type(TargetKind).max)) revert TargetRegistryInvalidKind(target.kind);
        uint32 coverage = target.coverage;
        bool categories = coverage > SCOPE_BITS;
        if (coverage & SCOPE_BITS == 0 || coverage & ~COVERAGE_BITS != 0 || (categories && coverage & SCOPE3_BIT == 0)) {
            revert TargetRegistryInvalidCoverage(coverage);
        }
        IClaimLedger.ClaimRecord memory base = _ledger.claimOf(target.baseClaimId);
        if (base.firm != target.firm || base.kind != IClaimLedger.ClaimKind.Footprint) {
            revert TargetRegistryInvalidBaseClaim(target.baseClaimId, base.firm);
        }
        if (base.status != IClaimLedger.ClaimStatus.Active) {
            revert TargetRegistryBaseClaimNotActive(target.baseClaimId, base.status);
        }
    }

    // ------------------------------------------------------------------ effects

    function _record(bytes32 targetId, Target calldata target) private {
        _useNonce(target.firm);
        _targets[targetId] = TargetRecord({
            firm: target.firm,
            baseYear: target.baseYear,
            targetYear: target.targetYear,
            reductionBps: target.reductionBps,
            kind: target.kind,
            coverage: target.coverage,
            auditedOnly: target.auditedOnly,
            recordedAt: uint64(block.timestamp),
            baseClaimId: target.baseClaimId,
            documentHash: target.documentHash
        });
        _firmTargets[target.firm].push(targetId);
        emit TargetRecorded(
            target.firm,
            targetId,
            target.baseClaimId,
            target.baseYear,
            target.targetYear,
            target.reductionBps,
            target.kind,
            target.coverage,
            target.auditedOnly,
            target.documentHash
        );
    }
}
