// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";

/**
 * @title SignerCheck
 * @notice Checks a member's signature from calldata: ECDSA first (the common case of an EOA
 * signing key, without touching the key's account), then ERC-1271 when the key is a contract.
 * @dev Same outcome as OpenZeppelin's `SignatureChecker.isValidSignatureNow`, cheaper for EOA
 * keys: no `EXTCODESIZE` on a cold account and no copy of the signature to memory.
 */
library SignerCheck {
    /// @notice Whether `signature` over `digest` is valid for `key` (65-byte ECDSA or ERC-1271).
    function isValidSignature(address key, bytes32 digest, bytes calldata signature) internal view returns (bool) {
        if (signature.length == 65) {
            bytes32 r;
            bytes32 s;
            uint8 v;
            assembly ("memory-safe") {
                r := calldataload(signature.offset)
                s := calldataload(add(signature.offset, 0x20))
                v := byte(0, calldataload(add(signature.offset, 0x40)))
            }
            (address recovered, ECDSA.RecoverError err, ) = ECDSA.tryRecover(digest, v, r, s);
            if (err == ECDSA.RecoverError.NoError && recovered == key) return true;
        }
        return key.code.length != 0 && SignatureChecker.isValidERC1271SignatureNow(key, digest, signature);
    }
}
