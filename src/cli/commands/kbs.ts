import { readUntrusted } from "../../util/untrusted-file.js";
import type { Command } from "commander";
import { pino } from "pino";
import { Option } from "commander";
import { parseCollateral, parsePolicy } from "../../attest/index.js";
import { createKbsServer, KbsConfigInvalid, publishKeyRelease, ResourceStore } from "../../kbs/index.js";
import { info } from "../output.js";
import { parseIntArg } from "../options.js";
import { parseNow } from "./attest.js";

export function register(program: Command): void {
  const kbs = program.command("kbs").description("key broker: release bundle keys to attested enclaves (Trustee KBS protocol 0.4.0)");
  kbs
    .command("serve")
    .description("serve /kbs/v0/auth, /kbs/v0/attest and /kbs/v0/resource/<repo>/<type>/<tag>; JSON logs on stdout")
    .requiredOption("--policy <file>", "attestation policy (JSON; docs/attestation.md)")
    .requiredOption("--resources <dir>", "resources as <dir>/<repository>/<type>/<tag> (see `msplit kbs add-key`)")
    .option("--port <n>", "TCP port (0: any free port)", parseIntArg(0, 65535), 8080)
    .option("--host <addr>", "address to listen on", "127.0.0.1")
    .option("--tls-cert <file>", "serve HTTPS with this certificate (PEM)")
    .option("--tls-key <file>", "... and this private key (PEM)")
    .option("--collateral <file...>", "Intel PCS collateral JSON, one per platform (FMSPC); required by policies with require_collateral")
    .option("--session-timeout <s>", "session lifetime in seconds", parseIntArg(1, 86400), 300)
    .option("--rate-limit <n>", "requests per client address per minute (0: no limit)", parseIntArg(0, 1_000_000), 600)
    .addOption(new Option("--now <iso>", "pretend it is this time (testing against expired collateral)").hideHelp())
    .option("--insecure-allow-sample", "ALSO ACCEPT UNSIGNED SAMPLE EVIDENCE: anyone can get the keys. Tests and demos only")
    .action(async (opts: { policy: string; resources: string; port: number; host: string; tlsCert?: string; tlsKey?: string; collateral?: string[]; sessionTimeout: number; rateLimit: number; now?: string; insecureAllowSample?: boolean }) => {
      if (Boolean(opts.tlsCert) !== Boolean(opts.tlsKey)) throw new KbsConfigInvalid("--tls-cert and --tls-key go together");
      const policy = parsePolicy(await readUntrusted(opts.policy, "policy"), opts.policy);
      const collateral = await Promise.all((opts.collateral ?? []).map(async (f) => parseCollateral(await readUntrusted(f, "collateral"), f)));
      const resources = await ResourceStore.open(opts.resources);
      const https = opts.tlsCert && opts.tlsKey ? { cert: await readUntrusted(opts.tlsCert, "certificate"), key: await readUntrusted(opts.tlsKey, "certificate") } : undefined;
      const offset = opts.now ? parseNow(opts.now).getTime() - Date.now() : 0;
      if (opts.insecureAllowSample) {
        info("msplit kbs: ******************************************************************");
        info("msplit kbs: INSECURE: --insecure-allow-sample accepts UNSIGNED sample evidence.");
        info("msplit kbs: Anyone who can reach this broker can obtain every key it serves.");
        info("msplit kbs: ******************************************************************");
      }
      const app = await createKbsServer({
        policy,
        resources,
        collateral,
        allowSample: opts.insecureAllowSample ?? false,
        sessionTimeoutSeconds: opts.sessionTimeout,
        rateLimitPerMinute: opts.rateLimit === 0 ? false : opts.rateLimit,
        https,
        clock: offset ? () => new Date(Date.now() + offset) : undefined,
        // Synchronous: a log line is out before the next request is served, even into a pipe.
        logger: pino({ name: "msplit-kbs" }, pino.destination({ dest: 1, sync: true })),
      });
      const url = await app.listen({ port: opts.port, host: opts.host });
      info(`msplit kbs: listening on ${url}${opts.insecureAllowSample ? " (INSECURE: sample evidence accepted)" : ""}`);
      await new Promise<void>((resolve) => {
        const stop = () => void app.close().then(resolve);
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
    });

  kbs
    .command("add-key")
    .description("publish a bundle's key (bound to the bundle's id) as a broker resource, mode 0600; checks that the key opens the bundle")
    .argument("<bundle>", "the sealed bundle")
    .requiredOption("--key <file>", "the bundle's key file (or, with --kek, its wrapped key file)")
    .option("--kek <file>", "publish this key-encryption key instead; the host keeps the wrapped key file")
    .requiredOption("--resources <dir>", "the broker's resources directory")
    .requiredOption("--resource <repo/type/tag>", "where to publish it, e.g. msplit/key/alexnet")
    .action(async (bundle: string, opts: { key: string; kek?: string; resources: string; resource: string }) => {
      const key = opts.kek ? { kind: "wrapped" as const, path: opts.key, kek: { kind: "file" as const, path: opts.kek } } : { kind: "file" as const, path: opts.key };
      const r = await publishKeyRelease({ bundle, key, kek: opts.kek ? { kind: "file", path: opts.kek } : undefined, resources: opts.resources, resource: opts.resource });
      info(`wrote ${r.path} (${opts.kek ? "KEK" : "key"} for bundle ${r.bundleId})`);
    });
}
