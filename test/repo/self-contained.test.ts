import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, extname, join, relative, resolve, sep } from "node:path";
import { test } from "node:test";
import { repoRoot } from "../helpers/index.js";

/**
 * A clone alone must pass its tests: no test, script, source file or CI step may reach for a path
 * outside the repository (such as the team's shared folder beside the clone). Fixtures are committed with their
 * provenance instead.
 */

const SCANNED_DIRS = ["src", "test", "scripts", ".ci"];
const SCANNED_FILES = ["package.json"];
const TEXT = new Set([".ts", ".mts", ".mjs", ".js", ".cjs", ".py", ".sh", ".json", ""]);

/** Path-building patterns that step above a repository-root variable or name the team's folder. */
const FORBIDDEN: { what: string; re: RegExp }[] = [
  { what: "the team's shared folder", re: /\.\.[\\/]+shared\b|["']\.\.["']\s*,\s*["']shared["']/ },
  { what: "a path above the repository root", re: /\b(repoRoot|REPO|ROOT|root|repo)\b\s*,\s*["']\.\.["']/ },
  { what: "a path above the repository root", re: /\b(ROOT|REPO|repo_root|root)\.parent\b/ },
];

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== "node_modules" && e.name !== "fixtures") out.push(...walk(p));
    } else if (TEXT.has(extname(e.name)) && statSync(p).size < 2_000_000) out.push(p);
  }
  return out;
}

/** Relative path literals ("../x", '../../y') resolved against the file that holds them. */
function escapingLiterals(file: string, text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(/["'`]((?:\.\.\/)+[^"'`\s]*)["'`]/g)) {
    const target = resolve(dirname(file), m[1]!);
    if (target !== repoRoot && !target.startsWith(repoRoot + sep)) found.push(m[1]!);
  }
  return found;
}

export function outsideReferences(root: string): string[] {
  const files = [...SCANNED_DIRS.flatMap((d) => walk(join(root, d))), ...SCANNED_FILES.map((f) => join(root, f))];
  const problems: string[] = [];
  for (const file of files) {
    const text = readFileSync(file, "utf8");
    const lines = text.split("\n");
    lines.forEach((line, i) => {
      for (const { what, re } of FORBIDDEN) if (re.test(line)) problems.push(`${relative(root, file)}:${i + 1}: ${what}: ${line.trim()}`);
    });
    for (const lit of escapingLiterals(file, text)) problems.push(`${relative(root, file)}: relative path ${lit} leaves the repository`);
  }
  return problems;
}

test("no test, script or source file refers to a path outside the repository", () => {
  const problems = outsideReferences(repoRoot);
  assert.deepEqual(problems, [], `files outside the repository are referenced:\n${problems.join("\n")}`);
});

test("the check catches each kind of outside reference", () => {
  // Built from pieces so that this file itself holds no forbidden reference.
  const up = "..";
  const samples = [`const d = join(repoRoot, "${up}", "shared", "fixtures");`, `SHARED = ROOT${".parent"} / 'shared'`, `cat ${up}/shared/data/chelsea.jpg`];
  for (const s of samples) assert.ok(FORBIDDEN.some(({ re }) => re.test(s)), s);
  const far = `${up}/${up}/${up}/elsewhere/file`;
  assert.deepEqual(escapingLiterals(join(repoRoot, "test", "x.ts"), `read("${far}")`), [far]);
  assert.deepEqual(escapingLiterals(join(repoRoot, "test", "helpers", "x.ts"), `new URL("${up}/${up}", import.meta.url)`), []);
});
