// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";
import {IClaimLedgerMirror} from "./interfaces/IClaimLedgerMirror.sol";
import {IMemberRegistry, Roles} from "./interfaces/IMemberRegistry.sol";
import {IMemberSigned} from "./interfaces/IMemberSigned.sol";
import {QuorumApprovals} from "./utils/QuorumApprovals.sol";

/**
 * @title MemberRegistry
 * @notice The consortium of CarbonLedger: members, roles, signing keys and k-of-n admin governance.
 * @dev Storage is laid out for the hot path of the other contracts: {memberState} reads one
 * slot (signing key, status, roles). Names and identifier hashes live in separate slots.
 * Once bound to the {ClaimLedger} ({setClaimLedger}), every change of a member's signing
 * state is pushed into the ledger's mirror in the same transaction.
 */
contract MemberRegistry is IMemberRegistry, QuorumApprovals {
    using Checkpoints for Checkpoints.Trace160;

    /// @notice Role bit: admin.
    uint8 public constant ADMIN_ROLE = Roles.ADMIN;
    /// @notice Role bit: firm.
    uint8 public constant FIRM_ROLE = Roles.FIRM;
    /// @notice Role bit: auditor.
    uint8 public constant AUDITOR_ROLE = Roles.AUDITOR;
    /// @notice Role bit: checker (the backend's standard-checking service).
    uint8 public constant CHECKER_ROLE = Roles.CHECKER;
    /// @notice Role bit: relayer.
    uint8 public constant RELAYER_ROLE = Roles.RELAYER;

    struct MemberSlot {
        address signingKey;
        MemberStatus status;
        uint8 roles;
    }

    mapping(address account => MemberSlot) private _members;
    mapping(address account => bytes32) private _identifierHashes;
    mapping(address account => string) private _names;
    mapping(address account => Checkpoints.Trace160) private _keyHistory;

    mapping(uint256 proposalId => Proposal) private _proposals;

    uint256 private _adminQuorum;
    uint256 private _adminCount;
    IClaimLedgerMirror private _claimLedger;

    modifier onlyAdmin() {
        _checkAdmin(msg.sender);
        _;
    }

    /**
     * @param initialAdmins Accounts admitted as active admins (their signing key is the account itself).
     * @param adminQuorum_ Approvals a proposal needs, between 1 and `initialAdmins.length`.
     */
    constructor(address[] memory initialAdmins, uint256 adminQuorum_) {
        for (uint256 i = 0; i < initialAdmins.length; ++i) {
            address account = initialAdmins[i];
            if (account == address(0)) revert MemberRegistryZeroAddress();
            MemberStatus status = _members[account].status;
            if (status != MemberStatus.None) revert MemberRegistryAlreadyMember(account, status);
            _admit(account, bytes32(0), "", account, Roles.ADMIN);
        }
        if (adminQuorum_ == 0 || adminQuorum_ > _adminCount) {
            revert MemberRegistryInvalidQuorum(adminQuorum_, _adminCount);
        }
        _setQuorum(adminQuorum_);
    }

    // ------------------------------------------------------------------ governance

    /// @inheritdoc IMemberRegistry
    function proposeAdmission(
        address account,
        bytes32 identifierHash,
        string calldata name,
        address signingKey,
        uint8 roles
    ) external onlyAdmin returns (uint256 proposalId) {
        Proposal memory p;
        p.action = ProposalAction.Admit;
        p.account = account;
        p.identifierHash = identifierHash;
        p.name = name;
        p.signingKey = signingKey;
        p.roles = roles;
        return _propose(p);
    }

    /// @inheritdoc IMemberRegistry
    function proposeRemoval(address account) external onlyAdmin returns (uint256 proposalId) {
        return _proposeAbout(ProposalAction.Remove, account);
    }

    /// @inheritdoc IMemberRegistry
    function proposeSuspension(address account) external onlyAdmin returns (uint256 proposalId) {
        return _proposeAbout(ProposalAction.Suspend, account);
    }

    /// @inheritdoc IMemberRegistry
    function proposeReinstatement(address account) external onlyAdmin returns (uint256 proposalId) {
        return _proposeAbout(ProposalAction.Reinstate, account);
    }

    /// @inheritdoc IMemberRegistry
    function proposeRoles(address account, uint8 roles) external onlyAdmin returns (uint256 proposalId) {
        Proposal memory p;
        p.action = ProposalAction.SetRoles;
        p.account = account;
        p.roles = roles;
        return _propose(p);
    }

    /// @inheritdoc IMemberRegistry
    function proposeQuorum(uint256 quorum) external onlyAdmin returns (uint256 proposalId) {
        Proposal memory p;
        p.action = ProposalAction.SetQuorum;
        p.quorum = quorum;
        return _propose(p);
    }

    /// @inheritdoc IMemberRegistry
    function approve(uint256 proposalId) external onlyAdmin {
        _checkPending(proposalId);
        if (hasApproved(proposalId, msg.sender)) revert MemberRegistryAlreadyApproved(proposalId, msg.sender);
        _recordApproval(proposalId, msg.sender);
    }

    /// @inheritdoc IMemberRegistry
    function execute(uint256 proposalId) external onlyAdmin {
        _checkPending(proposalId);
        uint256 approvals = approvalsOf(proposalId);
        if (approvals < _adminQuorum) revert MemberRegistryQuorumNotReached(proposalId, approvals, _adminQuorum);
        Proposal storage p = _proposals[proposalId];
        _checkAction(p);
        _execute(proposalId, p);
    }

    /// @inheritdoc IMemberRegistry
    function setClaimLedger(address claimLedger_) external onlyAdmin {
        if (claimLedger_ == address(0)) revert MemberRegistryZeroAddress();
        address current = address(_claimLedger);
        if (current != address(0)) revert MemberRegistryClaimLedgerAlreadySet(current);
        if (IMemberSigned(claimLedger_).memberRegistry() != address(this)) {
            revert MemberRegistryClaimLedgerMismatch(claimLedger_);
        }
        _claimLedger = IClaimLedgerMirror(claimLedger_);
        emit ClaimLedgerSet(claimLedger_, msg.sender);
    }

    // ------------------------------------------------------------------ member actions

    /// @inheritdoc IMemberRegistry
    function rotateSigningKey(address newKey) external {
        if (_members[msg.sender].status != MemberStatus.Active) revert MemberRegistryInactiveMember(msg.sender);
        if (newKey == address(0)) revert MemberRegistryZeroAddress();
        _rotateKey(msg.sender, newKey);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IMemberRegistry
    function memberOf(address account) external view returns (Member memory) {
        MemberSlot memory m = _members[account];
        return Member(m.signingKey, m.status, m.roles, _identifierHashes[account], _names[account]);
    }

    /// @inheritdoc IMemberRegistry
    function memberState(address account)
        external
        view
        returns (address signingKey, uint8 roles, MemberStatus status)
    {
        MemberSlot memory m = _members[account];
        return (m.signingKey, m.roles, m.status);
    }

    /// @inheritdoc IMemberRegistry
    function hasRole(address account, uint8 role) public view returns (bool) {
        MemberSlot memory m = _members[account];
        return role != 0 && m.status == MemberStatus.Active && m.roles & role == role;
    }

    /// @inheritdoc IMemberRegistry
    function signingKeyAt(address account, uint256 timestamp) external view returns (address) {
        uint96 key = timestamp > type(uint96).max ? type(uint96).max : uint96(timestamp);
        return address(_keyHistory[account].upperLookup(key));
    }

    /// @inheritdoc IMemberRegistry
    function claimLedger() external view returns (address) {
        return address(_claimLedger);
    }

    /// @inheritdoc IMemberRegistry
    function adminQuorum() external view returns (uint256) {
        return _adminQuorum;
    }

    /// @inheritdoc IMemberRegistry
    function adminCount() external view returns (uint256) {
        return _adminCount;
    }

    /// @inheritdoc IMemberRegistry
    function proposalOf(uint256 proposalId) external view returns (Proposal memory) {
        return _proposals[proposalId];
    }

    // ------------------------------------------------------------------ checks

    function _isActiveAdmin(address account) internal view override returns (bool) {
        return hasRole(account, Roles.ADMIN);
    }

    function _checkAdmin(address account) private view {
        if (!_isActiveAdmin(account)) revert MemberRegistryNotAdmin(account);
    }

    function _checkPending(uint256 proposalId) private view {
        Proposal storage p = _proposals[proposalId];
        if (p.status == ProposalStatus.None) revert MemberRegistryUnknownProposal(proposalId);
        if (p.status != ProposalStatus.Pending) revert MemberRegistryProposalNotPending(proposalId, p.status);
        if (block.timestamp > p.expiresAt) revert MemberRegistryProposalExpired(proposalId, p.expiresAt);
    }

    function _checkRoles(uint8 roles) private pure {
        if (roles == 0 || roles & ~Roles.ALL != 0) revert MemberRegistryInvalidRoles(roles);
    }

    function _checkStatus(address account, MemberStatus expected) private view {
        MemberStatus status = _members[account].status;
        if (status != expected) revert MemberRegistryUnexpectedStatus(account, status);
    }

    /// @dev Checks that an admin count of `count` can still reach the quorum.
    function _checkAdminCount(uint256 count) private view {
        if (count < _adminQuorum) revert MemberRegistryQuorumUnreachable(count, _adminQuorum);
    }

    /// @dev Validates `p` against the current state; used at proposal time and again at execution.
    function _checkAction(Proposal memory p) private view {
        address account = p.account;
        MemberSlot memory m = _members[account];
        bool activeAdmin = m.status == MemberStatus.Active && m.roles & Roles.ADMIN != 0;
        if (p.action == ProposalAction.Admit) {
            if (account == address(0) || p.signingKey == address(0)) revert MemberRegistryZeroAddress();
            if (m.status != MemberStatus.None) revert MemberRegistryAlreadyMember(account, m.status);
            _checkRoles(p.roles);
        } else if (p.action == ProposalAction.Remove) {
            if (m.status != MemberStatus.Active && m.status != MemberStatus.Suspended) {
                revert MemberRegistryUnexpectedStatus(account, m.status);
            }
            if (activeAdmin) _checkAdminCount(_adminCount - 1);
        } else if (p.action == ProposalAction.Suspend) {
            _checkStatus(account, MemberStatus.Active);
            if (activeAdmin) _checkAdminCount(_adminCount - 1);
        } else if (p.action == ProposalAction.Reinstate) {
            _checkStatus(account, MemberStatus.Suspended);
        } else if (p.action == ProposalAction.SetRoles) {
            if (m.status != MemberStatus.Active && m.status != MemberStatus.Suspended) {
                revert MemberRegistryUnexpectedStatus(account, m.status);
            }
            _checkRoles(p.roles);
            if (activeAdmin && p.roles & Roles.ADMIN == 0) _checkAdminCount(_adminCount - 1);
        } else {
            if (p.quorum == 0 || p.quorum > _adminCount) revert MemberRegistryInvalidQuorum(p.quorum, _adminCount);
        }
    }

    // ------------------------------------------------------------------ effects

    function _proposeAbout(ProposalAction action, address account) private returns (uint256) {
        Proposal memory p;
        p.action = action;
        p.account = account;
        return _propose(p);
    }

    function _propose(Proposal memory p) private returns (uint256 proposalId) {
        _checkAction(p);
        (proposalId, p.expiresAt) = _nextProposal();
        p.status = ProposalStatus.Pending;
        p.proposer = msg.sender;
        _proposals[proposalId] = p;
        emit ProposalCreated(proposalId, p.action, msg.sender, p.account, p.expiresAt);
        _recordApproval(proposalId, msg.sender);
    }

    function _execute(uint256 proposalId, Proposal storage p) private {
        p.status = ProposalStatus.Executed;
        emit ProposalExecuted(proposalId, msg.sender);
        ProposalAction action = p.action;
        address account = p.account;
        if (action == ProposalAction.Admit) {
            _admit(account, p.identifierHash, p.name, p.signingKey, p.roles);
        } else if (action == ProposalAction.Remove) {
            _setStatus(account, MemberStatus.Removed);
            emit MemberRemoved(account);
        } else if (action == ProposalAction.Suspend) {
            _setStatus(account, MemberStatus.Suspended);
            emit MemberSuspended(account);
        } else if (action == ProposalAction.Reinstate) {
            _setStatus(account, MemberStatus.Active);
            emit MemberReinstated(account);
        } else if (action == ProposalAction.SetRoles) {
            _setRoles(account, p.roles);
        } else {
            _setQuorum(p.quorum);
        }
    }

    function _admit(
        address account,
        bytes32 identifierHash,
        string memory name,
        address signingKey,
        uint8 roles
    ) private {
        _members[account] = MemberSlot(signingKey, MemberStatus.Active, roles);
        _identifierHashes[account] = identifierHash;
        _names[account] = name;
        _keyHistory[account].push(_now(), uint160(signingKey));
        if (roles & Roles.ADMIN != 0) ++_adminCount;
        emit MemberAdmitted(account, identifierHash, name, signingKey, roles);
        _sync(account);
    }

    /// @dev Moves `account` to `status`, keeping the active-admin count in step.
    function _setStatus(address account, MemberStatus status) private {
        MemberSlot storage m = _members[account];
        if (m.roles & Roles.ADMIN != 0) {
            bool wasActive = m.status == MemberStatus.Active;
            bool isActive = status == MemberStatus.Active;
            if (wasActive && !isActive) --_adminCount;
            else if (!wasActive && isActive) ++_adminCount;
        }
        m.status = status;
        _sync(account);
    }

    function _setRoles(address account, uint8 roles) private {
        MemberSlot storage m = _members[account];
        uint8 previous = m.roles;
        if (m.status == MemberStatus.Active) {
            bool wasAdmin = previous & Roles.ADMIN != 0;
            bool isAdmin = roles & Roles.ADMIN != 0;
            if (wasAdmin && !isAdmin) --_adminCount;
            else if (!wasAdmin && isAdmin) ++_adminCount;
        }
        m.roles = roles;
        emit MemberRolesChanged(account, previous, roles);
        _sync(account);
    }

    function _setQuorum(uint256 quorum) private {
        uint256 previous = _adminQuorum;
        _adminQuorum = quorum;
        emit AdminQuorumChanged(previous, quorum);
    }

    function _rotateKey(address account, address newKey) private {
        MemberSlot storage m = _members[account];
        address previous = m.signingKey;
        m.signingKey = newKey;
        _keyHistory[account].push(_now(), uint160(newKey));
        emit SigningKeyRotated(account, previous, newKey);
        _sync(account);
    }

    /// @dev Pushes `account`'s signing state into the claim ledger's mirror (once bound).
    function _sync(address account) private {
        IClaimLedgerMirror ledger = _claimLedger;
        if (address(ledger) != address(0)) {
            MemberSlot memory m = _members[account];
            ledger.syncMember(account, m.signingKey, m.status, m.roles);
        }
    }

    function _now() private view returns (uint96) {
        return uint96(block.timestamp);
    }
}
