// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IMemberRegistry} from "./IMemberRegistry.sol";
import {IStandardRegistry} from "./IStandardRegistry.sol";

/**
 * @title IClaimLedgerMirror
 * @notice The narrow side of the claim ledger that the registries see: where they push every
 * change of a member's signing state and of a standard version's state, and the standard
 * registry's address, which that registry compares with itself before binding
 * ({IStandardRegistry-setClaimLedger}; the member registry compares
 * {IMemberSigned-memberRegistry}). The registries import this interface (and
 * {IMemberSigned}) only, never the whole {IClaimLedger}, which extends both.
 */
interface IClaimLedgerMirror {
    /// @notice `caller` is not the registry whose state it tried to mirror.
    error ClaimLedgerUnauthorizedSync(address caller);

    /// @notice Mirror `account`'s signing state (caller: the member registry, on every change).
    function syncMember(address account, address signingKey, IMemberRegistry.MemberStatus status, uint8 roles)
        external;

    /// @notice Mirror `version`'s state (caller: the standard registry, on publish and retire).
    function syncVersion(uint16 version, IStandardRegistry.VersionStatus status, uint64 effectiveFrom) external;

    /// @notice The mirrored signing state of `account` (all zero while it has no mirror entry).
    function mirroredMember(address account)
        external
        view
        returns (address signingKey, uint8 roles, IMemberRegistry.MemberStatus status);

    /// @notice The mirrored state of `version` (all zero while it has no mirror entry).
    function mirroredVersion(uint16 version)
        external
        view
        returns (IStandardRegistry.VersionStatus status, uint64 effectiveFrom);

    /// @notice The standard registry that knows the standard versions.
    function standardRegistry() external view returns (address);
}
