import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import * as msplit from "../src/index.js";
import { repoRoot } from "./helpers/index.js";

type ErrorClass = (new (a: string, b: string) => msplit.MsplitError) & { code: string };

/** docs/errors.md's table: code -> class name and exit code. */
function documented(): Map<string, { cls: string; exit: number }> {
  const text = readFileSync(join(repoRoot, "docs", "errors.md"), "utf8");
  const rows = [...text.matchAll(/^\| `(ERR_[A-Z_]+)` \| `(\w+)` \| (\d) \|/gm)];
  return new Map(rows.map((m) => [m[1]!, { cls: m[2]!, exit: Number(m[3]) }]));
}

test("docs/errors.md lists exactly the error codes, and each row names the class and exit code the library has", () => {
  const doc = documented();
  const classes = Object.entries(msplit).filter(([, v]) => typeof v === "function" && (v === msplit.MsplitError || v.prototype instanceof msplit.MsplitError)) as [string, ErrorClass][];
  assert.ok(classes.length >= 20, `found ${classes.length} error classes`);
  assert.deepEqual([...doc.keys()].sort(), [...msplit.ERROR_CODES].sort(), "the table and ERROR_CODES differ");
  assert.deepEqual([...new Set(classes.map(([, c]) => c.code))].sort(), [...msplit.ERROR_CODES].sort(), "the exported classes and ERROR_CODES differ");
  for (const [name, cls] of classes) {
    const row = doc.get(cls.code)!;
    assert.equal(row.cls, name, `${cls.code} is documented as ${row.cls}`);
    const e = new cls("message", "detail");
    assert.equal(e.code, cls.code, `${name} instances carry the class's code`);
    assert.equal(e.exitCode, row.exit, `${name} exits with ${e.exitCode}, documented ${row.exit}`);
  }
});
