// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";

/// @dev secp256k1 half order: a signature with a larger `s` is malleable and refused, as by
/// OpenZeppelin's ECDSA. The one definition; {ClaimLedger}'s assembly fast paths use it too.
uint256 constant SECP256K1_HALF_ORDER = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0;

/**
 * @title SignerCheck
 * @notice Checks a member's signature from calldata: ECDSA first (the common case of an EOA
 * signing key, without touching the key's account), then ERC-1271 when the key is a contract.
 * @dev Same outcome as OpenZeppelin's `SignatureChecker.isValidSignatureNow`, cheaper for EOA
 * keys: no `EXTCODESIZE` on a cold account, no copy of the signature to memory and the
 * `ecrecover` precompile called directly (with `ECDSA.tryRecover`'s rules: 65 bytes, `s` in
 * the lower half order, a recovered address that is not zero).
 */
library SignerCheck {

    /// @notice Whether `signature` over `digest` is valid for `key` (65-byte ECDSA or ERC-1271).
    function isValidSignature(address key, bytes32 digest, bytes calldata signature) internal view returns (bool) {
        if (signature.length == 65) {
            bool valid;
            assembly ("memory-safe") {
                let s := calldataload(add(signature.offset, 0x20))
                if iszero(gt(s, SECP256K1_HALF_ORDER)) {
                    let m := mload(0x40)
                    mstore(0x00, digest)
                    mstore(0x20, byte(0, calldataload(add(signature.offset, 0x40))))
                    mstore(0x40, calldataload(signature.offset))
                    mstore(0x60, s)
                    // On failure the precompile returns nothing: returndatasize() is then 0.
                    pop(staticcall(gas(), 0x01, 0x00, 0x80, 0x00, 0x20))
                    valid := and(eq(returndatasize(), 0x20), and(eq(mload(0x00), key), iszero(iszero(key))))
                    mstore(0x40, m)
                    mstore(0x60, 0)
                }
            }
            if (valid) return true;
        }
        return isValidERC1271(key, digest, signature);
    }

    /// @notice Whether `key` is a contract that accepts `signature` over `digest` (ERC-1271).
    function isValidERC1271(address key, bytes32 digest, bytes calldata signature) internal view returns (bool) {
        return key.code.length != 0 && SignatureChecker.isValidERC1271SignatureNow(key, digest, signature);
    }
}
