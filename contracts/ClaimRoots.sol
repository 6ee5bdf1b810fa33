// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {IClaimLedger} from "./interfaces/IClaimLedger.sol";
import {IClaimRoots} from "./interfaces/IClaimRoots.sol";
import {IMemberRegistry, Roles} from "./interfaces/IMemberRegistry.sol";
import {SignerCheck} from "./libraries/SignerCheck.sol";
import {ClaimLedgerClient} from "./utils/ClaimLedgerClient.sol";

/**
 * @title ClaimRoots
 * @notice Merkle roots of batches of signed claims, and the admission of a claim under a root
 * into the {ClaimLedger} (see {IClaimRoots}).
 * @dev Deployed by the {ClaimLedger}'s constructor, which trusts only this contract's
 * admissions ({IClaimLedger-claimRoots}). A root costs one new storage slot and one event,
 * whatever the number of claims under it (see docs/gas.md).
 */
contract ClaimRoots is IClaimRoots, ClaimLedgerClient {
    IMemberRegistry private immutable _members;

    mapping(bytes32 root => RootRecord) private _roots;

    /**
     * @param claimLedger_ The {ClaimLedger} (the deploying contract).
     * @param memberRegistry_ The {MemberRegistry}.
     */
    constructor(address claimLedger_, address memberRegistry_) ClaimLedgerClient(claimLedger_) {
        if (claimLedger_ == address(0) || memberRegistry_ == address(0)) revert ClaimRootsZeroAddress();
        _members = IMemberRegistry(memberRegistry_);
    }

    /// @inheritdoc IClaimRoots
    function recordRoot(bytes32 root, uint32 count) external {
        if (!_members.hasRole(msg.sender, Roles.RELAYER)) revert ClaimRootsMissingRole(msg.sender);
        if (root == bytes32(0) || count == 0) revert ClaimRootsEmptyRoot(root, count);
        uint64 recordedAt = _roots[root].recordedAt;
        if (recordedAt != 0) revert ClaimRootsDuplicateRoot(root, recordedAt);
        _recordRoot(root, count);
    }

    /// @inheritdoc IClaimRoots
    function admitClaim(
        IClaimLedger.Claim calldata claim,
        bytes calldata signature,
        bytes32 root,
        bytes32[] calldata proof
    ) external returns (bytes32 claimId) {
        RootRecord memory record = _roots[root];
        if (record.recordedAt == 0) revert ClaimRootsUnknownRoot(root);
        bytes32 digest = _ledger.claimDigest(claim);
        bytes32 leaf = _leaf(digest, signature);
        if (!MerkleProof.verifyCalldata(proof, root, leaf)) revert ClaimRootsInvalidProof(root, leaf);
        if (claim.deadline < record.recordedAt) revert ClaimRootsExpiredSignature(claim.deadline, record.recordedAt);
        address key = _members.signingKeyAt(claim.firm, record.recordedAt);
        if (!SignerCheck.isValidSignature(key, digest, signature)) {
            revert ClaimRootsInvalidSignature(claim.firm, key);
        }
        claimId = _admit(claim, root, record.recordedAt);
    }

    /// @inheritdoc IClaimRoots
    function rootOf(bytes32 root) external view returns (RootRecord memory) {
        return _roots[root];
    }

    /// @inheritdoc IClaimRoots
    function leafOf(IClaimLedger.Claim calldata claim, bytes calldata signature) external view returns (bytes32) {
        return _leaf(_ledger.claimDigest(claim), signature);
    }

    /// @inheritdoc IClaimRoots
    function memberRegistry() external view returns (address) {
        return address(_members);
    }

    function _recordRoot(bytes32 root, uint32 count) private {
        _roots[root] = RootRecord({count: count, recordedAt: uint64(block.timestamp), blockNumber: uint64(block.number)});
        emit ClaimRootRecorded(root, msg.sender, count);
    }

    function _admit(IClaimLedger.Claim calldata claim, bytes32 root, uint64 recordedAt)
        private
        returns (bytes32 claimId)
    {
        claimId = _ledger.admitClaim(claim, recordedAt);
        emit ClaimAdmitted(claimId, root, claim.firm);
    }

    function _leaf(bytes32 digest, bytes calldata signature) private pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(digest, keccak256(signature)))));
    }
}
