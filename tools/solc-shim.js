#!/usr/bin/env node
// A native-solc look-alike served by the pinned solc-js from npm.
//
// It answers `--version` the way native solc does (py-solc-x and ape-solidity parse it)
// and serves `--standard-json` (stdin -> stdout) with an import callback that reads
// files under the base path, the include paths and the allowed paths. Nothing else of
// the native command line is supported: `--combined-json` is refused with a clear error.
"use strict";
const fs = require("fs");
const path = require("path");

const projectRoot = path.resolve(__dirname, "..");
const solc = require(path.join(projectRoot, "node_modules", "solc"));

function fail(message) {
  process.stderr.write(`solc-shim: ${message}\n`);
  process.exit(1);
}

const args = process.argv.slice(2);
if (args.includes("--version") || args.includes("-v")) {
  // solc-js reports "0.8.28+commit.7893614a.Emscripten.clang"; native solc prints
  // "Version: 0.8.28+commit.7893614a.Linux.g++". Keep the semver + commit part.
  const full = solc.version();
  const m = /^(\d+\.\d+\.\d+\+commit\.[0-9a-f]+)/.exec(full);
  process.stdout.write("solc, the solidity compiler commandline interface\n");
  process.stdout.write(`Version: ${m ? m[1] : full}.Linux.g++\n`);
  process.exit(0);
}
if (!args.includes("--standard-json")) {
  fail(`only --version and --standard-json are supported (got: ${args.join(" ") || "nothing"})`);
}

const roots = [process.cwd()];
for (let i = 0; i < args.length; i += 1) {
  const flag = args[i];
  if (flag === "--base-path" || flag === "--include-path") {
    roots.push(path.resolve(args[i + 1]));
    i += 1;
  } else if (flag === "--allow-paths") {
    for (const p of String(args[i + 1]).split(",")) if (p) roots.push(path.resolve(p));
    i += 1;
  }
}
roots.push(projectRoot, path.join(projectRoot, "node_modules"));

function findImports(importPath) {
  const candidates = path.isAbsolute(importPath)
    ? [importPath]
    : roots.map((root) => path.join(root, importPath));
  for (const candidate of candidates) {
    try {
      return { contents: fs.readFileSync(candidate, "utf8") };
    } catch (_err) {
      // try the next root
    }
  }
  return { error: `File not found: ${importPath} (searched ${roots.join(", ")})` };
}

const input = fs.readFileSync(0, "utf8");
process.stdout.write(solc.compile(input, { import: findImports }));
