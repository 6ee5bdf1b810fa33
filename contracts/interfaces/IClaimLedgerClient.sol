// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/**
 * @title IClaimLedgerClient
 * @notice A contract deployed against one {IClaimLedger}, whose claims it reads or admits:
 * {IOverlapSettlement} (the claims a settlement addresses and the reduction claims that cite
 * it), {ITargetRegistry} (a target's base claim) and {IClaimRoots} (the claims it admits).
 */
interface IClaimLedgerClient {
    /// @notice The claim ledger, fixed at deployment.
    function claimLedger() external view returns (address);
}
