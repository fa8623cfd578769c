import { Command, CommanderError } from "commander";
import { isMsplitError } from "../errors.js";
import { inEnclave } from "../util/enclave.js";
import { safeLine } from "../util/text.js";
import { registerCommands } from "./commands/index.js";
import { VERSION } from "../version.js";

/**
 * The `msplit` command line, errors thrown rather than printed by commander. Given the arguments
 * (without node and the script), only the command they name is loaded (commands/index.ts).
 */
export async function createProgram(args?: readonly string[]): Promise<Command> {
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
    .hook("preAction", async () => {
      // onnxruntime loads only for the commands that make sessions.
      if (program.opts<{ verbose?: boolean }>().verbose) (await import("../ort.js")).setOrtLogLevel("warning");
    });
  await registerCommands(program, args);
  return program;
}

export interface Failure {
  exitCode: number;
  /** What msplit prints on stderr, each entry one line without its newline; empty when commander already printed it. */
  lines: string[];
}

/**
 * The one line msplit prints when it fails: `msplit: CODE: message`, escaped and capped (names in
 * messages come from models and bundles). With `debug`, the stack's frames follow. Inside an
 * enclave the host reads stderr, so only the stable code is printed: messages name files and part positions.
 */
export function describeFailure(e: unknown, options: { debug?: boolean } = {}): Failure {
  if (e instanceof CommanderError) {
    // commander already printed its message (help, version, or a usage error).
    return { exitCode: e.exitCode === 0 ? 0 : 2, lines: [] };
  }
  const known = isMsplitError(e);
  const code = known ? e.code : "ERR_INTERNAL";
  const exitCode = known ? e.exitCode : 1;
  if (inEnclave()) return { exitCode, lines: [`msplit: ${code}`] };
  const err = e as Error | undefined;
  const lines = [`msplit: ${code}: ${safeLine(String(err?.message ?? e))}`];
  if (options.debug && err?.stack) {
    // Frames only: the stack's first lines repeat the message, raw.
    lines.push(...err.stack.split("\n").filter((l) => /^\s+at /.test(l)).map((l) => safeLine(l)));
  }
  return { exitCode, lines };
}
