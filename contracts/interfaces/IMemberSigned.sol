// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/**
 * @title IMemberSigned
 * @notice What an off-chain signer needs from a contract that records EIP-712 messages signed
 * by members ({IClaimLedger}, {IOverlapSettlement}, {ITargetRegistry}): the domain to sign
 * under and the next nonce to sign with (as ERC-2612's `DOMAIN_SEPARATOR` and `nonces`), and
 * the member registry whose members' current signing keys it accepts.
 * Each contract has its own domain (name "CarbonLedger <Contract>", version "1") and its own
 * nonces; a message signed for one is refused by the others.
 */
interface IMemberSigned {
    /// @notice The next nonce `account` must sign with (sequential: one use each, in order).
    function nonces(address account) external view returns (uint256);

    /// @notice The EIP-712 domain separator (name "CarbonLedger <Contract>", version "1").
    // solhint-disable-next-line func-name-mixedcase
    function DOMAIN_SEPARATOR() external view returns (bytes32);

    /// @notice The member registry that knows firms, roles and keys.
    function memberRegistry() external view returns (address);
}
