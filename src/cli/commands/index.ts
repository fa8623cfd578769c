import type { Command } from "commander";

interface CommandModule {
  /** `argv` lets a command with many subcommands load only the one named. */
  register(program: Command, argv?: readonly string[]): void | Promise<void>;
}

/**
 * Each command lives in its own module and adds itself to the program. Modules load on demand: a
 * cold `infer` pays for onnxruntime and sharp, not for the key broker's server, the benchmark's
 * charts or the ONNX codec it never uses (docs/benchmarks.md, "Cold start").
 */
const COMMANDS: ReadonlyArray<readonly [name: string, load: () => Promise<CommandModule>]> = [
  ["zoo", () => import("./zoo.js")],
  ["import", () => import("./import.js")],
  ["split", () => import("./split.js")],
  ["keygen", () => import("./keygen.js")],
  ["seal", () => import("./seal.js")],
  ["unseal", () => import("./unseal.js")],
  ["run", () => import("./run.js")],
  ["infer", () => import("./infer.js")],
  ["inspect", () => import("./inspect.js")],
  ["verify", () => import("./verify.js")],
  ["attest", () => import("./attest.js")],
  ["kbs", () => import("./kbs.js")],
  ["bench", () => import("./bench.js")],
  ["pf", () => import("./pf.js")],
  ["gramine", () => import("./gramine.js")],
  ["mystikos", () => import("./mystikos.js")],
  ["doctor", () => import("./doctor.js")],
];

export const COMMAND_NAMES: readonly string[] = COMMANDS.map(([name]) => name);

/**
 * Registers the command `argv` names (the first word that is not an option), or every command when
 * it names none or an unknown one, so that help and commander's "unknown command" advice stay whole.
 */
export async function registerCommands(program: Command, argv: readonly string[] = []): Promise<void> {
  const word = argv.find((a) => !a.startsWith("-"));
  const chosen = COMMANDS.filter(([name]) => name === word);
  for (const [, load] of chosen.length > 0 ? chosen : COMMANDS) await (await load()).register(program, argv);
}
