// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";
import {IClaimLedger} from "./interfaces/IClaimLedger.sol";
import {IMemberRegistry, Roles} from "./interfaces/IMemberRegistry.sol";
import {IStandardRegistry} from "./interfaces/IStandardRegistry.sol";
import {SignerCheck} from "./libraries/SignerCheck.sol";

/**
 * @title ClaimLedger
 * @notice Footprint and reduction claims, signed off-chain by member firms and recorded by
 * anyone; checked by the backend's checker; audited by auditors.
 *
 * @dev Validation of a signed claim returns the encoded custom error instead of reverting, so
 * that one code path serves {submitClaim} (reverts with the error itself), {submitClaims}
 * (reverts with {ClaimLedgerBatchItemFailed} naming the index) and {trySubmitClaims} (emits
 * {ClaimSubmissionFailed} and goes on). A claim costs one new storage slot; the nonce and the
 * member / standard look-ups are warm after the first claim of a batch.
 */
contract ClaimLedger is IClaimLedger, EIP712, Nonces {
    /// @notice EIP-712 type hash of {Claim}.
    bytes32 public constant CLAIM_TYPEHASH = keccak256(
        "Claim(address firm,uint8 kind,uint16 standardVersion,uint64 periodStart,uint64 periodEnd,"
        "bytes32 documentHash,bytes32 activityRoot,uint64 scope1,uint64 scope2Location,uint64 scope2Market,"
        "uint64 scope3,uint64 biogenic,bytes32 baseline,bytes32 supersedes,uint256 nonce,uint256 deadline)"
    );
    /// @notice EIP-712 type hash of {Audit}.
    bytes32 public constant AUDIT_TYPEHASH = keccak256(
        "Audit(bytes32 claimId,address auditor,uint8 verdict,bytes32 reportHash,uint256 nonce,uint256 deadline)"
    );
    /// @notice EIP-712 type hash of {Revocation}.
    bytes32 public constant REVOCATION_TYPEHASH =
        keccak256("Revocation(bytes32 claimId,address firm,bytes32 reasonHash,uint256 nonce,uint256 deadline)");

    /// @dev Registry answers cached for the length of one call (they cannot change within it).
    struct Lookups {
        address firm;
        address key;
        bool firmActive;
        bool versionLoaded;
        uint16 version;
        IStandardRegistry.VersionStatus versionStatus;
        uint64 effectiveFrom;
    }

    IMemberRegistry private immutable _members;
    IStandardRegistry private immutable _standards;

    mapping(bytes32 claimId => ClaimRecord) private _claims;

    modifier onlyRole(uint8 role) {
        _checkRole(msg.sender, role);
        _;
    }

    /**
     * @param memberRegistry_ The {MemberRegistry}.
     * @param standardRegistry_ The {StandardRegistry}.
     */
    constructor(address memberRegistry_, address standardRegistry_) EIP712("CarbonLedger ClaimLedger", "1") {
        if (memberRegistry_ == address(0) || standardRegistry_ == address(0)) revert ClaimLedgerZeroAddress();
        _members = IMemberRegistry(memberRegistry_);
        _standards = IStandardRegistry(standardRegistry_);
    }

    // ------------------------------------------------------------------ claims

    /// @inheritdoc IClaimLedger
    function submitClaim(Claim calldata claim, bytes calldata signature) external returns (bytes32 claimId) {
        uint48 total;
        bytes memory reason;
        Lookups memory lookups;
        (claimId, total, reason) = _validateClaim(claim, signature, lookups);
        if (reason.length != 0) _revert(reason);
        _recordClaim(claimId, total, claim);
    }

    /// @inheritdoc IClaimLedger
    function submitClaims(Claim[] calldata claims, bytes[] calldata signatures)
        external
        returns (bytes32[] memory claimIds)
    {
        uint256 n = claims.length;
        if (n != signatures.length) revert ClaimLedgerLengthMismatch(n, signatures.length);
        claimIds = new bytes32[](n);
        Lookups memory lookups;
        for (uint256 i = 0; i < n; ) {
            Claim calldata claim = claims[i];
            (bytes32 claimId, uint48 total, bytes memory reason) = _validateClaim(claim, signatures[i], lookups);
            if (reason.length != 0) revert ClaimLedgerBatchItemFailed(i, reason);
            _recordClaim(claimId, total, claim);
            claimIds[i] = claimId;
            unchecked {
                ++i;
            }
        }
    }

    /// @inheritdoc IClaimLedger
    function trySubmitClaims(Claim[] calldata claims, bytes[] calldata signatures)
        external
        returns (bytes32[] memory claimIds)
    {
        uint256 n = claims.length;
        if (n != signatures.length) revert ClaimLedgerLengthMismatch(n, signatures.length);
        claimIds = new bytes32[](n);
        Lookups memory lookups;
        for (uint256 i = 0; i < n; ) {
            Claim calldata claim = claims[i];
            (bytes32 claimId, uint48 total, bytes memory reason) = _validateClaim(claim, signatures[i], lookups);
            if (reason.length != 0) {
                emit ClaimSubmissionFailed(i, reason);
            } else {
                _recordClaim(claimId, total, claim);
                claimIds[i] = claimId;
            }
            unchecked {
                ++i;
            }
        }
    }

    /// @inheritdoc IClaimLedger
    function revokeClaim(Revocation calldata revocation, bytes calldata signature) external {
        _checkSigned(
            revocation.firm,
            Roles.FIRM,
            keccak256(abi.encode(REVOCATION_TYPEHASH, revocation)),
            revocation.nonce,
            revocation.deadline,
            signature
        );
        bytes32 claimId = revocation.claimId;
        ClaimRecord storage record = _claims[claimId];
        ClaimStatus status = record.status;
        if (status == ClaimStatus.None) revert ClaimLedgerUnknownClaim(claimId);
        if (record.firm != revocation.firm) revert ClaimLedgerNotClaimOwner(claimId, record.firm);
        if (status != ClaimStatus.Active) revert ClaimLedgerClaimNotActive(claimId, status);
        _revoke(revocation);
    }

    // ------------------------------------------------------------------ review

    /// @inheritdoc IClaimLedger
    function recordCheck(CheckResult calldata result) external onlyRole(Roles.CHECKER) {
        bytes memory reason = _validateCheck(result.claimId);
        if (reason.length != 0) _revert(reason);
        _recordCheck(result);
    }

    /// @inheritdoc IClaimLedger
    function recordChecks(CheckResult[] calldata results) external onlyRole(Roles.CHECKER) {
        uint256 n = results.length;
        for (uint256 i = 0; i < n; ) {
            CheckResult calldata result = results[i];
            bytes memory reason = _validateCheck(result.claimId);
            if (reason.length != 0) revert ClaimLedgerBatchItemFailed(i, reason);
            _recordCheck(result);
            unchecked {
                ++i;
            }
        }
    }

    /// @inheritdoc IClaimLedger
    function recordAudit(Audit calldata audit, bytes calldata signature) external {
        _checkSigned(
            audit.auditor,
            Roles.AUDITOR,
            keccak256(abi.encode(AUDIT_TYPEHASH, audit)),
            audit.nonce,
            audit.deadline,
            signature
        );
        if (audit.verdict == AuditVerdict.None) revert ClaimLedgerInvalidVerdict();
        bytes32 claimId = audit.claimId;
        ClaimRecord memory record = _claims[claimId];
        if (record.status == ClaimStatus.None) revert ClaimLedgerUnknownClaim(claimId);
        if (record.status != ClaimStatus.Active) revert ClaimLedgerClaimNotActive(claimId, record.status);
        if (record.firm == audit.auditor) revert ClaimLedgerSelfAudit(claimId, audit.auditor);
        if (record.audit != AuditVerdict.None) revert ClaimLedgerAlreadyAudited(claimId);
        if (record.check != CheckOutcome.Passed) revert ClaimLedgerCheckNotPassed(claimId, record.check);
        _recordAudit(audit);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IClaimLedger
    function claimOf(bytes32 claimId) external view returns (ClaimRecord memory) {
        return _claims[claimId];
    }

    /// @inheritdoc IClaimLedger
    function isActive(bytes32 claimId) external view returns (bool) {
        return _claims[claimId].status == ClaimStatus.Active;
    }

    /// @inheritdoc IClaimLedger
    function computeClaimId(address firm, bytes32 documentHash) external pure returns (bytes32) {
        return _claimId(firm, documentHash);
    }

    /// @inheritdoc IClaimLedger
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
        )
    {
        kind = ClaimKind(uint8(header));
        standardVersion = uint16(header >> 8);
        periodStart = uint64(header >> 24);
        periodEnd = uint64(header >> 88);
        biogenic = uint64(header >> 152);
        scope1 = uint64(scopes);
        scope2Location = uint64(scopes >> 64);
        scope2Market = uint64(scopes >> 128);
        scope3 = uint64(scopes >> 192);
    }

    /// @inheritdoc IClaimLedger
    function claimDigest(Claim calldata claim) external view returns (bytes32) {
        return _hashTypedDataV4(_hashClaim(claim));
    }

    /// @inheritdoc IClaimLedger
    function nonces(address account) public view override(IClaimLedger, Nonces) returns (uint256) {
        return super.nonces(account);
    }

    /// @inheritdoc IClaimLedger
    // solhint-disable-next-line func-name-mixedcase
    function DOMAIN_SEPARATOR() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    /// @inheritdoc IClaimLedger
    function memberRegistry() external view returns (address) {
        return address(_members);
    }

    /// @inheritdoc IClaimLedger
    function standardRegistry() external view returns (address) {
        return address(_standards);
    }

    // ------------------------------------------------------------------ checks

    function _checkRole(address account, uint8 role) private view {
        if (!_members.hasRole(account, role)) revert ClaimLedgerMissingRole(account, role);
    }

    /// @dev Reverts unless `signature` over `structHash` is by the current key of `account`, an
    /// active member holding `role`, before `deadline`, with `account`'s next `nonce`.
    function _checkSigned(
        address account,
        uint8 role,
        bytes32 structHash,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signature
    ) private view {
        if (block.timestamp > deadline) revert ClaimLedgerExpiredSignature(deadline);
        (address key, uint8 roles, IMemberRegistry.MemberStatus status) = _members.memberState(account);
        if (status != IMemberRegistry.MemberStatus.Active || roles & role == 0) {
            if (role == Roles.FIRM) revert ClaimLedgerInactiveFirm(account);
            revert ClaimLedgerMissingRole(account, role);
        }
        if (!SignerCheck.isValidSignature(key, _hashTypedDataV4(structHash), signature)) {
            revert ClaimLedgerInvalidSignature(account, key);
        }
        uint256 expected = nonces(account);
        if (nonce < expected) revert ClaimLedgerNonceAlreadyUsed(account, nonce);
        if (nonce > expected) revert ClaimLedgerNonceOutOfOrder(account, expected, nonce);
    }

    /**
     * @dev Validates a signed claim against the current state without changing it.
     * @return claimId The claim's id.
     * @return total Its gross total.
     * @return reason Empty when the claim can be recorded, else the encoded custom error.
     */
    function _validateClaim(Claim calldata claim, bytes calldata signature, Lookups memory lookups)
        private
        view
        returns (bytes32 claimId, uint48 total, bytes memory reason)
    {
        if (block.timestamp > claim.deadline) {
            return (0, 0, abi.encodeWithSelector(ClaimLedgerExpiredSignature.selector, claim.deadline));
        }
        address firm = claim.firm;
        if (firm != lookups.firm || firm == address(0)) {
            (address key, uint8 roles, IMemberRegistry.MemberStatus status) = _members.memberState(firm);
            lookups.firm = firm;
            lookups.key = key;
            lookups.firmActive = status == IMemberRegistry.MemberStatus.Active && roles & Roles.FIRM != 0;
        }
        if (!lookups.firmActive) return (0, 0, abi.encodeWithSelector(ClaimLedgerInactiveFirm.selector, firm));
        if (!SignerCheck.isValidSignature(lookups.key, _hashTypedDataV4(_hashClaim(claim)), signature)) {
            return (0, 0, abi.encodeWithSelector(ClaimLedgerInvalidSignature.selector, firm, lookups.key));
        }
        {
            uint256 expected = nonces(firm);
            uint256 nonce = claim.nonce;
            if (nonce < expected) {
                return (0, 0, abi.encodeWithSelector(ClaimLedgerNonceAlreadyUsed.selector, firm, nonce));
            }
            if (nonce > expected) {
                return (0, 0, abi.encodeWithSelector(ClaimLedgerNonceOutOfOrder.selector, firm, expected, nonce));
            }
        }
        claimId = _claimId(firm, claim.documentHash);
        if (_claims[claimId].status != ClaimStatus.None) {
            return (0, 0, abi.encodeWithSelector(ClaimLedgerDuplicateClaim.selector, claimId));
        }
        if (claim.periodStart >= claim.periodEnd) {
            return (0, 0, abi.encodeWithSelector(ClaimLedgerInvalidPeriod.selector, claim.periodStart, claim.periodEnd));
        }
        reason = _validateStandard(claim.standardVersion, lookups);
        if (reason.length != 0) return (0, 0, reason);
        {
            uint256 gross = uint256(claim.scope1) + claim.scope2Market + claim.scope3;
            if (gross > type(uint48).max) {
                return (0, 0, abi.encodeWithSelector(ClaimLedgerTotalTooLarge.selector, gross));
            }
            total = uint48(gross);
        }
        reason = _validateBaseline(claim, total);
        if (reason.length != 0) return (0, 0, reason);
        if (claim.supersedes != bytes32(0)) {
            reason = _validateAmendment(claim);
            if (reason.length != 0) return (0, 0, reason);
        }
    }

    function _validateStandard(uint16 version, Lookups memory lookups) private view returns (bytes memory reason) {
        if (!lookups.versionLoaded || lookups.version != version) {
            (lookups.versionStatus, lookups.effectiveFrom) = _standards.versionState(version);
            lookups.version = version;
            lookups.versionLoaded = true;
        }
        IStandardRegistry.VersionStatus status = lookups.versionStatus;
        uint64 effectiveFrom = lookups.effectiveFrom;
        if (status == IStandardRegistry.VersionStatus.None) {
            return abi.encodeWithSelector(ClaimLedgerUnknownStandard.selector, version);
        }
        if (status == IStandardRegistry.VersionStatus.Retired) {
            return abi.encodeWithSelector(ClaimLedgerRetiredStandard.selector, version);
        }
        if (block.timestamp < effectiveFrom) {
            return abi.encodeWithSelector(ClaimLedgerStandardNotEffective.selector, version, effectiveFrom);
        }
    }

    function _validateBaseline(Claim calldata claim, uint48 total) private view returns (bytes memory reason) {
        bytes32 baselineId = claim.baseline;
        if (claim.kind == ClaimKind.Footprint) {
            if (baselineId != bytes32(0)) {
                return abi.encodeWithSelector(ClaimLedgerUnexpectedBaseline.selector, baselineId);
            }
            return reason;
        }
        ClaimRecord memory baseline = _claims[baselineId];
        if (baselineId == bytes32(0) || baseline.status == ClaimStatus.None) {
            return abi.encodeWithSelector(ClaimLedgerMissingBaseline.selector, baselineId);
        }
        if (baseline.kind != ClaimKind.Footprint) {
            return abi.encodeWithSelector(ClaimLedgerBaselineNotFootprint.selector, baselineId);
        }
        if (baseline.firm != claim.firm) {
            return abi.encodeWithSelector(ClaimLedgerBaselineOfAnotherFirm.selector, baselineId, baseline.firm);
        }
        if (baseline.standardVersion != claim.standardVersion) {
            return abi.encodeWithSelector(
                ClaimLedgerBaselineStandardMismatch.selector,
                baselineId,
                baseline.standardVersion,
                claim.standardVersion
            );
        }
        if (baseline.status != ClaimStatus.Active) {
            return abi.encodeWithSelector(ClaimLedgerBaselineNotActive.selector, baselineId, baseline.status);
        }
        if (total > baseline.grossTotal) {
            return abi.encodeWithSelector(
                ClaimLedgerReductionExceedsBaseline.selector, uint256(total), uint256(baseline.grossTotal)
            );
        }
    }

    function _validateAmendment(Claim calldata claim) private view returns (bytes memory reason) {
        bytes32 previousId = claim.supersedes;
        ClaimRecord memory previous = _claims[previousId];
        if (previous.status == ClaimStatus.None) {
            return abi.encodeWithSelector(ClaimLedgerUnknownClaim.selector, previousId);
        }
        if (previous.firm != claim.firm) {
            return abi.encodeWithSelector(ClaimLedgerNotClaimOwner.selector, previousId, previous.firm);
        }
        if (previous.status != ClaimStatus.Active) {
            return abi.encodeWithSelector(ClaimLedgerClaimNotActive.selector, previousId, previous.status);
        }
        if (previous.kind != claim.kind) {
            return abi.encodeWithSelector(ClaimLedgerAmendmentKindMismatch.selector, previousId, previous.kind);
        }
    }

    function _validateCheck(bytes32 claimId) private view returns (bytes memory reason) {
        ClaimRecord storage record = _claims[claimId];
        ClaimStatus status = record.status;
        if (status == ClaimStatus.None) return abi.encodeWithSelector(ClaimLedgerUnknownClaim.selector, claimId);
        if (status != ClaimStatus.Active) {
            return abi.encodeWithSelector(ClaimLedgerClaimNotActive.selector, claimId, status);
        }
        if (record.audit != AuditVerdict.None) {
            return abi.encodeWithSelector(ClaimLedgerAlreadyAudited.selector, claimId);
        }
    }

    // ------------------------------------------------------------------ effects

    function _recordClaim(bytes32 claimId, uint48 total, Claim calldata claim) private {
        address firm = claim.firm;
        _useNonce(firm);
        // One SSTORE of the packed {ClaimRecord}: firm | kind << 160 | status << 168 |
        // check << 176 | audit << 184 | standardVersion << 192 | grossTotal << 208.
        uint256 packed = uint256(uint160(firm)) | (uint256(uint8(claim.kind)) << 160)
            | (uint256(uint8(ClaimStatus.Active)) << 168) | (uint256(claim.standardVersion) << 192)
            | (uint256(total) << 208);
        ClaimRecord storage record = _claims[claimId];
        assembly ("memory-safe") {
            sstore(record.slot, packed)
        }
        _emitClaimSubmitted(claimId, claim);
        if (claim.kind == ClaimKind.Reduction) emit ReductionBaselineLinked(claimId, firm, claim.baseline);
        bytes32 previousId = claim.supersedes;
        if (previousId != bytes32(0)) {
            _claims[previousId].status = ClaimStatus.Superseded;
            emit ClaimSuperseded(previousId, firm, claimId);
        }
    }

    /// @dev Emits {ClaimSubmitted} with the packed `header` and `scopes` words (layout in
    /// {IClaimLedger-ClaimSubmitted}).
    function _emitClaimSubmitted(bytes32 claimId, Claim calldata claim) private {
        uint256 header = uint256(uint8(claim.kind)) | (uint256(claim.standardVersion) << 8)
            | (uint256(claim.periodStart) << 24) | (uint256(claim.periodEnd) << 88) | (uint256(claim.biogenic) << 152);
        uint256 scopes = uint256(claim.scope1) | (uint256(claim.scope2Location) << 64)
            | (uint256(claim.scope2Market) << 128) | (uint256(claim.scope3) << 192);
        emit ClaimSubmitted(claimId, claim.firm, claim.documentHash, claim.activityRoot, header, scopes);
    }

    function _revoke(Revocation calldata revocation) private {
        _useNonce(revocation.firm);
        _claims[revocation.claimId].status = ClaimStatus.Revoked;
        emit ClaimRevoked(revocation.claimId, revocation.firm, revocation.reasonHash);
    }

    function _recordCheck(CheckResult calldata result) private {
        _claims[result.claimId].check = result.passed ? CheckOutcome.Passed : CheckOutcome.Failed;
        emit ClaimChecked(result.claimId, msg.sender, result.passed, result.reportHash);
    }

    function _recordAudit(Audit calldata audit) private {
        _useNonce(audit.auditor);
        _claims[audit.claimId].audit = audit.verdict;
        emit ClaimAudited(audit.claimId, audit.auditor, audit.verdict, audit.reportHash);
    }

    // ------------------------------------------------------------------ helpers

    /// @dev EIP-712 struct hash of a claim: the type hash followed by the 16 static words of
    /// the calldata struct, which are exactly the EIP-712 encoding of its atomic fields.
    function _hashClaim(Claim calldata claim) private pure returns (bytes32 structHash) {
        bytes32 typeHash = CLAIM_TYPEHASH;
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, typeHash)
            calldatacopy(add(ptr, 0x20), claim, 0x200)
            structHash := keccak256(ptr, 0x220)
        }
    }

    function _claimId(address firm, bytes32 documentHash) private pure returns (bytes32 claimId) {
        assembly ("memory-safe") {
            mstore(0x00, firm)
            mstore(0x20, documentHash)
            claimId := keccak256(0x00, 0x40)
        }
    }

    function _revert(bytes memory reason) private pure {
        assembly ("memory-safe") {
            revert(add(reason, 0x20), mload(reason))
        }
    }
}
