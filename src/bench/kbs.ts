import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Collateral } from "../attest/dcap/collateral.js";
import { verifyQuote } from "../attest/dcap/verify.js";
import { parsePolicy } from "../attest/policy.js";
import { SampleAttester } from "../attest/sample.js";
import { fetchResource } from "../kbs/client.js";
import { encodeKeyRelease } from "../kbs/release.js";
import { ResourceStore } from "../kbs/resources.js";
import { createKbsServer } from "../kbs/server.js";
import { median, quantile, round } from "../util/stats.js";

export interface KbsBenchOptions {
  flows: number;
  concurrency: number;
  /** Also time the verification of this quote (with its collateral at `now`), the SGX path's extra cost per flow. */
  quote?: Uint8Array;
  collateral?: Collateral;
  now?: Date;
}

export interface KbsBenchResult {
  flows: number;
  concurrency: number;
  errors: number;
  p50_ms: number;
  p99_ms: number;
  flows_per_s: number;
  wall_s: number;
  /** Median time to verify the given quote (with collateral), if one was given. */
  quote_verify_ms?: number;
}

/**
 * Full RCAR flows (auth, attest, resource, decrypt) from `concurrency` clients against a broker on
 * loopback in this process: the real server and client code, with sample evidence (no quote to
 * make per flow without an enclave). The rate limiter is on with a limit the run cannot reach.
 */
export async function benchKbs(options: KbsBenchOptions): Promise<KbsBenchResult> {
  const dir = await mkdtemp(join(tmpdir(), "msplit-bench-kbs-"));
  const resource = encodeKeyRelease({ bundleId: randomBytes(16).toString("hex"), kind: "key", key: randomBytes(32) });
  await mkdir(join(dir, "bench", "key"), { recursive: true });
  await writeFile(join(dir, "bench", "key", "model"), resource, { mode: 0o600 });
  const app = await createKbsServer({
    policy: parsePolicy(JSON.stringify({ version: 1, mr_enclave: ["00".repeat(32)] })),
    resources: await ResourceStore.open(dir),
    allowSample: true,
    logger: false,
    rateLimitPerMinute: 10_000_000,
  });
  try {
    const url = await app.listen({ port: 0, host: "127.0.0.1" });
    const attester = new SampleAttester();
    const latencies: number[] = [];
    let started = 0;
    let errors = 0;
    const client = async () => {
      while (started < options.flows) {
        started++;
        const t0 = performance.now();
        try {
          const got = await fetchResource({ url, attester }, "bench/key/model");
          if (!got.equals(resource)) errors++;
        } catch {
          errors++;
        }
        latencies.push(performance.now() - t0);
      }
    };
    const t0 = performance.now();
    await Promise.all(Array.from({ length: options.concurrency }, client));
    const wall = (performance.now() - t0) / 1000;
    let quoteVerify: number | undefined;
    if (options.quote) {
      const times: number[] = [];
      for (let i = 0; i < 50; i++) {
        const q0 = performance.now();
        verifyQuote(options.quote, { now: options.now ?? new Date(), collateral: options.collateral });
        times.push(performance.now() - q0);
      }
      quoteVerify = round(median(times), 2);
    }
    return {
      flows: options.flows,
      concurrency: options.concurrency,
      errors,
      p50_ms: round(quantile(latencies, 0.5), 1),
      p99_ms: round(quantile(latencies, 0.99), 1),
      flows_per_s: round(options.flows / wall, 1),
      wall_s: round(wall, 2),
      quote_verify_ms: quoteVerify,
    };
  } finally {
    await app.close();
    await rm(dir, { recursive: true, force: true });
  }
}
