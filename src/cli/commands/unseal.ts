import type { Command } from "commander";
import { unsealParts } from "../../runtime/bundle.js";
import { info } from "../output.js";
import { type KeyFlags, keyOptions, requireKeySource } from "../options.js";

export function register(program: Command): void {
  const cmd = program
    .command("unseal")
    .description("the owner's way back: decrypt a bundle into plain part files and plan.json")
    .argument("<bundle>", "sealed bundle directory")
    .requiredOption("-o, --output <dir>", "directory to create (must not exist or be empty)");
  for (const o of keyOptions()) cmd.addOption(o);
  cmd.action(async (bundle: string, opts: KeyFlags & { output: string }) => {
    const files = await unsealParts(bundle, requireKeySource(opts), opts.output);
    info(`wrote ${files.length} files to ${opts.output} (plain parts: keep them private)`);
  });
}
