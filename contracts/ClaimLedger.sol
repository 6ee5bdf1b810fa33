// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {IClaimLedger} from "./interfaces/IClaimLedger.sol";
import {IClaimLedgerMirror} from "./interfaces/IClaimLedgerMirror.sol";
import {ClaimRoots} from "./ClaimRoots.sol";
import {IMemberRegistry, Roles} from "./interfaces/IMemberRegistry.sol";
import {IMemberSigned} from "./interfaces/IMemberSigned.sol";
import {IStandardRegistry} from "./interfaces/IStandardRegistry.sol";
import {
    ACCOUNT_NONCE_ONE,
    ACCOUNT_NONCE_SHIFT,
    ACCOUNT_ROLES_SHIFT,
    ACCOUNT_STATE_MASK,
    ACCOUNT_STATUS_SHIFT,
    HEADER_BIOGENIC_SHIFT,
    HEADER_PERIOD_END_SHIFT,
    HEADER_PERIOD_START_SHIFT,
    HEADER_VERSION_SHIFT,
    LedgerWords,
    MAX_GROSS_TOTAL,
    MEMBER_ACTIVE,
    RECORD_ACTIVE,
    RECORD_KIND_SHIFT,
    RECORD_TOTAL_SHIFT,
    RECORD_VERSION_SHIFT,
    SCOPES_SCOPE2_LOCATION_SHIFT,
    SCOPES_SCOPE2_MARKET_SHIFT,
    SCOPES_SCOPE3_SHIFT,
    VERSION_ACTIVE,
    VERSION_FROM_SHIFT,
    VERSION_RETIRED
} from "./libraries/LedgerWords.sol";
import {SECP256K1_HALF_ORDER, SignerCheck} from "./libraries/SignerCheck.sol";
import {MemberSigned} from "./utils/MemberSigned.sol";

/**
 * @title ClaimLedger
 * @notice Footprint and reduction claims, signed off-chain by member firms and recorded by
 * anyone; checked by the backend's checker; audited by auditors.
 *
 * @dev Gas layout of the claim path (every packed word is laid out in {LedgerWords}):
 * - One storage word per account holds the member's signing state as mirrored from the
 *   {MemberRegistry} (signing key, status, roles) AND the account's nonce:
 *   `key | status << 160 | roles << 168 | nonce << 176`. The registry pushes every change
 *   ({syncMember}) once it is bound to this ledger ({MemberRegistry-setClaimLedger}), so a
 *   claim reads one slot for the key check and the nonce and writes it back once.
 * - Standard-version states are mirrored the same way from the {StandardRegistry}
 *   ({syncVersion}): `status | effectiveFrom << 8`.
 * - An account (or version) whose mirror is still empty (status `None`: never changed since
 *   the binding, e.g. the initial admins, or a ledger that is not bound) is looked up in the
 *   registry itself, so the mirror is only ever a cache of the registry, never a second truth.
 * - Validation of a signed claim returns the encoded custom error instead of reverting, so
 *   one code path serves {submitClaim} (reverts with the error itself), {submitClaims}
 *   (reverts with {ClaimLedgerBatchItemFailed} naming the index) and {trySubmitClaims} (emits
 *   {ClaimSubmissionFailed} and goes on). A claim costs one new storage slot.
 */
contract ClaimLedger is IClaimLedger, MemberSigned {
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

    /// @dev Answers cached for the length of one call. `firm`'s account word is `stored`
    /// (raw, at `slot`) and its signing state `key` / `firmActive` (mirror or registry).
    struct Cache {
        address firm;
        address key;
        bool firmActive;
        uint256 slot;
        uint256 stored;
        uint256 version; // version | 1 << 16 when loaded
        uint256 versionWord;
        bytes32 domain; // the EIP-712 domain separator, once computed
    }

    /// @dev Where a call's signed claims are in its calldata: claim `i` at `claims + i * 0x200`
    /// (its 16 static words), its signature (length word first) at `signatureBase` plus the
    /// offset at `signatureHeads + i * 0x20`, as the ABI encodes them ({_single}, {_submitBatch}).
    struct Batch {
        uint256 claims;
        uint256 signatureHeads;
        uint256 signatureBase;
        uint256 length;
    }

    IStandardRegistry private immutable _standards;
    /// @dev The {ClaimRoots} this ledger deployed: the only caller of {admitClaim}.
    address private immutable _roots;

    mapping(bytes32 claimId => ClaimRecord) private _claims;
    mapping(address account => uint256) private _accounts;
    mapping(uint16 version => uint256) private _versions;

    modifier onlyRole(uint8 role) {
        _checkRole(msg.sender, role);
        _;
    }

    /**
     * @param memberRegistry_ The {MemberRegistry}.
     * @param standardRegistry_ The {StandardRegistry}.
     */
    constructor(address memberRegistry_, address standardRegistry_) MemberSigned("CarbonLedger ClaimLedger", memberRegistry_) {
        if (memberRegistry_ == address(0) || standardRegistry_ == address(0)) revert ClaimLedgerZeroAddress();
        _standards = IStandardRegistry(standardRegistry_);
        _roots = address(new ClaimRoots(address(this), memberRegistry_));
    }

    // ------------------------------------------------------------------ claims

    /// @inheritdoc IClaimLedger
    function submitClaim(Claim calldata claim, bytes calldata signature) external returns (bytes32 claimId) {
        Cache memory cache;
        bytes32[] memory claimIds = new bytes32[](1);
        if (_submitPlain(_single(claim), 0, cache, claimIds) == 1) return claimIds[0];
        bytes memory reason;
        (claimId, reason) = _submitChecked(claim, signature, cache);
        if (reason.length != 0) _revert(reason);
    }

    /// @inheritdoc IClaimLedger
    function submitClaims(Claim[] calldata claims, bytes[] calldata signatures)
        external
        returns (bytes32[] memory claimIds)
    {
        return _submitBatch(claims, signatures, true);
    }

    /// @inheritdoc IClaimLedger
    function trySubmitClaims(Claim[] calldata claims, bytes[] calldata signatures)
        external
        returns (bytes32[] memory claimIds)
    {
        return _submitBatch(claims, signatures, false);
    }

    /// @inheritdoc IClaimLedger
    function admitClaim(Claim calldata claim, uint64 anchoredAt) external returns (bytes32 claimId) {
        if (msg.sender != _roots) revert ClaimLedgerUnauthorizedAdmission(msg.sender);
        Cache memory cache;
        _loadFirm(_decodedFirm(claim), cache);
        cache.versionWord = _versionWord(claim.standardVersion);
        bytes memory reason;
        if (!cache.firmActive) reason = abi.encodeWithSelector(ClaimLedgerInactiveFirm.selector, cache.firm);
        else (claimId, reason) = _validateContent(claim, cache, anchoredAt, true);
        if (reason.length != 0) _revert(reason);
        // The nonce: admissions come in any order (only the claims an operation needs are
        // admitted), so the chain does not hold them to the sequence; it moves the firm's
        // counter past the claim's nonce, so that no later signed operation reuses it.
        uint256 nonce = claim.nonce;
        uint256 expected = LedgerWords.nonce(cache.stored);
        if (nonce >= expected) {
            if (nonce >= type(uint64).max) revert ClaimLedgerNonceOutOfOrder(cache.firm, expected, nonce);
            uint256 stored = (cache.stored & ACCOUNT_STATE_MASK) | ((nonce + 1) << ACCOUNT_NONCE_SHIFT);
            uint256 accountSlot = cache.slot;
            assembly ("memory-safe") {
                sstore(accountSlot, stored)
            }
        }
        _recordClaim(claimId, cache.firm, claim.standardVersion, _grossTotal(claim), claim);
    }

    /// @inheritdoc IClaimLedger
    function revokeClaim(Revocation calldata revocation, bytes calldata signature) external {
        (uint256 slot, uint256 stored) = _checkSigned(
            revocation.firm,
            Roles.FIRM,
            hashRevocation(revocation),
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
        _revokeClaim(revocation, record, slot, stored);
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
        (uint256 slot, uint256 stored) = _checkSigned(
            audit.auditor,
            Roles.AUDITOR,
            hashAudit(audit),
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
        _recordAudit(audit, slot, stored);
    }

    // ------------------------------------------------------------------ mirror

    /// @inheritdoc IClaimLedgerMirror
    function syncMember(address account, address signingKey, IMemberRegistry.MemberStatus status, uint8 roles)
        external
    {
        if (msg.sender != address(_members)) revert ClaimLedgerUnauthorizedSync(msg.sender);
        uint256 slot = _accountSlot(account);
        uint256 state = LedgerWords.accountState(signingKey, uint8(status), roles);
        assembly ("memory-safe") {
            sstore(slot, or(and(sload(slot), not(ACCOUNT_STATE_MASK)), state))
        }
    }

    /// @inheritdoc IClaimLedgerMirror
    function syncVersion(uint16 version, IStandardRegistry.VersionStatus status, uint64 effectiveFrom) external {
        if (msg.sender != address(_standards)) revert ClaimLedgerUnauthorizedSync(msg.sender);
        _versions[version] = LedgerWords.versionWord(uint8(status), effectiveFrom);
    }

    /// @inheritdoc IClaimLedgerMirror
    function mirroredMember(address account)
        external
        view
        returns (address signingKey, uint8 roles, IMemberRegistry.MemberStatus status)
    {
        uint8 statusCode;
        (signingKey, roles, statusCode) = LedgerWords.unpackAccount(_accounts[account]);
        status = IMemberRegistry.MemberStatus(statusCode);
    }

    /// @inheritdoc IClaimLedgerMirror
    function mirroredVersion(uint16 version)
        external
        view
        returns (IStandardRegistry.VersionStatus status, uint64 effectiveFrom)
    {
        uint8 statusCode;
        (statusCode, effectiveFrom) = LedgerWords.unpackVersion(_versions[version]);
        status = IStandardRegistry.VersionStatus(statusCode);
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
        standardVersion = uint16(header >> HEADER_VERSION_SHIFT);
        periodStart = uint64(header >> HEADER_PERIOD_START_SHIFT);
        periodEnd = uint64(header >> HEADER_PERIOD_END_SHIFT);
        biogenic = uint64(header >> HEADER_BIOGENIC_SHIFT);
        scope1 = uint64(scopes);
        scope2Location = uint64(scopes >> SCOPES_SCOPE2_LOCATION_SHIFT);
        scope2Market = uint64(scopes >> SCOPES_SCOPE2_MARKET_SHIFT);
        scope3 = uint64(scopes >> SCOPES_SCOPE3_SHIFT);
    }

    /// @inheritdoc IClaimLedger
    function claimDigest(Claim calldata claim) external view returns (bytes32) {
        return _hashTypedDataV4(_hashClaim(claim));
    }

    /// @inheritdoc IClaimLedger
    function hashClaim(Claim calldata claim) external pure returns (bytes32 structHash) {
        return _hashClaim(claim);
    }

    /// @inheritdoc IClaimLedger
    function hashAudit(Audit calldata audit) public pure returns (bytes32 structHash) {
        return keccak256(abi.encode(AUDIT_TYPEHASH, audit));
    }

    /// @inheritdoc IClaimLedger
    function hashRevocation(Revocation calldata revocation) public pure returns (bytes32 structHash) {
        return keccak256(abi.encode(REVOCATION_TYPEHASH, revocation));
    }

    /// @inheritdoc IMemberSigned
    function nonces(address account) external view returns (uint256) {
        return LedgerWords.nonce(_accounts[account]);
    }

    /// @inheritdoc IClaimLedger
    function claimRoots() external view returns (address) {
        return _roots;
    }

    /// @inheritdoc IClaimLedgerMirror
    function standardRegistry() external view returns (address) {
        return address(_standards);
    }

    // ------------------------------------------------------------------ look-ups

    function _accountSlot(address account) private pure returns (uint256 slot) {
        assembly ("memory-safe") {
            mstore(0x00, account)
            mstore(0x20, _accounts.slot)
            slot := keccak256(0x00, 0x40)
        }
    }

    /// @dev The signing state (`key | status << 160 | roles << 168`) of `account`: its mirror
    /// in `stored`, or the registry's answer while the mirror is empty.
    function _signingState(address account, uint256 stored) private view returns (uint256 state) {
        state = stored & ACCOUNT_STATE_MASK;
        if (state >> ACCOUNT_STATUS_SHIFT == 0) {
            (address key, uint8 roles, IMemberRegistry.MemberStatus status) = _members.memberState(account);
            state = LedgerWords.accountState(key, uint8(status), roles);
        }
    }

    /// @dev `status | effectiveFrom << 8` of `version`: its mirror, or the registry's answer
    /// while the mirror is empty.
    function _versionWord(uint256 version) private view returns (uint256 word) {
        word = _versions[uint16(version)];
        if (word == 0) {
            (IStandardRegistry.VersionStatus status, uint64 effectiveFrom) = _standards.versionState(uint16(version));
            word = LedgerWords.versionWord(uint8(status), effectiveFrom);
        }
    }

    // ------------------------------------------------------------------ checks

    function _checkRole(address account, uint8 role) private view {
        uint256 state = _signingState(account, _accounts[account]);
        if (!LedgerWords.isActiveWith(state, role)) {
            revert ClaimLedgerMissingRole(account, role);
        }
    }

    /// @dev Reverts unless `signature` over `structHash` is by the current key of `account`, an
    /// active member holding `role`, before `deadline`, with `account`'s next `nonce`.
    /// @return slot The account word's slot.
    /// @return stored The account word.
    function _checkSigned(
        address account,
        uint8 role,
        bytes32 structHash,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signature
    ) private view returns (uint256 slot, uint256 stored) {
        if (block.timestamp > deadline) revert ClaimLedgerExpiredSignature(deadline);
        slot = _accountSlot(account);
        assembly ("memory-safe") {
            stored := sload(slot)
        }
        uint256 state = _signingState(account, stored);
        if (!LedgerWords.isActiveWith(state, role)) {
            if (role == Roles.FIRM) revert ClaimLedgerInactiveFirm(account);
            revert ClaimLedgerMissingRole(account, role);
        }
        address key = address(uint160(state));
        if (!SignerCheck.isValidSignature(key, _hashTypedDataV4(structHash), signature)) {
            revert ClaimLedgerInvalidSignature(account, key);
        }
        uint256 expected = LedgerWords.nonce(stored);
        if (nonce < expected) revert ClaimLedgerNonceAlreadyUsed(account, nonce);
        if (nonce > expected) revert ClaimLedgerNonceOutOfOrder(account, expected, nonce);
    }

    /**
     * @dev The one batch loop of {submitClaims} (`atomic`: the first refusal reverts with
     * {ClaimLedgerBatchItemFailed}) and {trySubmitClaims} (a refusal emits
     * {ClaimSubmissionFailed} and the loop goes on): runs of plain claims through
     * {_submitPlain}, the claim that ends a run through {_submitChecked}.
     */
    function _submitBatch(Claim[] calldata claims, bytes[] calldata signatures, bool atomic)
        private
        returns (bytes32[] memory claimIds)
    {
        uint256 n = claims.length;
        if (n != signatures.length) revert ClaimLedgerLengthMismatch(n, signatures.length);
        claimIds = new bytes32[](n);
        Cache memory cache;
        Batch memory batch;
        assembly ("memory-safe") {
            mstore(batch, claims.offset)
            mstore(add(batch, 0x20), signatures.offset)
            mstore(add(batch, 0x40), signatures.offset)
            mstore(add(batch, 0x60), n)
        }
        for (uint256 i = 0; i < n; ) {
            i = _submitPlain(batch, i, cache, claimIds);
            if (i == n) break;
            (bytes32 claimId, bytes memory reason) = _submitChecked(claims[i], _signatureAt(signatures, i), cache);
            if (reason.length != 0) {
                if (atomic) revert ClaimLedgerBatchItemFailed(i, reason);
                emit ClaimSubmissionFailed(i, reason);
            } else {
                assembly ("memory-safe") {
                    mstore(add(claimIds, shl(5, add(i, 1))), claimId)
                }
            }
            unchecked {
                ++i;
            }
        }
    }

    /// @dev {submitClaim}'s arguments as a batch of one: `(Claim, bytes)` is encoded as the
    /// claim's 16 words followed by the offset of the signature, counted from the claim.
    function _single(Claim calldata claim) private pure returns (Batch memory batch) {
        assembly ("memory-safe") {
            mstore(batch, claim)
            mstore(add(batch, 0x20), add(claim, 0x200))
            mstore(add(batch, 0x40), claim)
            mstore(add(batch, 0x60), 1)
        }
    }

    /**
     * @dev Records the plain claims of `batch` from `i` on ({_submitRun}); where a run stops at
     * a claim whose firm or standard version is not the cached one, caches them
     * ({_cacheClaim}: the registry answers for a firm not in the mirror) and runs again.
     * @return The index of the first claim not recorded (the batch's length when all were),
     * whose firm and version are cached: the caller passes it to {_submitChecked}.
     */
    function _submitPlain(Batch memory batch, uint256 i, Cache memory cache, bytes32[] memory claimIds)
        private
        returns (uint256)
    {
        uint256 n = batch.length;
        if (cache.version == 0) _cacheClaim(_claimAt(batch, i), cache); // nothing cached yet
        do {
            i = _submitRun(batch, i, cache, claimIds);
        } while (i != n && _cacheClaim(_claimAt(batch, i), cache));
        return i;
    }

    /// @dev Caches the firm and standard version of `claim` (and the EIP-712 domain).
    /// @return changed Whether the firm or the version was not the cached one.
    function _cacheClaim(Claim calldata claim, Cache memory cache) private view returns (bool changed) {
        address firm = claim.firm; // range-checked: a cached firm is a clean address
        uint256 version = claim.standardVersion;
        if (firm != cache.firm) {
            _loadFirm(firm, cache);
            changed = true;
        }
        if (cache.version != version | (1 << 16)) {
            cache.versionWord = _versionWord(version);
            cache.version = version | (1 << 16);
            changed = true;
        }
        if (cache.domain == 0) cache.domain = _domainSeparatorV4();
    }

    /**
     * @dev The one fast path: records the claims of `batch` from `i` on in a row, in one
     * assembly loop, while each is a plain claim that passes every check with `cache` as it
     * stands: a footprint of the cached (active) firm, or of another firm whose mirror entry
     * is an active firm, under the cached (usable) version, no amendment, a valid 65-byte ECDSA
     * signature of the firm's key, the next nonce, a new document, a valid period and total.
     * The firm's nonce is written once, when the run ends. Anything else stops the run.
     * @return The index of the first claim not recorded (the batch's length when all were).
     */
    function _submitRun(Batch memory batch, uint256 i, Cache memory cache, bytes32[] memory claimIds)
        private
        returns (uint256)
    {
        uint256 versionWord = cache.versionWord;
        if (
            cache.version == 0 || versionWord & 0xff != VERSION_ACTIVE
                || block.timestamp < versionWord >> VERSION_FROM_SHIFT
        ) {
            return i;
        }
        uint256 n = batch.length;
        uint256 claims = batch.claims;
        uint256 signatureHeads = batch.signatureHeads;
        uint256 signatureBase = batch.signatureBase;
        uint256 stored = cache.stored;
        uint256 start = stored;
        uint256 accountSlot = cache.slot;
        // an inactive cached firm is never matched: no claim of it is recorded here
        address firm = cache.firmActive ? cache.firm : address(0);
        address key = cache.firmActive ? cache.key : address(0);
        uint256 version = cache.version & 0xffff;
        bytes32 domain = cache.domain;
        bytes32 typeHash = CLAIM_TYPEHASH;
        bytes32 topic = ClaimSubmitted.selector;
        assembly ("memory-safe") {
            let m := mload(0x40)
            for {} lt(i, n) { i := add(i, 1) } {
                let claim := add(claims, shl(9, i))
                // Another firm: switch to it if its mirror entry says it is an active firm.
                let claimFirm := calldataload(claim)
                if iszero(eq(claimFirm, firm)) {
                    mstore(0x00, claimFirm)
                    mstore(0x20, _accounts.slot)
                    let slot := keccak256(0x00, 0x40)
                    let word := sload(slot)
                    if iszero(
                        and(
                            eq(and(shr(ACCOUNT_STATUS_SHIFT, word), 0xff), MEMBER_ACTIVE),
                            iszero(iszero(and(word, shl(ACCOUNT_ROLES_SHIFT, 2)))) // Roles.FIRM
                        )
                    ) { break }
                    if iszero(eq(stored, start)) { sstore(accountSlot, stored) }
                    firm := claimFirm
                    key := and(word, 0xffffffffffffffffffffffffffffffffffffffff)
                    accountSlot := slot
                    stored := word
                    start := word
                }
                // the cached version; a footprint without baseline and amendment
                if iszero(
                    and(
                        eq(calldataload(add(claim, 0x40)), version),
                        iszero(
                            or(
                                calldataload(add(claim, 0x20)),
                                or(calldataload(add(claim, 0x180)), calldataload(add(claim, 0x1a0)))
                            )
                        )
                    )
                ) { break }
                let periodStart := calldataload(add(claim, 0x60))
                let periodEnd := calldataload(add(claim, 0x80))
                let scope1 := calldataload(add(claim, 0xe0))
                let scope2Location := calldataload(add(claim, 0x100))
                let scope2Market := calldataload(add(claim, 0x120))
                let scope3 := calldataload(add(claim, 0x140))
                let biogenic := calldataload(add(claim, 0x160))
                // in range (else {_submitChecked} reverts as the ABI decoder does), a valid period,
                // total, nonce and deadline
                if shr(
                    64,
                    or(
                        or(or(periodStart, periodEnd), or(scope1, scope2Location)),
                        or(or(scope2Market, scope3), biogenic)
                    )
                ) { break }
                let total := add(add(scope1, scope2Market), scope3)
                if iszero(
                    and(
                        and(lt(periodStart, periodEnd), iszero(gt(total, MAX_GROSS_TOTAL))),
                        and(
                            eq(calldataload(add(claim, 0x1c0)), shr(ACCOUNT_NONCE_SHIFT, stored)),
                            iszero(gt(timestamp(), calldataload(add(claim, 0x1e0))))
                        )
                    )
                ) { break }
                // a new claim id
                mstore(0x00, firm)
                mstore(0x20, calldataload(add(claim, 0xa0)))
                let id := keccak256(0x00, 0x40)
                mstore(0x00, id)
                mstore(0x20, _claims.slot)
                let recordSlot := keccak256(0x00, 0x40)
                if sload(recordSlot) { break }
                // a 65-byte, low-s ECDSA signature of the firm's key over the EIP-712 digest
                let rel := calldataload(add(signatureHeads, shl(5, i)))
                let sig := add(signatureBase, rel)
                if or(
                    or(gt(rel, 0xffffffffffffffff), gt(add(sig, 0x61), calldatasize())),
                    iszero(eq(calldataload(sig), 65))
                ) { break }
                let sigS := calldataload(add(sig, 0x40))
                if gt(sigS, SECP256K1_HALF_ORDER) { break }
                mstore(m, typeHash)
                calldatacopy(add(m, 0x20), claim, 0x200)
                mstore(add(m, 0x40), keccak256(m, 0x220))
                mstore(m, 0x1901)
                mstore(add(m, 0x20), domain)
                mstore(m, keccak256(add(m, 0x1e), 0x42))
                mstore(add(m, 0x20), byte(0, calldataload(add(sig, 0x60))))
                mstore(add(m, 0x40), calldataload(add(sig, 0x20)))
                mstore(add(m, 0x60), sigS)
                pop(staticcall(gas(), 0x01, m, 0x80, 0x00, 0x20))
                if iszero(and(eq(returndatasize(), 0x20), and(eq(mload(0x00), key), iszero(iszero(key))))) { break }
                // record: firm | kind (0) << 160 | Active << 168 | version << 192 | total << 208
                sstore(
                    recordSlot,
                    or(or(firm, RECORD_ACTIVE), or(shl(RECORD_VERSION_SHIFT, version), shl(RECORD_TOTAL_SHIFT, total)))
                )
                stored := add(stored, ACCOUNT_NONCE_ONE)
                // ClaimSubmitted(claimId, firm, documentHash, activityRoot, header, scopes)
                calldatacopy(m, add(claim, 0xa0), 0x40)
                mstore(
                    add(m, 0x40),
                    or(
                        or(shl(HEADER_VERSION_SHIFT, version), shl(HEADER_PERIOD_START_SHIFT, periodStart)),
                        or(shl(HEADER_PERIOD_END_SHIFT, periodEnd), shl(HEADER_BIOGENIC_SHIFT, biogenic))
                    )
                )
                mstore(
                    add(m, 0x60),
                    or(
                        or(scope1, shl(SCOPES_SCOPE2_LOCATION_SHIFT, scope2Location)),
                        or(shl(SCOPES_SCOPE2_MARKET_SHIFT, scope2Market), shl(SCOPES_SCOPE3_SHIFT, scope3))
                    )
                )
                log3(m, 0x80, topic, id, firm)
                mstore(add(claimIds, shl(5, add(i, 1))), id)
            }
        }
        if (stored != start) {
            assembly ("memory-safe") {
                sstore(accountSlot, stored)
            }
        }
        if (firm != address(0) && firm != cache.firm) {
            cache.firm = firm;
            cache.key = key;
            cache.firmActive = true;
            cache.slot = accountSlot;
        }
        cache.stored = stored;
        return i;
    }

    /**
     * @dev Validates a signed claim against the current state, one check at a time in their
     * documented order, and records it when it is valid: the claims {_submitRun} does not record
     * (a reduction, an amendment, an ERC-1271 signing key, every refusal). Nothing is written
     * unless the claim is valid. `cache` holds the claim's firm and version ({_cacheClaim}).
     * @return claimId The claim's id (zero when refused).
     * @return reason Empty when the claim was recorded, else the encoded custom error.
     */
    function _submitChecked(Claim calldata claim, bytes calldata signature, Cache memory cache)
        private
        returns (bytes32 claimId, bytes memory reason)
    {
        address firm = _decodedFirm(claim);
        uint256 version;
        {
            uint256 deadline;
            // every small field is range-checked now (as the ABI decoder does)
            assembly ("memory-safe") {
                version := calldataload(add(claim, 0x40))
                deadline := calldataload(add(claim, 0x1e0))
            }
            if (block.timestamp > deadline) {
                return (0, abi.encodeWithSelector(ClaimLedgerExpiredSignature.selector, deadline));
            }
            if (!cache.firmActive) return (0, abi.encodeWithSelector(ClaimLedgerInactiveFirm.selector, firm));
            if (!SignerCheck.isValidSignature(cache.key, _hashTypedDataV4(_hashClaim(claim)), signature)) {
                return (0, abi.encodeWithSelector(ClaimLedgerInvalidSignature.selector, firm, cache.key));
            }
            {
                uint256 expected = LedgerWords.nonce(cache.stored);
                uint256 nonce;
                assembly ("memory-safe") {
                    nonce := calldataload(add(claim, 0x1c0))
                }
                if (nonce != expected) return (0, _nonceError(firm, expected, nonce));
            }
            (claimId, reason) = _validateContent(claim, cache, block.timestamp, false);
            if (reason.length != 0) return (0, reason);
        }
        // ---- effects
        {
            uint256 stored = cache.stored + ACCOUNT_NONCE_ONE;
            cache.stored = stored;
            uint256 accountSlot = cache.slot;
            assembly ("memory-safe") {
                sstore(accountSlot, stored)
            }
        }
        _recordClaim(claimId, firm, version, _grossTotal(claim), claim);
    }

    /**
     * @dev The checks of a claim's content, after its signature and nonce, in their documented
     * order: a new id, a valid period, a standard version usable at `time` (`retiredAllowed`:
     * also a version retired since, for a claim anchored under a root before), a total that
     * fits, the baseline of a reduction, the claim an amendment replaces. `cache` holds the
     * firm and the version's word. The small fields are range-checked already.
     */
    function _validateContent(Claim calldata claim, Cache memory cache, uint256 time, bool retiredAllowed)
        private
        view
        returns (bytes32 claimId, bytes memory reason)
    {
        uint256 kind;
        uint256 version;
        uint256 periodStart;
        uint256 periodEnd;
        bytes32 baselineId;
        bytes32 supersedes;
        assembly ("memory-safe") {
            kind := calldataload(add(claim, 0x20))
            version := calldataload(add(claim, 0x40))
            periodStart := calldataload(add(claim, 0x60))
            periodEnd := calldataload(add(claim, 0x80))
            baselineId := calldataload(add(claim, 0x180))
            supersedes := calldataload(add(claim, 0x1a0))
        }
        uint256 total = _grossTotal(claim);
        claimId = _claimId(cache.firm, claim.documentHash);
        uint256 existing;
        assembly ("memory-safe") {
            mstore(0x00, claimId)
            mstore(0x20, _claims.slot)
            existing := sload(keccak256(0x00, 0x40))
        }
        if (existing != 0) return (0, abi.encodeWithSelector(ClaimLedgerDuplicateClaim.selector, claimId));
        if (periodStart >= periodEnd) {
            return (0, abi.encodeWithSelector(ClaimLedgerInvalidPeriod.selector, periodStart, periodEnd));
        }
        reason = _validateStandard(version, cache.versionWord, time, retiredAllowed);
        if (reason.length != 0) return (0, reason);
        if (total > MAX_GROSS_TOTAL) {
            return (0, abi.encodeWithSelector(ClaimLedgerTotalTooLarge.selector, total));
        }
        if (kind == 0) {
            if (baselineId != bytes32(0)) {
                return (0, abi.encodeWithSelector(ClaimLedgerUnexpectedBaseline.selector, baselineId));
            }
        } else {
            reason = _validateBaseline(claim, uint48(total));
            if (reason.length != 0) return (0, reason);
        }
        if (supersedes != bytes32(0)) {
            reason = _validateAmendment(claim);
            if (reason.length != 0) return (0, reason);
        }
    }

    function _nonceError(address firm, uint256 expected, uint256 nonce) private pure returns (bytes memory) {
        if (nonce < expected) return abi.encodeWithSelector(ClaimLedgerNonceAlreadyUsed.selector, firm, nonce);
        return abi.encodeWithSelector(ClaimLedgerNonceOutOfOrder.selector, firm, expected, nonce);
    }

    function _loadFirm(address firm, Cache memory cache) private view {
        uint256 slot = _accountSlot(firm);
        uint256 stored;
        assembly ("memory-safe") {
            stored := sload(slot)
        }
        uint256 state = _signingState(firm, stored);
        cache.firm = firm;
        cache.slot = slot;
        cache.stored = stored;
        cache.key = address(uint160(state));
        cache.firmActive = LedgerWords.isActiveWith(state, Roles.FIRM);
    }

    /// @dev The standard-version checks of `version` (its mirrored `word`) at `time`; a
    /// retired version passes when `retiredAllowed` (its retirement time is not on chain).
    function _validateStandard(uint256 version, uint256 word, uint256 time, bool retiredAllowed)
        private
        pure
        returns (bytes memory reason)
    {
        uint256 status = word & 0xff;
        if (status == 0) return abi.encodeWithSelector(ClaimLedgerUnknownStandard.selector, version);
        if (status == VERSION_RETIRED && !retiredAllowed) {
            return abi.encodeWithSelector(ClaimLedgerRetiredStandard.selector, version);
        }
        if (time >= word >> VERSION_FROM_SHIFT) return reason;
        return abi.encodeWithSelector(
            ClaimLedgerStandardNotEffective.selector, version, uint64(word >> VERSION_FROM_SHIFT)
        );
    }

    function _validateBaseline(Claim calldata claim, uint48 total) private view returns (bytes memory reason) {
        bytes32 baselineId = claim.baseline;
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

    /// @dev Writes the claim's record word (one `SSTORE`) and emits its events: {ClaimSubmitted}
    /// (header and scopes words), then the baseline link and the supersession. {_submitRun}'s
    /// loop writes the same words for a plain claim inline: a call per claim out of its assembly
    /// loop would cost the batch budget (see docs/gas.md).
    function _recordClaim(bytes32 claimId, address firm, uint256 version, uint256 total, Claim calldata claim)
        private
    {
        uint256 kind;
        bytes32 topic = ClaimSubmitted.selector;
        assembly ("memory-safe") {
            kind := calldataload(add(claim, 0x20))
            mstore(0x00, claimId)
            mstore(0x20, _claims.slot)
            sstore(
                keccak256(0x00, 0x40),
                or(
                    or(or(firm, shl(RECORD_KIND_SHIFT, kind)), RECORD_ACTIVE),
                    or(shl(RECORD_VERSION_SHIFT, version), shl(RECORD_TOTAL_SHIFT, total))
                )
            )
            // ClaimSubmitted(claimId, firm, documentHash, activityRoot, header, scopes)
            let m := mload(0x40)
            calldatacopy(m, add(claim, 0xa0), 0x40)
            mstore(
                add(m, 0x40),
                or(
                    or(kind, shl(HEADER_VERSION_SHIFT, version)),
                    or(
                        or(
                            shl(HEADER_PERIOD_START_SHIFT, calldataload(add(claim, 0x60))),
                            shl(HEADER_PERIOD_END_SHIFT, calldataload(add(claim, 0x80)))
                        ),
                        shl(HEADER_BIOGENIC_SHIFT, calldataload(add(claim, 0x160)))
                    )
                )
            )
            mstore(
                add(m, 0x60),
                or(
                    or(
                        calldataload(add(claim, 0xe0)),
                        shl(SCOPES_SCOPE2_LOCATION_SHIFT, calldataload(add(claim, 0x100)))
                    ),
                    or(
                        shl(SCOPES_SCOPE2_MARKET_SHIFT, calldataload(add(claim, 0x120))),
                        shl(SCOPES_SCOPE3_SHIFT, calldataload(add(claim, 0x140)))
                    )
                )
            )
            log3(m, 0x80, topic, claimId, firm)
        }
        if (kind != 0) emit ReductionBaselineLinked(claimId, firm, claim.baseline);
        bytes32 previousId = claim.supersedes;
        if (previousId != bytes32(0)) {
            _claims[previousId].status = ClaimStatus.Superseded;
            emit ClaimSuperseded(previousId, firm, claimId);
        }
    }

    /// @dev Uses the firm's nonce (its account word `stored`, at `slot`) and revokes the claim.
    function _revokeClaim(Revocation calldata revocation, ClaimRecord storage record, uint256 slot, uint256 stored)
        private
    {
        _useNonce(slot, stored);
        record.status = ClaimStatus.Revoked;
        emit ClaimRevoked(revocation.claimId, revocation.firm, revocation.reasonHash);
    }

    /// @dev Uses the auditor's nonce (its account word `stored`, at `slot`) and records the verdict.
    function _recordAudit(Audit calldata audit, uint256 slot, uint256 stored) private {
        _useNonce(slot, stored);
        _claims[audit.claimId].audit = audit.verdict;
        emit ClaimAudited(audit.claimId, audit.auditor, audit.verdict, audit.reportHash);
    }

    function _useNonce(uint256 slot, uint256 stored) private {
        assembly ("memory-safe") {
            sstore(slot, add(stored, ACCOUNT_NONCE_ONE))
        }
    }

    function _recordCheck(CheckResult calldata result) private {
        _claims[result.claimId].check = result.passed ? CheckOutcome.Passed : CheckOutcome.Failed;
        emit ClaimChecked(result.claimId, msg.sender, result.passed, result.reportHash);
    }

    // ------------------------------------------------------------------ helpers

    /// @dev `signatures[i]` without the decoder's re-validation of the array (its length was
    /// checked against the claims'); the item's own offset and length are bounds-checked.
    function _signatureAt(bytes[] calldata signatures, uint256 i) private pure returns (bytes calldata signature) {
        assembly ("memory-safe") {
            let base := signatures.offset
            let rel := calldataload(add(base, shl(5, i)))
            if gt(rel, 0xffffffffffffffff) { revert(0, 0) }
            let offset := add(base, rel)
            signature.length := calldataload(offset)
            signature.offset := add(offset, 0x20)
            if or(gt(signature.length, 0xffffffff), gt(add(signature.offset, signature.length), calldatasize())) {
                revert(0, 0)
            }
        }
    }

    /// @dev Claim `i` of `batch`.
    function _claimAt(Batch memory batch, uint256 i) private pure returns (Claim calldata claim) {
        uint256 claims = batch.claims;
        assembly ("memory-safe") {
            claim := add(claims, shl(9, i))
        }
    }

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

    /// @dev The gross total `scope1 + scope2Market + scope3` of a range-checked claim.
    function _grossTotal(Claim calldata claim) private pure returns (uint256 total) {
        assembly ("memory-safe") {
            total := add(add(calldataload(add(claim, 0xe0)), calldataload(add(claim, 0x120))), calldataload(add(claim, 0x140)))
        }
    }

    /// @dev The ABI decoder's range checks of every field of `claim` (copying it to memory
    /// decodes it), for {admitClaim} and {_submitChecked}, whose checks then read the calldata
    /// raw; returns the firm.
    function _decodedFirm(Claim calldata claim) private pure returns (address) {
        Claim memory decoded = claim;
        return decoded.firm;
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
