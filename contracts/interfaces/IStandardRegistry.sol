// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/**
 * @title IStandardRegistry
 * @notice Versions of the unified calculation standard (methodology plus factor tables).
 *
 * A version gets the next id (1, 2, ...) when an admin publishes the hash of its content, as
 * produced by the backend. A content hash can be published only once, so {versionByContent}
 * answers "which version is this content". A version is usable for new claims from its
 * `effectiveFrom` time until an admin retires it; claims recorded under it stay valid.
 */
interface IStandardRegistry {
    /// @notice Lifecycle of a version. `Retired` is final.
    enum VersionStatus {
        None,
        Active,
        Retired
    }

    /// @notice A published version.
    struct Version {
        uint64 effectiveFrom;
        VersionStatus status;
        bytes32 contentHash;
    }

    /// @notice `account` is not an active admin of the member registry.
    error StandardRegistryNotAdmin(address account);
    /// @notice The zero address was given for the member registry.
    error StandardRegistryZeroAddress();
    /// @notice The content hash is zero.
    error StandardRegistryZeroContentHash();
    /// @notice `contentHash` was already published as `version`.
    error StandardRegistryDuplicateContent(bytes32 contentHash, uint16 version);
    /// @notice No version `version` was published.
    error StandardRegistryUnknownVersion(uint16 version);
    /// @notice Version `version` is already retired.
    error StandardRegistryAlreadyRetired(uint16 version);
    /// @notice The claim ledger is already set to `claimLedger` (it can be set once).
    error StandardRegistryClaimLedgerAlreadySet(address claimLedger);
    /// @notice `claimLedger` does not name this registry as its standard registry.
    error StandardRegistryClaimLedgerMismatch(address claimLedger);

    /// @notice Admin `admin` published `version` with `contentHash`, usable from `effectiveFrom`.
    event StandardPublished(
        uint16 indexed version, bytes32 indexed contentHash, uint64 effectiveFrom, address indexed admin
    );
    /// @notice Admin `admin` retired `version`.
    event StandardRetired(uint16 indexed version, address indexed admin);
    /// @notice Admin `admin` bound the registry to `claimLedger`, which mirrors version states.
    event ClaimLedgerSet(address indexed claimLedger, address indexed admin);

    /// @notice Publish a new version (admins only).
    /// @param contentHash Hash of the canonical content of the version (non-zero, never published before).
    /// @param effectiveFrom Unix time from which claims may use the version.
    /// @return version The id assigned to it.
    function publish(bytes32 contentHash, uint64 effectiveFrom) external returns (uint16 version);

    /// @notice Retire an active version (admins only); new claims can no longer use it.
    function retire(uint16 version) external;

    /// @notice Bind the registry to the claim ledger (any active admin of the member registry,
    /// once; the deployment does it). From then on every publication and retirement is pushed
    /// into the ledger's mirror ({IClaimLedgerMirror-syncVersion}) in the same transaction.
    /// @param claimLedger_ The claim ledger; its `standardRegistry()` must be this registry.
    function setClaimLedger(address claimLedger_) external;

    /// @notice The claim ledger the registry pushes version changes to (zero until set).
    function claimLedger() external view returns (address);

    /// @notice The record of `version` (status `None` when unknown).
    function versionOf(uint16 version) external view returns (Version memory);

    /// @notice The hot-path view other contracts use: one storage read.
    function versionState(uint16 version) external view returns (VersionStatus status, uint64 effectiveFrom);

    /// @notice The version that published `contentHash`, or 0.
    function versionByContent(bytes32 contentHash) external view returns (uint16);

    /// @notice Number of versions published (ids are 1..versionCount).
    function versionCount() external view returns (uint16);

    /// @notice The member registry whose admins govern this registry.
    function memberRegistry() external view returns (address);
}
