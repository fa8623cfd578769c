import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { open, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { isMsplitError } from "../../src/errors.js";
import { BUNDLE_ERROR_CODES, HEADER_FILE } from "../../src/seal/index.js";
import { openAndReadAll, sealRandom } from "./helpers.js";

const RANDOM_FLIPS_PER_FILE = 250;

/** xorshift32: reproducible positions; the seed is printed with any failure. */
function prng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 0x1_0000_0000;
  };
}

test("flipping any single bit anywhere in the bundle makes opening or reading fail with a bundle error", async () => {
  const { dir, key } = await sealRandom([150_000, 151_000, 149_500]);
  const files = (await readdir(dir)).sort();
  const seed = randomBytes(4).readUInt32BE(0);
  const rand = prng(seed);

  const trials: { file: string; pos: number; bit: number }[] = [];
  for (const file of files) {
    const size = (await readFile(join(dir, file))).length;
    const headerBytes = file === HEADER_FILE ? 60 : 44;
    for (let pos = 0; pos < headerBytes; pos++) trials.push({ file, pos, bit: Math.floor(rand() * 8) });
    trials.push({ file, pos: size - 1, bit: 0 }); // the last tag byte
    for (let k = 0; k < RANDOM_FLIPS_PER_FILE; k++) trials.push({ file, pos: Math.floor(rand() * size), bit: Math.floor(rand() * 8) });
  }
  assert.ok(trials.length >= 1000);

  const codes = new Map<string, number>();
  for (const { file, pos, bit } of trials) {
    const fh = await open(join(dir, file), "r+");
    const one = Buffer.alloc(1);
    await fh.read(one, 0, 1, pos);
    const original = one[0]!;
    one[0] = original ^ (1 << bit);
    await fh.write(one, 0, 1, pos);
    let outcome: unknown = "success";
    try {
      await openAndReadAll(dir, key);
    } catch (e) {
      outcome = e;
    } finally {
      one[0] = original;
      await fh.write(one, 0, 1, pos);
      await fh.close();
    }
    const where = `${file} byte ${pos} bit ${bit} (seed ${seed})`;
    assert.ok(outcome !== "success", `${where}: the bundle still opened`);
    assert.ok(isMsplitError(outcome), `${where}: not an MsplitError: ${String((outcome as Error)?.stack ?? outcome)}`);
    assert.ok(BUNDLE_ERROR_CODES.includes(outcome.code), `${where}: unexpected code ${outcome.code}: ${outcome.message}`);
    codes.set(outcome.code, (codes.get(outcome.code) ?? 0) + 1);
  }
  // The pristine bundle still opens: every flip was undone.
  await openAndReadAll(dir, key);
  for (const code of ["ERR_BUNDLE_TAMPERED", "ERR_BUNDLE_INVALID", "ERR_KEY_MISMATCH"]) assert.ok(codes.has(code), `no ${code} seen`);
});
