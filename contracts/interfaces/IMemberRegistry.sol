// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IQuorumApprovals} from "./IQuorumApprovals.sol";

/**
 * @title IMemberRegistry
 * @notice The CarbonLedger consortium: who the members are, which roles they hold, which key
 * signs for them and whether they are active.
 *
 * Roles are bit flags in a `uint8` (a member may hold several): {ADMIN_ROLE}, {FIRM_ROLE},
 * {AUDITOR_ROLE}, {CHECKER_ROLE} and {RELAYER_ROLE}. A role only counts while the member is
 * {MemberStatus.Active}.
 *
 * Every membership change (admission, removal, suspension, reinstatement, role change) and
 * every change of the admin quorum goes through a proposal that a quorum of `k` active admins
 * must approve before any admin executes it: no single admin acts alone unless the
 * consortium set `k = 1`. Signing-key rotation is done by the member's own account.
 *
 * Key rotation never invalidates what was recorded before: other contracts check a
 * signature against the member's current key at the time they record it. The key history is
 * readable through {SigningKeyRotated} events and {signingKeyAt}.
 */
interface IMemberRegistry is IQuorumApprovals {
    /// @notice Lifecycle of a member. `Removed` is final: a removed account is never re-admitted.
    enum MemberStatus {
        None,
        Active,
        Suspended,
        Removed
    }

    /// @notice What an executed proposal does.
    enum ProposalAction {
        None,
        Admit,
        Remove,
        Suspend,
        Reinstate,
        SetRoles,
        SetQuorum
    }

    /// @notice Lifecycle of a proposal. An unexecuted proposal lapses at its `expiresAt`.
    enum ProposalStatus {
        None,
        Pending,
        Executed
    }

    /// @notice A member record.
    struct Member {
        address signingKey;
        MemberStatus status;
        uint8 roles;
        bytes32 identifierHash;
        string name;
    }

    /// @notice A governance proposal. Fields not used by `action` are zero.
    struct Proposal {
        ProposalAction action;
        ProposalStatus status;
        address proposer;
        uint64 expiresAt;
        address account;
        address signingKey;
        uint8 roles;
        uint256 quorum;
        bytes32 identifierHash;
        string name;
    }

    // ------------------------------------------------------------------ errors

    /// @notice `account` is not an active admin.
    error MemberRegistryNotAdmin(address account);
    /// @notice The zero address was given where an account or a key is required.
    error MemberRegistryZeroAddress();
    /// @notice `quorum` is 0 or larger than the `adminCount` active admins.
    error MemberRegistryInvalidQuorum(uint256 quorum, uint256 adminCount);
    /// @notice `roles` is empty or has bits that are not a known role.
    error MemberRegistryInvalidRoles(uint8 roles);
    /// @notice `account` already has a member record (in any status, including removed).
    error MemberRegistryAlreadyMember(address account, MemberStatus status);
    /// @notice The action needs `account` in another status than its current `status`.
    error MemberRegistryUnexpectedStatus(address account, MemberStatus status);
    /// @notice The action would leave `adminCount` active admins, fewer than the `quorum`.
    error MemberRegistryQuorumUnreachable(uint256 adminCount, uint256 quorum);
    /// @notice No proposal has id `proposalId`.
    error MemberRegistryUnknownProposal(uint256 proposalId);
    /// @notice Proposal `proposalId` was already executed.
    error MemberRegistryProposalNotPending(uint256 proposalId, ProposalStatus status);
    /// @notice Proposal `proposalId` lapsed at `expiresAt`.
    error MemberRegistryProposalExpired(uint256 proposalId, uint64 expiresAt);
    /// @notice `admin` already approved proposal `proposalId`.
    error MemberRegistryAlreadyApproved(uint256 proposalId, address admin);
    /// @notice Proposal `proposalId` has `approvals` approvals of active admins; `quorum` are needed.
    error MemberRegistryQuorumNotReached(uint256 proposalId, uint256 approvals, uint256 quorum);
    /// @notice `account` is not an active member (for key rotation).
    error MemberRegistryInactiveMember(address account);
    /// @notice The claim ledger is already set to `claimLedger` (it can be set once).
    error MemberRegistryClaimLedgerAlreadySet(address claimLedger);
    /// @notice `claimLedger` does not name this registry as its member registry.
    error MemberRegistryClaimLedgerMismatch(address claimLedger);

    // ------------------------------------------------------------------ events

    /// @notice `account` was admitted with `roles`, signing with `signingKey`.
    event MemberAdmitted(
        address indexed account, bytes32 indexed identifierHash, string name, address signingKey, uint8 roles
    );
    /// @notice `account` was removed for good.
    event MemberRemoved(address indexed account);
    /// @notice `account` was suspended: its roles do not count until it is reinstated.
    event MemberSuspended(address indexed account);
    /// @notice `account` was reinstated after a suspension.
    event MemberReinstated(address indexed account);
    /// @notice The roles of `account` changed from `previousRoles` to `roles`.
    event MemberRolesChanged(address indexed account, uint8 previousRoles, uint8 roles);
    /// @notice `account` now signs with `newKey` instead of `previousKey`.
    event SigningKeyRotated(address indexed account, address indexed previousKey, address indexed newKey);
    /// @notice The number of admin approvals a proposal needs changed.
    event AdminQuorumChanged(uint256 previousQuorum, uint256 quorum);
    /// @notice Admin `admin` bound the registry to `claimLedger`, which mirrors members' signing state.
    event ClaimLedgerSet(address indexed claimLedger, address indexed admin);
    /// @notice Admin `proposer` created proposal `proposalId` about `account` (zero for a quorum change).
    event ProposalCreated(
        uint256 indexed proposalId,
        ProposalAction action,
        address indexed proposer,
        address indexed account,
        uint64 expiresAt
    );

    // ------------------------------------------------------------------ governance

    /// @notice Propose admitting `account` with `roles`. The proposer's approval is counted.
    /// @return proposalId The new proposal.
    function proposeAdmission(
        address account,
        bytes32 identifierHash,
        string calldata name,
        address signingKey,
        uint8 roles
    ) external returns (uint256 proposalId);

    /// @notice Propose removing `account` (active or suspended) for good.
    function proposeRemoval(address account) external returns (uint256 proposalId);

    /// @notice Propose suspending the active member `account`.
    function proposeSuspension(address account) external returns (uint256 proposalId);

    /// @notice Propose reinstating the suspended member `account`.
    function proposeReinstatement(address account) external returns (uint256 proposalId);

    /// @notice Propose replacing the roles of `account` (active or suspended) with `roles`.
    function proposeRoles(address account, uint8 roles) external returns (uint256 proposalId);

    /// @notice Propose requiring `quorum` admin approvals from now on.
    function proposeQuorum(uint256 quorum) external returns (uint256 proposalId);

    /// @notice Approve a pending proposal as an active admin.
    function approve(uint256 proposalId) external;

    /// @notice Execute a pending proposal that has a quorum of approvals by currently active admins.
    /// @dev The action is validated again against the state at execution time.
    function execute(uint256 proposalId) external;

    // ------------------------------------------------------------------ member actions

    /// @notice Rotate the caller's signing key. The caller must be an active member.
    function rotateSigningKey(address newKey) external;

    /// @notice Bind the registry to the claim ledger (any active admin, once; the deployment
    /// does it). From then on every change of a member's signing key, status or roles is pushed
    /// into the ledger's mirror ({IClaimLedgerMirror-syncMember}) in the same transaction.
    /// @param claimLedger_ The claim ledger; its `memberRegistry()` must be this registry.
    function setClaimLedger(address claimLedger_) external;

    /// @notice The claim ledger the registry pushes signing-state changes to (zero until set).
    function claimLedger() external view returns (address);

    // ------------------------------------------------------------------ views

    /// @notice The full record of `account` (status `None` when unknown).
    function memberOf(address account) external view returns (Member memory);

    /// @notice The hot-path view other contracts use: one storage read.
    function memberState(address account)
        external
        view
        returns (address signingKey, uint8 roles, MemberStatus status);

    /// @notice Whether `account` is active and holds every bit of `role`.
    function hasRole(address account, uint8 role) external view returns (bool);

    /// @notice The signing key of `account` in effect at the end of second `timestamp` (zero before admission).
    function signingKeyAt(address account, uint256 timestamp) external view returns (address);

    /// @notice Number of approvals a proposal needs.
    function adminQuorum() external view returns (uint256);

    /// @notice Number of active members holding the admin role.
    function adminCount() external view returns (uint256);

    /// @notice A proposal.
    function proposalOf(uint256 proposalId) external view returns (Proposal memory);
}

/// @title Roles
/// @notice The role bits of {IMemberRegistry}. A member's `roles` is the OR of its bits.
library Roles {
    /// @notice Proposes and approves membership changes; publishes and retires standards.
    uint8 internal constant ADMIN = 1 << 0;
    /// @notice A supply-chain firm: signs claims, settlement consents, citations and payments.
    uint8 internal constant FIRM = 1 << 1;
    /// @notice Signs audit verdicts and realised-reduction attestations.
    uint8 internal constant AUDITOR = 1 << 2;
    /// @notice The backend's standard-checking service: records check results.
    uint8 internal constant CHECKER = 1 << 3;
    /// @notice Submits on behalf of others; may open settlement proposals.
    uint8 internal constant RELAYER = 1 << 4;
    /// @notice Every defined role bit.
    uint8 internal constant ALL = ADMIN | FIRM | AUDITOR | CHECKER | RELAYER;
}
