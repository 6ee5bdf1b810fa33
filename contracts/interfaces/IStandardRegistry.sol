// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IQuorumApprovals} from "./IQuorumApprovals.sol";

/**
 * @title IStandardRegistry
 * @notice Versions of the unified calculation standard (methodology plus factor tables).
 *
 * A version gets the next id (1, 2, ...) when the hash of its content, as produced by the
 * backend, is published. A content hash can be published only once, so {versionByContent}
 * answers "which version is this content". A version is usable for new claims from its
 * `effectiveFrom` time until it is retired; claims recorded under it stay valid, and older
 * versions stay usable next to newer ones until they are retired.
 *
 * Publication and retirement are governed like membership: an admin of the {MemberRegistry}
 * proposes, and the proposal executes as soon as `adminQuorum()` of the registry's currently
 * active admins approved it (the proposer's approval counts). With a quorum of 1 a proposal
 * executes in the transaction that creates it. The action is validated again on execution.
 */
interface IStandardRegistry is IQuorumApprovals {
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

    /// @notice What a proposal does when executed.
    enum ProposalAction {
        None,
        Publish,
        Retire
    }

    /// @notice Lifecycle of a proposal. An unexecuted proposal lapses at its `expiresAt`.
    enum ProposalStatus {
        None,
        Pending,
        Executed
    }

    /// @notice A publication or retirement proposal. `contentHash` and `effectiveFrom` are set for a
    /// publication, `version` for a retirement (and, once a publication executed, the id it got).
    struct Proposal {
        ProposalAction action;
        ProposalStatus status;
        uint16 version;
        uint64 effectiveFrom;
        uint64 expiresAt;
        address proposer;
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
    /// @notice No proposal has id `proposalId`.
    error StandardRegistryUnknownProposal(uint256 proposalId);
    /// @notice Proposal `proposalId` is not pending (it is `status`).
    error StandardRegistryProposalNotPending(uint256 proposalId, ProposalStatus status);
    /// @notice Proposal `proposalId` lapsed at `expiresAt`.
    error StandardRegistryProposalExpired(uint256 proposalId, uint64 expiresAt);
    /// @notice `admin` already approved proposal `proposalId`.
    error StandardRegistryAlreadyApproved(uint256 proposalId, address admin);
    /// @notice Proposal `proposalId` has `approvals` approvals of active admins; `quorum` are needed.
    error StandardRegistryQuorumNotReached(uint256 proposalId, uint256 approvals, uint256 quorum);
    /// @notice The claim ledger is already set to `claimLedger` (it can be set once).
    error StandardRegistryClaimLedgerAlreadySet(address claimLedger);
    /// @notice `claimLedger` does not name this registry as its standard registry.
    error StandardRegistryClaimLedgerMismatch(address claimLedger);

    /// @notice Admin `proposer` proposed publishing `contentHash`, usable from `effectiveFrom`.
    event PublicationProposed(
        uint256 indexed proposalId,
        bytes32 indexed contentHash,
        uint64 effectiveFrom,
        address indexed proposer,
        uint64 expiresAt
    );
    /// @notice Admin `proposer` proposed retiring `version`.
    event RetirementProposed(
        uint256 indexed proposalId, uint16 indexed version, address indexed proposer, uint64 expiresAt
    );
    /// @notice `version` was published with `contentHash`, usable from `effectiveFrom`; `admin`
    /// executed the proposal.
    event StandardPublished(
        uint16 indexed version, bytes32 indexed contentHash, uint64 effectiveFrom, address indexed admin
    );
    /// @notice `version` was retired; `admin` executed the proposal.
    event StandardRetired(uint16 indexed version, address indexed admin);
    /// @notice Admin `admin` bound the registry to `claimLedger`, which mirrors version states.
    event ClaimLedgerSet(address indexed claimLedger, address indexed admin);

    /// @notice Propose publishing a new version (admins only). The proposer's approval counts; the
    /// proposal executes at once when that reaches the quorum.
    /// @param contentHash Hash of the canonical content of the version (non-zero, never published before).
    /// @param effectiveFrom Unix time from which claims may use the version.
    /// @return proposalId The new proposal.
    function proposePublication(bytes32 contentHash, uint64 effectiveFrom) external returns (uint256 proposalId);

    /// @notice Propose retiring an active version (admins only); once retired, new claims can no
    /// longer use it. Executes at once when the proposer's approval reaches the quorum.
    /// @return proposalId The new proposal.
    function proposeRetirement(uint16 version) external returns (uint256 proposalId);

    /// @notice Approve a pending proposal as an active admin; it executes when the approvals of
    /// currently active admins reach the quorum.
    function approve(uint256 proposalId) external;

    /// @notice Execute a pending proposal that already has a quorum of approvals by currently
    /// active admins (e.g. after the quorum was lowered).
    function execute(uint256 proposalId) external;

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

    /// @notice A proposal (status `None` when unknown).
    function proposalOf(uint256 proposalId) external view returns (Proposal memory);

    /// @notice The member registry whose admins govern this registry.
    function memberRegistry() external view returns (address);
}
