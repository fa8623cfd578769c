import { SeededRandom } from "../../util/random.js";
import { QuoteInvalid } from "../errors.js";
import type { Collateral } from "./collateral.js";
import { verifyQuote } from "./verify.js";

/**
 * Quote mutation fuzzing, shared by the bounded test and `npm run fuzz:quotes`. A mutant must be
 * refused: either parsing throws ERR_QUOTE_INVALID or at least one check fails. Anything else
 * (an accepted mutant, another exception) is a finding.
 */
export type MutationKind = "bitflip" | "truncate" | "extend" | "length-field";

export interface Mutant {
  kind: MutationKind;
  /** Where the mutation is (a byte offset, or the new length). */
  at: number;
  bytes: Buffer;
}

export interface FuzzOutcome {
  tried: number;
  parseRefused: number;
  checkRefused: number;
  findings: { kind: MutationKind; at: number; problem: string }[];
}

/** Every single-bit flip of `quote` in [from, to). */
export function* bitFlips(quote: Buffer, from = 0, to = quote.length): Generator<Mutant> {
  for (let i = from; i < to; i++) {
    for (let bit = 0; bit < 8; bit++) {
      const bytes = Buffer.from(quote);
      bytes[i]! ^= 1 << bit;
      yield { kind: "bitflip", at: i * 8 + bit, bytes };
    }
  }
}

/** Random mutations from a seed: bit flips, truncations, appended bytes, rewritten length fields. */
export function* randomMutants(quote: Buffer, count: number, seed: number): Generator<Mutant> {
  const rng = new SeededRandom(seed);
  const int = (n: number) => Math.min(n - 1, Math.floor(rng.next() * n));
  // Offsets of the length fields a v3 quote carries: signature data length, QE auth data length, certification type and size.
  const authLenAt = 436 + 64 + 64 + 384 + 64;
  const authLen = quote.readUInt16LE(authLenAt);
  const fields = [432, authLenAt, authLenAt + 2 + authLen, authLenAt + 4 + authLen];
  for (let n = 0; n < count; n++) {
    const pick = int(10);
    if (pick < 6) {
      const bit = int(quote.length * 8);
      const bytes = Buffer.from(quote);
      bytes[bit >> 3]! ^= 1 << (bit & 7);
      yield { kind: "bitflip", at: bit, bytes };
    } else if (pick < 8) {
      const len = int(quote.length);
      yield { kind: "truncate", at: len, bytes: Buffer.from(quote.subarray(0, len)) };
    } else if (pick < 9) {
      const extra = 1 + int(64);
      yield { kind: "extend", at: quote.length + extra, bytes: Buffer.concat([quote, Buffer.alloc(extra, int(256))]) };
    } else {
      const at = fields[int(fields.length)]!;
      const bytes = Buffer.from(quote);
      const values = [0, 1, 0xffff, 0xffffffff, bytes.readUInt16LE(at) + 1, bytes.readUInt16LE(at) - 1, int(0x10000)];
      const v = values[int(values.length)]! >>> 0;
      if (at === 432 || at === fields[3]) bytes.writeUInt32LE(v, at);
      else bytes.writeUInt16LE(v & 0xffff, at);
      yield { kind: "length-field", at, bytes };
    }
  }
}

/** Runs mutants through `verifyQuote`; counts how each was refused, records anything that was not. */
export function fuzzQuote(mutants: Iterable<Mutant>, options: { now: Date; collateral?: Collateral }): FuzzOutcome {
  const out: FuzzOutcome = { tried: 0, parseRefused: 0, checkRefused: 0, findings: [] };
  for (const m of mutants) {
    out.tried++;
    try {
      const r = verifyQuote(m.bytes, options);
      if (r.ok) out.findings.push({ kind: m.kind, at: m.at, problem: "accepted" });
      else out.checkRefused++;
    } catch (e) {
      if (e instanceof QuoteInvalid) out.parseRefused++;
      else out.findings.push({ kind: m.kind, at: m.at, problem: `threw ${(e as Error).name}: ${(e as Error).message}` });
    }
  }
  return out;
}
