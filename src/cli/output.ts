/** Output helpers shared by commands: machine-readable JSON on stdout, humans on stderr. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function info(message: string): void {
  process.stderr.write(`${message}\n`);
}
