import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { test } from "node:test";
import { repoRoot } from "../helpers/index.js";

/** Every .ts file under src/ and the relative modules it imports (type-only imports included). */
function importGraph(): Map<string, string[]> {
  const src = join(repoRoot, "src");
  const files = (readdirSync(src, { recursive: true }) as string[]).filter((f) => f.endsWith(".ts") && !f.startsWith(join("onnx", "gen")));
  const graph = new Map<string, string[]>();
  for (const f of files) {
    const text = readFileSync(join(src, f), "utf8");
    const specs = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^;]*?from\s+"(\.{1,2}\/[^"]+)"|import\(\s*"(\.{1,2}\/[^"]+)"\s*\)/g)].map((m) => m[1] ?? m[2]!);
    graph.set(f, specs.map((s) => relative(src, resolve(dirname(join(src, f)), s.replace(/\.js$/, ".ts")))));
  }
  return graph;
}

/** Imports run one way (GUIDE.md): no module may reach itself through its imports. */
test("src/ has no import cycles, not even inside a folder", () => {
  const graph = importGraph();
  assert.ok(graph.size > 50, `found only ${graph.size} modules`);
  const cycles: string[] = [];
  const state = new Map<string, "active" | "done">();
  const stack: string[] = [];
  const visit = (f: string): void => {
    state.set(f, "active");
    stack.push(f);
    for (const g of graph.get(f) ?? []) {
      if (!graph.has(g)) continue;
      if (state.get(g) === "active") cycles.push([...stack.slice(stack.indexOf(g)), g].join(" -> "));
      else if (!state.has(g)) visit(g);
    }
    stack.pop();
    state.set(f, "done");
  };
  for (const f of graph.keys()) if (!state.has(f)) visit(f);
  assert.deepEqual(cycles, []);
});
