import assert from "node:assert/strict";

/**
 * Rows of the first table after the heading that contains `heading`, as objects keyed by the
 * lower-cased column names. Tests read the format docs' tables with it, so doc and code cannot drift.
 */
export function markdownTable(doc: string, heading: string): Record<string, string>[] {
  const lines = doc.split("\n");
  const start = lines.findIndex((l) => l.startsWith("#") && l.includes(heading));
  assert.ok(start >= 0, `no heading "${heading}" in the doc`);
  const rows: string[][] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.startsWith("#")) break;
    if (!line.startsWith("|")) {
      if (rows.length > 0) break;
      continue;
    }
    rows.push(line.slice(1, -1).split(/(?<!\\)\|/).map((c) => c.trim().replace(/\\\|/g, "|")));
  }
  const [head, , ...body] = rows;
  return body.map((r) => Object.fromEntries(head!.map((h, i) => [h.toLowerCase(), r[i] ?? ""])));
}
