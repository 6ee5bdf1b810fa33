// Claim documents as the ledger hashes them, computed in this page (never taken on trust):
// documentHash = keccak-256 of the document's RFC 8785 (JCS) bytes; the activity root is the
// Merkle root of its lines, leaf = keccak256(keccak256(JCS(line))), sorted-pair inner nodes,
// an odd node carried up (OpenZeppelin MerkleProof) -- backend/carbonledger/standard/merkle.py.
import canonicalize from "canonicalize";
import { concat, getBytes, keccak256, toUtf8Bytes } from "ethers";

export function jcs(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new Error("not a JSON value");
  return text;
}

/** keccak-256 of the RFC 8785 bytes of a JSON document (its text as written). */
export function documentHash(text: string): string {
  return keccak256(toUtf8Bytes(jcs(JSON.parse(text))));
}

export function leaf(line: unknown): string {
  return keccak256(keccak256(toUtf8Bytes(jcs(line))));
}

function pair(a: string, b: string): string {
  return a.toLowerCase() < b.toLowerCase() ? keccak256(concat([a, b])) : keccak256(concat([b, a]));
}

/** Every level of the tree, leaves first. */
function levels(leaves: string[]): string[][] {
  const out = [leaves];
  while (out[out.length - 1].length > 1) {
    const level = out[out.length - 1];
    const next: string[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(i + 1 < level.length ? pair(level[i], level[i + 1]) : level[i]);
    out.push(next);
  }
  return out;
}

export function merkleRoot(lines: unknown[]): string {
  const tree = levels(lines.map(leaf));
  return tree[tree.length - 1][0];
}

/** The proof of line `index`: the sibling at each level (none where a node is carried up). */
export function merkleProof(lines: unknown[], index: number): string[] {
  const proof: string[] = [];
  let i = index;
  for (const level of levels(lines.map(leaf)).slice(0, -1)) {
    const sibling = i % 2 === 0 ? i + 1 : i - 1;
    if (sibling < level.length) proof.push(level[sibling]);
    i = Math.floor(i / 2);
  }
  return proof;
}

export function verifyProof(proof: string[], root: string, leafHash: string): boolean {
  return proof.reduce((node, sibling) => pair(node, sibling), leafHash).toLowerCase() === root.toLowerCase();
}

export const bytesOf = getBytes;
