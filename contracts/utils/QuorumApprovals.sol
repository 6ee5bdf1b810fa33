// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IQuorumApprovals} from "../interfaces/IQuorumApprovals.sol";

/**
 * @title QuorumApprovals
 * @notice The approval bookkeeping both governed registries share: proposal ids, their
 * lifetime, who approved what, and the count of approvals by admins who are active now.
 * @dev The registry keeps its own proposal records, checks and errors (their names are part
 * of its ABI) and says who is an active admin ({_isActiveAdmin}).
 */
abstract contract QuorumApprovals is IQuorumApprovals {
    /// @notice How long a proposal can collect approvals and be executed.
    uint64 public constant PROPOSAL_LIFETIME = 14 days;

    mapping(uint256 proposalId => address[]) private _approvers;
    mapping(uint256 proposalId => mapping(address admin => bool)) private _approved;
    uint256 private _proposalCount;

    /// @inheritdoc IQuorumApprovals
    function proposalCount() external view returns (uint256) {
        return _proposalCount;
    }

    /// @inheritdoc IQuorumApprovals
    function hasApproved(uint256 proposalId, address admin) public view returns (bool) {
        return _approved[proposalId][admin];
    }

    /// @inheritdoc IQuorumApprovals
    function approvalsOf(uint256 proposalId) public view returns (uint256 approvals) {
        address[] storage approvers = _approvers[proposalId];
        for (uint256 i = 0; i < approvers.length; ++i) {
            if (_isActiveAdmin(approvers[i])) ++approvals;
        }
    }

    /// @dev Whether `account` is an active admin now (only their approvals count).
    function _isActiveAdmin(address account) internal view virtual returns (bool);

    /// @dev Takes the next proposal id; returns it with the time the proposal lapses.
    function _nextProposal() internal returns (uint256 proposalId, uint64 expiresAt) {
        proposalId = ++_proposalCount;
        expiresAt = SafeCast.toUint64(block.timestamp + PROPOSAL_LIFETIME);
    }

    /// @dev Records `admin`'s approval of `proposalId` and emits {ProposalApproved}; returns the
    /// approvals of active admins it now has.
    function _recordApproval(uint256 proposalId, address admin) internal returns (uint256 approvals) {
        _approved[proposalId][admin] = true;
        _approvers[proposalId].push(admin);
        approvals = approvalsOf(proposalId);
        emit ProposalApproved(proposalId, admin, approvals);
    }
}
