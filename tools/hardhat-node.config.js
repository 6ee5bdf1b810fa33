// Hardhat's node (EDR), the second, independent EVM node of tests/chain/test_second_node.py.
// Chain id and development accounts as the embedded anvil's (the well-known test mnemonic):
// a local chain only. Run from the repository root:
//   node_modules/.bin/hardhat node --config tools/hardhat-node.config.js --hostname 127.0.0.1 --port P
module.exports = {
  networks: {
    hardhat: {
      chainId: 31337,
      accounts: {
        mnemonic: "test test test test test test test test test test test junk",
        count: 10,
      },
    },
  },
};
