// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

// The packed words of the ClaimLedger: see {LedgerWords} below.

// ---- account word
uint256 constant ACCOUNT_STATUS_SHIFT = 160;
uint256 constant ACCOUNT_ROLES_SHIFT = 168;
uint256 constant ACCOUNT_NONCE_SHIFT = 176;
/// @dev The signing state (key, status, roles) below the nonce.
uint256 constant ACCOUNT_STATE_MASK = (1 << 176) - 1;
/// @dev One nonce step.
uint256 constant ACCOUNT_NONCE_ONE = 1 << 176;
/// @dev IMemberRegistry.MemberStatus.Active.
uint256 constant MEMBER_ACTIVE = 1;

// ---- version word
uint256 constant VERSION_FROM_SHIFT = 8;
/// @dev IStandardRegistry.VersionStatus.Active.
uint256 constant VERSION_ACTIVE = 1;
/// @dev IStandardRegistry.VersionStatus.Retired.
uint256 constant VERSION_RETIRED = 2;

// ---- record word
uint256 constant RECORD_KIND_SHIFT = 160;
/// @dev ClaimStatus.Active at its place (bit 168).
uint256 constant RECORD_ACTIVE = 1 << 168;
uint256 constant RECORD_VERSION_SHIFT = 192;
uint256 constant RECORD_TOTAL_SHIFT = 208;
/// @dev The largest gross total a record holds (48 bits).
uint256 constant MAX_GROSS_TOTAL = (1 << 48) - 1;

// ---- ClaimSubmitted words
uint256 constant HEADER_VERSION_SHIFT = 8;
uint256 constant HEADER_PERIOD_START_SHIFT = 24;
uint256 constant HEADER_PERIOD_END_SHIFT = 88;
uint256 constant HEADER_BIOGENIC_SHIFT = 152;
uint256 constant SCOPES_SCOPE2_LOCATION_SHIFT = 64;
uint256 constant SCOPES_SCOPE2_MARKET_SHIFT = 128;
uint256 constant SCOPES_SCOPE3_SHIFT = 192;

/**
 * @title LedgerWords
 * @notice The packed storage and event words of the {ClaimLedger}, laid out in one place.
 * @dev The layouts are file-level constants so that the ledger's assembly fast paths use the
 * same names as its Solidity code (inline assembly reads constants, not library functions);
 * the library's internal functions are inlined by the compiler. Changing a layout changes the
 * on-chain format: storage of deployed ledgers and the `ClaimSubmitted` event that the
 * verifier and the backend decode (`carbonledger.chain.typed_data.unpack_claim_details`).
 *
 * Account word (one per account): `key | status << 160 | roles << 168 | nonce << 176`.
 * Version word (one per standard version): `status | effectiveFrom << 8`.
 * Record word (one per claim): `firm | kind << 160 | status << 168 | check << 176 |
 * audit << 184 | standardVersion << 192 | grossTotal << 208` (the `ClaimRecord` struct).
 * Event header: `kind | standardVersion << 8 | periodStart << 24 | periodEnd << 88 |
 * biogenic << 152`; event scopes: `scope1 | scope2Location << 64 | scope2Market << 128 |
 * scope3 << 192`.
 */
library LedgerWords {
    /// @notice The signing state part of an account word.
    function accountState(address key, uint8 status, uint8 roles) internal pure returns (uint256) {
        return uint256(uint160(key)) | (uint256(status) << ACCOUNT_STATUS_SHIFT)
            | (uint256(roles) << ACCOUNT_ROLES_SHIFT);
    }

    /// @notice The signing key, roles and status of an account word.
    function unpackAccount(uint256 word) internal pure returns (address key, uint8 roles, uint8 status) {
        return (address(uint160(word)), uint8(word >> ACCOUNT_ROLES_SHIFT), uint8(word >> ACCOUNT_STATUS_SHIFT));
    }

    /// @notice Whether an account word's member is active and holds `role`.
    function isActiveWith(uint256 word, uint256 role) internal pure returns (bool) {
        return (word >> ACCOUNT_STATUS_SHIFT) & 0xff == MEMBER_ACTIVE && (word >> ACCOUNT_ROLES_SHIFT) & role != 0;
    }

    /// @notice The nonce of an account word.
    function nonce(uint256 word) internal pure returns (uint256) {
        return word >> ACCOUNT_NONCE_SHIFT;
    }

    /// @notice A version word.
    function versionWord(uint8 status, uint64 effectiveFrom) internal pure returns (uint256) {
        return uint256(status) | (uint256(effectiveFrom) << VERSION_FROM_SHIFT);
    }

    /// @notice The status and effective date of a version word.
    function unpackVersion(uint256 word) internal pure returns (uint8 status, uint64 effectiveFrom) {
        return (uint8(word), uint64(word >> VERSION_FROM_SHIFT));
    }
}
