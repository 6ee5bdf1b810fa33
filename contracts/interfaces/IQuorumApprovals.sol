// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/**
 * @title IQuorumApprovals
 * @notice The k-of-n approval part of a governed registry ({IMemberRegistry}, {IStandardRegistry}):
 * proposals get ids 1, 2, ...; each active admin approves a pending proposal once; a proposal
 * has as many approvals as its approvers who are active admins now (an approval of an admin
 * suspended or removed since stops counting). What a proposal does, and its own errors, belong
 * to the registry.
 */
interface IQuorumApprovals {
    /// @notice `admin` approved proposal `proposalId`, which now has `approvals` approvals.
    event ProposalApproved(uint256 indexed proposalId, address indexed admin, uint256 approvals);
    /// @notice Admin `executor` executed proposal `proposalId`.
    event ProposalExecuted(uint256 indexed proposalId, address indexed executor);

    /// @notice Number of proposals created so far (ids are 1..proposalCount).
    function proposalCount() external view returns (uint256);

    /// @notice Whether `admin` approved proposal `proposalId`.
    function hasApproved(uint256 proposalId, address admin) external view returns (bool);

    /// @notice Number of approvals of proposal `proposalId` by currently active admins.
    function approvalsOf(uint256 proposalId) external view returns (uint256);
}
