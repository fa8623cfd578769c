import { escapeControl } from "../util/text.js";

/** Output helpers shared by commands: machine-readable JSON on stdout, humans on stderr. */

// JSON.stringify leaves DEL, C1 controls, line separators and bidi overrides as they are: valid
// JSON, but a terminal acts on them. Escaped, the JSON means the same.
const JSON_UNSAFE = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

export function printJson(value: unknown): void {
  const text = JSON.stringify(value, null, 2).replace(JSON_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  process.stdout.write(`${text}\n`);
}

/** A line for humans on stderr; names in it may come from a model, so it is escaped. */
export function info(message: string): void {
  process.stderr.write(`${escapeControl(message)}\n`);
}

/** Lines of text on stdout, each escaped: what a model names can neither add lines nor drive the terminal. */
export const textOut = {
  write(line: string): void {
    process.stdout.write(`${escapeControl(line.endsWith("\n") ? line.slice(0, -1) : line)}\n`);
  },
};
