import type { Command } from "commander";
import { generateKey } from "../../seal/index.js";
import { info } from "../output.js";

export function register(program: Command): void {
  program
    .command("keygen")
    .description("create a 32-byte random key file (mode 0600, never overwritten)")
    .requiredOption("-o, --output <file>", "where to write the key")
    .option("--wrap-with <kek>", "store the key wrapped (AES-KW) by this key-encryption key file instead of in the clear")
    .action(async (opts: { output: string; wrapWith?: string }) => {
      await generateKey(opts.output, opts.wrapWith ? { wrapWith: opts.wrapWith } : {});
      info(opts.wrapWith ? `wrote ${opts.output}: a new key, wrapped by ${opts.wrapWith}` : `wrote ${opts.output}: a new key (mode 0600)`);
    });
}
