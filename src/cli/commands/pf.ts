import { Option, type Command } from "commander";
import { UsageError } from "../../errors.js";
import {
  checkPfLength,
  pfConvert,
  generateWrapKey,
  loadWrapKey,
  openProtectedFileAt,
  openRegularFile,
  parsePfHeader,
  type PfFileResult,
  type PfVersion,
} from "../../seal/gramine-pf/index.js";
import { info, printJson } from "../output.js";

export function pfVersionOption(): Option {
  return new Option("--pf-version <n>", "protected-files major version to write: 1 (read by every Gramine) or 2 (Gramine >= 1.9 only)")
    .choices(["1", "2"])
    .default("1");
}

/** -w, -i, -o and --force, as gramine-sgx-pf-crypt names the first three. */
function conversion(cmd: Command, description: string, input: string, output: string): Command {
  return cmd
    .description(description)
    .requiredOption("-w, --wrap-key <file>", "16-byte wrap key (the encrypted mount's key)")
    .requiredOption("-i, --input <path>", input)
    .requiredOption("-o, --output <path>", output)
    .option("--force", "overwrite existing output files");
}

function describe(r: PfFileResult): string {
  return `${r.input} -> ${r.output} (version ${r.version}, ${r.size} bytes, ${r.nodes} nodes, path ${JSON.stringify(r.path)})`;
}

export function register(program: Command): void {
  const pf = program
    .command("pf")
    .description("Gramine protected files (encrypted mounts), byte-compatible with gramine-sgx-pf-crypt (docs/gramine-pf-format.md)");

  pf.command("gen-key")
    .description("write a new random 16-byte wrap key (mode 0600, never overwrites)")
    .requiredOption("-w, --wrap-key <file>", "key file to create")
    .action(async (opts: { wrapKey: string }) => {
      await generateWrapKey(opts.wrapKey);
      info(`wrote a 16-byte wrap key to ${opts.wrapKey}`);
    });

  conversion(
    pf.command("encrypt"),
    "encrypt a file (or a directory, recursively); the file embeds its output path, as Gramine checks it",
    "plain file or directory",
    "protected file or directory to write; its normalized path is embedded unless --path",
  )
    .option("--path <path>", "embed this path instead of -o's: the host path Gramine will see (mount uri + path below the mount)")
    .addOption(pfVersionOption())
    .action(async (opts: { wrapKey: string; input: string; output: string; path?: string; pfVersion: string; force?: boolean }) => {
      const key = await loadWrapKey(opts.wrapKey);
      try {
        await pfConvert("encrypt", opts.input, opts.output, key, {
          base: opts.path,
          version: Number(opts.pfVersion) as PfVersion,
          overwrite: opts.force ?? false,
          onFile: (r) => info(`encrypted ${describe(r)}`),
        });
      } finally {
        key.fill(0);
      }
    });

  conversion(
    pf.command("decrypt"),
    "decrypt a protected file (or a directory, recursively), checking the path embedded in it",
    "protected file or directory",
    "plain file or directory to write (mode 0600)",
  )
    .option("--path <path>", "the path the file must have been written for (default: -i, normalized; what gramine-sgx-pf-crypt -V checks)")
    .option("--no-path-check", "do not check the embedded path (gramine-sgx-pf-crypt without -V); Gramine itself always checks it")
    .action(async (opts: { wrapKey: string; input: string; output: string; path?: string; pathCheck: boolean; force?: boolean }) => {
      if (opts.path !== undefined && !opts.pathCheck) throw new UsageError("--path and --no-path-check contradict each other");
      const key = await loadWrapKey(opts.wrapKey);
      try {
        await pfConvert("decrypt", opts.input, opts.output, key, {
          base: opts.pathCheck ? opts.path : null,
          overwrite: opts.force ?? false,
          onFile: (r) => info(`decrypted ${describe(r)}`),
        });
      } finally {
        key.fill(0);
      }
    });

  pf.command("inspect")
    .description("show a protected file's header; with its wrap key, also the embedded path and plaintext size")
    .requiredOption("-i, --input <file>", "protected file")
    .option("-w, --wrap-key <file>", "16-byte wrap key")
    .option("--json", "print JSON on stdout")
    .action(async (opts: { input: string; wrapKey?: string; json?: boolean }) => {
      const { fh, size } = await openRegularFile(opts.input);
      let report: Record<string, unknown>;
      try {
        checkPfLength(size, opts.input);
        const node0 = Buffer.alloc(4096);
        await fh.read(node0, 0, 4096, 0);
        const h = parsePfHeader(node0, opts.input);
        report = { file: opts.input, version: h.version, minorVersion: h.minorVersion, featureFlags: h.featureFlags, nodes: size / 4096 };
      } finally {
        await fh.close();
      }
      if (opts.wrapKey) {
        const key = await loadWrapKey(opts.wrapKey);
        try {
          const opened = await openProtectedFileAt(opts.input, key, null);
          await opened.fh.close();
          report = { ...report, path: opened.pf.path, size: opened.pf.size, dataNodes: opened.pf.layout.dataNodes, mhtNodes: opened.pf.layout.mhtNodes };
        } finally {
          key.fill(0);
        }
      }
      if (opts.json) printJson(report);
      else info(Object.entries(report).map(([k, v]) => `${k}: ${typeof v === "string" ? JSON.stringify(v) : v}`).join("\n"));
    });
}
