#!/usr/bin/env node
import { Command, CommanderError } from "commander";
import { isMsplitError } from "../errors.js";
import { markMainStart } from "../util/profile.js";
import { registerCommands } from "./commands/index.js";
import { VERSION } from "../version.js";

markMainStart();

const program = new Command("msplit")
  .description("Split, seal and run neural networks for confidential inference.")
  .version(VERSION)
  .option("--debug", "print stack traces on errors")
  .exitOverride()
  // Usage errors get the same one-line `msplit: CODE: message` form as every other error.
  .configureOutput({
    outputError: (text, write) => write(`msplit: ERR_USAGE: ${text.replace(/^error: /, "").trim()} (see --help)\n`),
  });

registerCommands(program);

// Benchmarks measure a command's own peak memory from outside with this, not from a sampler.
if (process.env.MSPLIT_REPORT_RUSAGE === "1") {
  process.on("exit", () => {
    const r = process.resourceUsage();
    process.stderr.write(`msplit-rusage ${JSON.stringify({ maxRssKiB: r.maxRSS, userMs: r.userCPUTime / 1000, systemMs: r.systemCPUTime / 1000 })}\n`);
  });
}

function fail(e: unknown): never {
  const debug = process.argv.includes("--debug");
  if (isMsplitError(e)) {
    process.stderr.write(`msplit: ${e.code}: ${e.message}\n`);
    if (debug && e.stack) process.stderr.write(`${e.stack}\n`);
    process.exit(e.exitCode);
  }
  if (e instanceof CommanderError) {
    // commander already printed its message (help, version, or a usage error).
    process.exit(e.exitCode === 0 ? 0 : 2);
  }
  const err = e as Error;
  process.stderr.write(`msplit: ERR_INTERNAL: ${err?.message ?? String(e)}\n`);
  if (debug && err?.stack) process.stderr.write(`${err.stack}\n`);
  process.exit(1);
}

try {
  await program.parseAsync(process.argv);
} catch (e) {
  fail(e);
}
