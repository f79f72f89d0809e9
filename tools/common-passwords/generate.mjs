#!/usr/bin/env node
// Regenerates libs/identity/src/data/common-passwords.json from the MIT-licensed npm package
// @zxcvbn-ts/language-common (its src/passwords.json: ~49k passwords ranked by frequency).
//
//   npm pack @zxcvbn-ts/language-common@4.1.3 && tar xzf zxcvbn-ts-language-common-4.1.3.tgz
//   node tools/common-passwords/generate.mjs package/src/passwords.json
//
// Only entries of at least MIN_POLICY_LENGTH characters are kept: the policy's minimum length
// cannot be set lower, so shorter ones could never reach the list check. Entries are folded to
// lower case (the check is case-insensitive), deduplicated and kept in frequency order.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const MIN_POLICY_LENGTH = 8;
const source = process.argv[2];
if (!source) {
  console.error('usage: generate.mjs <path to @zxcvbn-ts/language-common src/passwords.json>');
  process.exit(2);
}
const words = JSON.parse(readFileSync(source, 'utf8'));
if (!Array.isArray(words) || !words.every((w) => typeof w === 'string')) throw new Error(`${source} is not a list of strings`);
const kept = [...new Set(words.map((w) => w.toLowerCase()).filter((w) => [...w].length >= MIN_POLICY_LENGTH))];
const target = fileURLToPath(new URL('../../libs/identity/src/data/common-passwords.json', import.meta.url));
writeFileSync(target, `[\n${kept.map((w) => JSON.stringify(w)).join(',\n')}\n]\n`);
console.log(`${kept.length} passwords written to libs/identity/src/data/common-passwords.json`);
