import { InvalidArgumentError, Option } from "commander";
import type { SessionSettings } from "../runtime/session.js";

export function parseIntArg(min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    if (!/^-?\d+$/.test(value.trim())) throw new InvalidArgumentError(`expected an integer, got '${value}'`);
    const n = Number(value);
    if (n < min || n > max) throw new InvalidArgumentError(`must be between ${min} and ${max}`);
    return n;
  };
}

/** Options every command that runs a model shares. */
export function sessionOptions(): Option[] {
  return [
    new Option("--mode <mode>", "resident: parts stitched into one session; chained: one session per part")
      .choices(["resident", "chained"])
      .default("resident"),
    new Option("--threads <n>", "intra-op threads (default: onnxruntime's choice)").argParser(parseIntArg(1, 256)),
    new Option("--optimization <level>", "graph optimisation level").choices(["disabled", "basic", "extended", "all"]).default("all"),
  ];
}

export interface SessionFlags {
  mode: "resident" | "chained";
  threads?: number;
  optimization: "disabled" | "basic" | "extended" | "all";
}

export function sessionSettings(flags: SessionFlags): SessionSettings & { mode: "resident" | "chained" } {
  return { mode: flags.mode, intraOpThreads: flags.threads, optimization: flags.optimization };
}
