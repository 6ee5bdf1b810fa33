// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {IClaimLedgerMirror} from "./interfaces/IClaimLedgerMirror.sol";
import {IMemberRegistry, Roles} from "./interfaces/IMemberRegistry.sol";
import {IStandardRegistry} from "./interfaces/IStandardRegistry.sol";
import {QuorumApprovals} from "./utils/QuorumApprovals.sol";

/**
 * @title StandardRegistry
 * @notice Versions of the unified calculation standard. Publication and retirement are
 * proposals that execute once `adminQuorum()` active admins of the {MemberRegistry} approved
 * them (k-of-n, as membership changes). Once bound to the {ClaimLedger} ({setClaimLedger}),
 * every publication and retirement is pushed into the ledger's mirror.
 */
contract StandardRegistry is IStandardRegistry, QuorumApprovals {
    IMemberRegistry private immutable _memberRegistry;

    mapping(uint16 version => Version) private _versions;
    mapping(bytes32 contentHash => uint16 version) private _versionByContent;
    uint16 private _versionCount;
    IClaimLedgerMirror private _claimLedger;

    mapping(uint256 proposalId => Proposal) private _proposals;

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
    function proposePublication(bytes32 contentHash, uint64 effectiveFrom)
        external
        onlyAdmin
        returns (uint256 proposalId)
    {
        Proposal memory p;
        p.action = ProposalAction.Publish;
        p.contentHash = contentHash;
        p.effectiveFrom = effectiveFrom;
        _checkAction(p);
        return _propose(p);
    }

    /// @inheritdoc IStandardRegistry
    function proposeRetirement(uint16 version) external onlyAdmin returns (uint256 proposalId) {
        Proposal memory p;
        p.action = ProposalAction.Retire;
        p.version = version;
        _checkAction(p);
        return _propose(p);
    }

    /// @inheritdoc IStandardRegistry
    function approve(uint256 proposalId) external onlyAdmin {
        _checkPending(proposalId);
        if (hasApproved(proposalId, msg.sender)) revert StandardRegistryAlreadyApproved(proposalId, msg.sender);
        _approve(proposalId);
    }

    /// @inheritdoc IStandardRegistry
    function execute(uint256 proposalId) external onlyAdmin {
        _checkPending(proposalId);
        uint256 approvals = approvalsOf(proposalId);
        uint256 quorum = _memberRegistry.adminQuorum();
        if (approvals < quorum) revert StandardRegistryQuorumNotReached(proposalId, approvals, quorum);
        _checkAction(_proposals[proposalId]);
        _execute(proposalId);
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
    function proposalOf(uint256 proposalId) external view returns (Proposal memory) {
        return _proposals[proposalId];
    }

    /// @inheritdoc IStandardRegistry
    function memberRegistry() external view returns (address) {
        return address(_memberRegistry);
    }

    function _isActiveAdmin(address account) internal view override returns (bool) {
        return _memberRegistry.hasRole(account, Roles.ADMIN);
    }

    function _checkAdmin() private view {
        if (!_isActiveAdmin(msg.sender)) revert StandardRegistryNotAdmin(msg.sender);
    }

    function _checkPending(uint256 proposalId) private view {
        Proposal storage p = _proposals[proposalId];
        if (p.status == ProposalStatus.None) revert StandardRegistryUnknownProposal(proposalId);
        if (p.status != ProposalStatus.Pending) revert StandardRegistryProposalNotPending(proposalId, p.status);
        if (block.timestamp > p.expiresAt) revert StandardRegistryProposalExpired(proposalId, p.expiresAt);
    }

    /// @dev Validates `p` against the current state; at proposal time and again at execution.
    function _checkAction(Proposal memory p) private view {
        if (p.action == ProposalAction.Publish) {
            if (p.contentHash == bytes32(0)) revert StandardRegistryZeroContentHash();
            uint16 existing = _versionByContent[p.contentHash];
            if (existing != 0) revert StandardRegistryDuplicateContent(p.contentHash, existing);
        } else {
            VersionStatus status = _versions[p.version].status;
            if (status == VersionStatus.None) revert StandardRegistryUnknownVersion(p.version);
            if (status == VersionStatus.Retired) revert StandardRegistryAlreadyRetired(p.version);
        }
    }

    function _propose(Proposal memory p) private returns (uint256 proposalId) {
        (proposalId, p.expiresAt) = _nextProposal();
        p.status = ProposalStatus.Pending;
        p.proposer = msg.sender;
        _proposals[proposalId] = p;
        if (p.action == ProposalAction.Publish) {
            emit PublicationProposed(proposalId, p.contentHash, p.effectiveFrom, msg.sender, p.expiresAt);
        } else {
            emit RetirementProposed(proposalId, p.version, msg.sender, p.expiresAt);
        }
        _approve(proposalId);
    }

    /// @dev Records `msg.sender`'s approval; executes the proposal when the approvals reach the
    /// quorum (validated again, so a proposal overtaken by another reverts with its reason).
    function _approve(uint256 proposalId) private {
        if (_recordApproval(proposalId, msg.sender) >= _memberRegistry.adminQuorum()) {
            _checkAction(_proposals[proposalId]);
            _execute(proposalId);
        }
    }

    function _execute(uint256 proposalId) private {
        Proposal storage p = _proposals[proposalId];
        p.status = ProposalStatus.Executed;
        emit ProposalExecuted(proposalId, msg.sender);
        if (p.action == ProposalAction.Publish) {
            p.version = _publish(p.contentHash, p.effectiveFrom);
        } else {
            _retire(p.version);
        }
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
