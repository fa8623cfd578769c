/**
 * Text that came from a model, a checkpoint, a bundle or the host, made safe to print: control
 * characters (C0, DEL, C1), line and paragraph separators and bidirectional overrides become
 * visible escapes, so a name can neither break a line, move the cursor, recolour the terminal nor
 * reorder what is shown; and it is capped in length.
 */

// C0 controls, DEL, C1 controls; U+2028/2029 (line breaks to JavaScript and some terminals);
// bidi embeddings, overrides and isolates (Trojan Source); lone surrogates.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

const NAMED: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/** Escapes what a terminal would act on. Idempotent on its own output (a backslash is left alone). */
export function escapeControl(text: string): string {
  return text.replace(UNSAFE, (c) => NAMED[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** Caps `text` at about `max` characters, keeping its head and tail. */
export function capLength(text: string, max: number): string {
  if (text.length <= max) return text;
  const tail = Math.floor(max / 4);
  const head = max - tail;
  return `${text.slice(0, head)}...(${text.length - head - tail} characters cut)...${text.slice(text.length - tail)}`;
}

/** A name from an untrusted file, escaped, capped and quoted for an error message. */
export function quote(name: string, max = 120): string {
  return `'${capLength(escapeControl(name), max)}'`;
}

/** One line of safe text: every control character escaped, the whole capped. */
export function safeLine(text: string, max = 2000): string {
  return capLength(escapeControl(text), max);
}

/** The first line of an error's message, capped: what msplit quotes of a library's error. */
export function firstLine(e: unknown): string {
  return String((e as Error)?.message ?? e).split("\n")[0]!.slice(0, 300);
}
