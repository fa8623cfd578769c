#!/usr/bin/env node
import { Command, CommanderError } from "commander";
import { isMsplitError } from "../errors.js";
import { setOrtLogLevel } from "../ort.js";
import { inEnclave } from "../util/enclave.js";
import { safeLine } from "../util/text.js";
import { markMainStart } from "../util/profile.js";
import { registerCommands } from "./commands/index.js";
import { VERSION } from "../version.js";

markMainStart();

const program = new Command("msplit")
  .description("Split, seal and run neural networks for confidential inference.")
  .version(VERSION)
  .option("--debug", "print stack traces on errors")
  .option("--verbose", "show onnxruntime's own log (warnings and errors), off by default")
  .exitOverride()
  // Usage errors get the same one-line `msplit: CODE: message` form as every other error.
  .configureOutput({
    outputError: (text, write) =>
      write(inEnclave() ? "msplit: ERR_USAGE\n" : `msplit: ERR_USAGE: ${safeLine(text.replace(/^error: /, "").trim().replace(/\s*\n\s*/g, " "))} (see --help)\n`),
  })
  .hook("preAction", () => {
    if (program.opts<{ verbose?: boolean }>().verbose) setOrtLogLevel("warning");
  });

registerCommands(program);

// Benchmarks measure a command's own peak memory from outside with this, not from a sampler.
if (process.env.MSPLIT_REPORT_RUSAGE === "1") {
  process.on("exit", () => {
    const r = process.resourceUsage();
    process.stderr.write(`msplit-rusage ${JSON.stringify({ maxRssKiB: r.maxRSS, userMs: r.userCPUTime / 1000, systemMs: r.systemCPUTime / 1000 })}\n`);
  });
}

/**
 * The one line msplit prints when it fails: `msplit: CODE: message`, escaped and capped (names in
 * messages come from models and bundles). `--debug` adds the stack's frames. Inside an enclave the
 * host reads stderr, so only the stable code is printed: messages name files and part positions.
 */
function fail(e: unknown): never {
  if (e instanceof CommanderError) {
    // commander already printed its message (help, version, or a usage error).
    process.exit(e.exitCode === 0 ? 0 : 2);
  }
  const known = isMsplitError(e);
  const code = known ? e.code : "ERR_INTERNAL";
  const exitCode = known ? e.exitCode : 1;
  if (inEnclave()) {
    process.stderr.write(`msplit: ${code}\n`);
    process.exit(exitCode);
  }
  const err = e as Error | undefined;
  process.stderr.write(`msplit: ${code}: ${safeLine(String(err?.message ?? e))}\n`);
  if (process.argv.includes("--debug") && err?.stack) {
    // Frames only: the stack's first lines repeat the message, raw.
    const frames = err.stack.split("\n").filter((l) => /^\s+at /.test(l));
    process.stderr.write(`${frames.map((l) => safeLine(l)).join("\n")}\n`);
  }
  process.exit(exitCode);
}

// Whatever escapes the command's promise (a stream's error event, a late rejection) fails the same way.
process.on("uncaughtException", fail);
process.on("unhandledRejection", fail);
// A reader that stops early (`| head`) is not an error.
process.stdout.on("error", (e: NodeJS.ErrnoException) => (e.code === "EPIPE" ? process.exit(0) : fail(e)));

try {
  await program.parseAsync(process.argv);
} catch (e) {
  fail(e);
}
