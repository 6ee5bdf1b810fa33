// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {IMemberRegistry} from "../interfaces/IMemberRegistry.sol";
import {IMemberSigned} from "../interfaces/IMemberSigned.sol";

/**
 * @title MemberSigned
 * @notice The EIP-712 domain of a contract that records member-signed messages, named
 * "CarbonLedger <Contract>", version "1", and the {MemberRegistry} whose members sign.
 * @dev The contract keeps its nonces (OpenZeppelin's {Nonces}, or {ClaimLedger}'s packed
 * account word) and its signature checks, whose errors carry its own name.
 */
abstract contract MemberSigned is IMemberSigned, EIP712 {
    IMemberRegistry internal immutable _members;

    /// @param name The EIP-712 domain name.
    /// @param memberRegistry_ The {MemberRegistry} (the contract refuses the zero address with its own error).
    constructor(string memory name, address memberRegistry_) EIP712(name, "1") {
        _members = IMemberRegistry(memberRegistry_);
    }

    /// @inheritdoc IMemberSigned
    // solhint-disable-next-line func-name-mixedcase
    function DOMAIN_SEPARATOR() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    /// @inheritdoc IMemberSigned
    function memberRegistry() external view returns (address) {
        return address(_members);
    }
}
