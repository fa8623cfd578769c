import assert from "node:assert/strict";
import { readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { expectCliFailure, fixturesDir, repoRoot, runCli, tempDir } from "../helpers/index.js";

/** No silent overwrite (issue 7, defect 5): every file output refuses an existing file unless --force. */
const dir = tempDir();
const p = (name: string) => join(dir.path, name);
const torch = (f: string) => join(fixturesDir, "torch", f);
after(() => dir.cleanup());

const writers: Record<string, (out: string) => string[]> = {
  "run --output": (out) => ["run", torch("squeezenet1_1.onnx"), "--input", torch("squeezenet1_1.input.npy"), "--output", out],
  "infer -o": (out) => ["infer", torch("squeezenet1_1.onnx"), "--image", join(repoRoot, "assets", "chelsea.jpg"), "-o", out],
  "zoo -o": (out) => ["zoo", "squeezenet1_1", "-o", out],
  "import -o": (out) => ["import", torch("squeezenet1_1.pth"), "-o", out],
};

for (const [name, args] of Object.entries(writers)) {
  test(`${name} refuses an existing file and leaves it alone; --force replaces it`, () => {
    const out = p(`${name.split(" ")[0]}.out`);
    writeFileSync(out, "precious\n");
    expectCliFailure(args(out), "ERR_OUTPUT_EXISTS");
    assert.equal(readFileSync(out, "utf8"), "precious\n");
    const r = runCli([...args(out), "--force"]);
    assert.equal(r.status, 0, r.stderr);
    assert.notEqual(readFileSync(out, "utf8"), "precious\n");
    assert.deepEqual(readdirSync(dir.path).filter((f) => f.startsWith(".")), [], "no temporary file left");
  });
}

test("a dangling symlink at the output path counts as existing (its target is never created)", () => {
  const out = p("dangling");
  symlinkSync(p("target-elsewhere"), out);
  expectCliFailure(writers["zoo -o"]!(out), "ERR_OUTPUT_EXISTS", { outputs: [p("target-elsewhere")] });
});
