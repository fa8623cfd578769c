import type { Command } from "commander";

/** Each command lives in its own module and adds itself to the program. */
export function registerCommands(program: Command): void {
  void program;
}
