// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IClaimLedger} from "../interfaces/IClaimLedger.sol";
import {IClaimLedgerClient} from "../interfaces/IClaimLedgerClient.sol";

/**
 * @title ClaimLedgerClient
 * @notice The {ClaimLedger} a contract is deployed against, and its {claimLedger} view.
 * @dev The contract checks the ledger's claims itself, with its own errors.
 */
abstract contract ClaimLedgerClient is IClaimLedgerClient {
    IClaimLedger internal immutable _ledger;

    /// @param claimLedger_ The {ClaimLedger} (the contract refuses the zero address with its own error).
    constructor(address claimLedger_) {
        _ledger = IClaimLedger(claimLedger_);
    }

    /// @inheritdoc IClaimLedgerClient
    function claimLedger() external view returns (address) {
        return address(_ledger);
    }
}
