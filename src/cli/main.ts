#!/usr/bin/env node
import { createProgram, describeFailure } from "./program.js";

// Benchmarks measure a command's own peak memory from outside with this, not from a sampler.
if (process.env.MSPLIT_REPORT_RUSAGE === "1") {
  process.on("exit", () => {
    const r = process.resourceUsage();
    process.stderr.write(`msplit-rusage ${JSON.stringify({ maxRssKiB: r.maxRSS, userMs: r.userCPUTime / 1000, systemMs: r.systemCPUTime / 1000 })}\n`);
  });
}

function fail(e: unknown): never {
  const { exitCode, lines } = describeFailure(e, { debug: process.argv.includes("--debug") });
  for (const line of lines) process.stderr.write(`${line}\n`);
  process.exit(exitCode);
}

// Whatever escapes the command's promise (a stream's error event, a late rejection) fails the same way.
process.on("uncaughtException", fail);
process.on("unhandledRejection", fail);
// A reader that stops early (`| head`) is not an error.
process.stdout.on("error", (e: NodeJS.ErrnoException) => (e.code === "EPIPE" ? process.exit(0) : fail(e)));

try {
  await (await createProgram(process.argv.slice(2))).parseAsync(process.argv);
} catch (e) {
  fail(e);
}
