// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {IClaimLedgerMirror} from "./interfaces/IClaimLedgerMirror.sol";
import {IMemberRegistry, Roles} from "./interfaces/IMemberRegistry.sol";
import {IStandardRegistry} from "./interfaces/IStandardRegistry.sol";

/**
 * @title StandardRegistry
 * @notice Versions of the unified calculation standard. Any single active admin of the
 * {MemberRegistry} may publish or retire a version. Once bound to the {ClaimLedger}
 * ({setClaimLedger}), every publication and retirement is pushed into the ledger's mirror.
 */
contract StandardRegistry is IStandardRegistry {
    IMemberRegistry private immutable _memberRegistry;

    mapping(uint16 version => Version) private _versions;
    mapping(bytes32 contentHash => uint16 version) private _versionByContent;
    uint16 private _versionCount;
    IClaimLedgerMirror private _claimLedger;

    modifier onlyAdmin() {
        _checkAdmin();
        _;
    }

    /// @param memberRegistry_ The {MemberRegistry} whose admins govern this registry.
    constructor(address memberRegistry_) {
        if (memberRegistry_ == address(0)) revert StandardRegistryZeroAddress();
        _memberRegistry = IMemberRegistry(memberRegistry_);
    }

    /// @inheritdoc IStandardRegistry
    function publish(bytes32 contentHash, uint64 effectiveFrom) external onlyAdmin returns (uint16 version) {
        if (contentHash == bytes32(0)) revert StandardRegistryZeroContentHash();
        uint16 existing = _versionByContent[contentHash];
        if (existing != 0) revert StandardRegistryDuplicateContent(contentHash, existing);
        return _publish(contentHash, effectiveFrom);
    }

    /// @inheritdoc IStandardRegistry
    function retire(uint16 version) external onlyAdmin {
        VersionStatus status = _versions[version].status;
        if (status == VersionStatus.None) revert StandardRegistryUnknownVersion(version);
        if (status == VersionStatus.Retired) revert StandardRegistryAlreadyRetired(version);
        _retire(version);
    }

    /// @inheritdoc IStandardRegistry
    function setClaimLedger(address claimLedger_) external onlyAdmin {
        if (claimLedger_ == address(0)) revert StandardRegistryZeroAddress();
        address current = address(_claimLedger);
        if (current != address(0)) revert StandardRegistryClaimLedgerAlreadySet(current);
        if (IClaimLedgerMirror(claimLedger_).standardRegistry() != address(this)) {
            revert StandardRegistryClaimLedgerMismatch(claimLedger_);
        }
        _claimLedger = IClaimLedgerMirror(claimLedger_);
        emit ClaimLedgerSet(claimLedger_, msg.sender);
    }

    /// @inheritdoc IStandardRegistry
    function claimLedger() external view returns (address) {
        return address(_claimLedger);
    }

    /// @inheritdoc IStandardRegistry
    function versionOf(uint16 version) external view returns (Version memory) {
        return _versions[version];
    }

    /// @inheritdoc IStandardRegistry
    function versionState(uint16 version) external view returns (VersionStatus status, uint64 effectiveFrom) {
        Version storage v = _versions[version];
        return (v.status, v.effectiveFrom);
    }

    /// @inheritdoc IStandardRegistry
    function versionByContent(bytes32 contentHash) external view returns (uint16) {
        return _versionByContent[contentHash];
    }

    /// @inheritdoc IStandardRegistry
    function versionCount() external view returns (uint16) {
        return _versionCount;
    }

    /// @inheritdoc IStandardRegistry
    function memberRegistry() external view returns (address) {
        return address(_memberRegistry);
    }

    function _checkAdmin() private view {
        if (!_memberRegistry.hasRole(msg.sender, Roles.ADMIN)) revert StandardRegistryNotAdmin(msg.sender);
    }

    function _publish(bytes32 contentHash, uint64 effectiveFrom) private returns (uint16 version) {
        version = ++_versionCount;
        _versions[version] = Version(effectiveFrom, VersionStatus.Active, contentHash);
        _versionByContent[contentHash] = version;
        emit StandardPublished(version, contentHash, effectiveFrom, msg.sender);
        _sync(version, VersionStatus.Active, effectiveFrom);
    }

    function _retire(uint16 version) private {
        Version storage v = _versions[version];
        v.status = VersionStatus.Retired;
        emit StandardRetired(version, msg.sender);
        _sync(version, VersionStatus.Retired, v.effectiveFrom);
    }

    /// @dev Pushes `version`'s state into the claim ledger's mirror (once bound).
    function _sync(uint16 version, VersionStatus status, uint64 effectiveFrom) private {
        IClaimLedgerMirror ledger = _claimLedger;
        if (address(ledger) != address(0)) ledger.syncVersion(version, status, effectiveFrom);
    }
}
