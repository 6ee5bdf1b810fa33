// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IClaimLedger} from "./IClaimLedger.sol";
import {IClaimLedgerClient} from "./IClaimLedgerClient.sol";

/**
 * @title IClaimRoots
 * @notice Batch roots of signed claims: the relayer records the Merkle root of many signed
 * claims in one transaction, and any of those claims enters the {IClaimLedger} later, when an
 * operation first touches it on chain (an audit, a revocation, an amendment, a citation),
 * with its inclusion proof ({admitClaim}).
 *
 * Leaf of a claim: `keccak256(bytes.concat(keccak256(abi.encode(digest, keccak256(signature)))))`
 * where `digest` is the claim's EIP-712 digest under the ledger's domain
 * ({IClaimLedger-claimDigest}): it commits to every field of the claim and to its signature,
 * and the double hash keeps a leaf from ever equalling an inner node (64 bytes hashed once).
 * Inner nodes hash their two children sorted (OpenZeppelin's `MerkleProof`); the backend's
 * `carbonledger.vocab.merkle` builds the same tree.
 *
 * What the chain checks, and when: recording a root checks only the relayer's role (the
 * chain sees no claim, so it checks no signature, nonce or standard then; the service has
 * checked them before and the independent verifier checks them after, against the key the
 * registry held for the firm at the root's block time). Admission checks the proof against
 * the recorded root, the signature against {IMemberRegistry-signingKeyAt} the root's time,
 * the deadline against the root's time, and then everything the ledger checks for a claim
 * except the nonce order ({IClaimLedger-admitClaim}).
 */
interface IClaimRoots is IClaimLedgerClient {
    /// @notice A recorded root: exactly one storage slot.
    /// @param count Number of claims (leaves) under the root, as the relayer declared it.
    /// @param recordedAt Timestamp of the block that recorded the root (0: not recorded).
    /// @param blockNumber Number of that block.
    struct RootRecord {
        uint32 count;
        uint64 recordedAt;
        uint64 blockNumber;
    }

    // ------------------------------------------------------------------ errors

    /// @notice A constructor address was zero.
    error ClaimRootsZeroAddress();
    /// @notice `account` is not an active member holding the relayer role.
    error ClaimRootsMissingRole(address account);
    /// @notice A root must be non-zero and cover at least one claim (`count`).
    error ClaimRootsEmptyRoot(bytes32 root, uint256 count);
    /// @notice Root `root` was already recorded, at `recordedAt`.
    error ClaimRootsDuplicateRoot(bytes32 root, uint64 recordedAt);
    /// @notice Root `root` was never recorded.
    error ClaimRootsUnknownRoot(bytes32 root);
    /// @notice The proof does not lead from `leaf` to `root`.
    error ClaimRootsInvalidProof(bytes32 root, bytes32 leaf);
    /// @notice The signature is not one of `signingKey`, the key of `firm` when the root was recorded.
    error ClaimRootsInvalidSignature(address firm, address signingKey);
    /// @notice The signature's `deadline` had passed when the root was recorded (`recordedAt`).
    error ClaimRootsExpiredSignature(uint256 deadline, uint64 recordedAt);

    // ------------------------------------------------------------------ events

    /// @notice `relayer` recorded `root`, the Merkle root of `count` signed claims.
    event ClaimRootRecorded(bytes32 indexed root, address indexed relayer, uint256 count);
    /// @notice Claim `claimId` of `firm` entered the ledger with its proof under `root`.
    event ClaimAdmitted(bytes32 indexed claimId, bytes32 indexed root, address indexed firm);

    // ------------------------------------------------------------------ functions

    /// @notice Record the Merkle root of `count` signed claims (caller: an active relayer).
    function recordRoot(bytes32 root, uint32 count) external;

    /**
     * @notice Admit a claim anchored under `root` into the ledger. Anyone may submit it (the
     * service sends it before the first operation that needs the claim on chain). The
     * ledger records it as if submitted ({IClaimLedger-ClaimSubmitted} and the rest) and
     * this contract emits {ClaimAdmitted}.
     * @return claimId The id of the admitted claim.
     */
    function admitClaim(
        IClaimLedger.Claim calldata claim,
        bytes calldata signature,
        bytes32 root,
        bytes32[] calldata proof
    ) external returns (bytes32 claimId);

    /// @notice The record of `root` (all zero when it was never recorded).
    function rootOf(bytes32 root) external view returns (RootRecord memory);

    /// @notice The leaf of `claim` signed with `signature` (see the contract's NatSpec).
    function leafOf(IClaimLedger.Claim calldata claim, bytes calldata signature) external view returns (bytes32);

    /// @notice The member registry that knows relayers and the firms' key history.
    function memberRegistry() external view returns (address);
}
