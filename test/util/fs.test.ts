import assert from "node:assert/strict";
import { readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { writeFileAtomic } from "../../src/util/fs.js";
import { rejectsWith, tempDir } from "../helpers/index.js";

const dir = tempDir();
const p = (name: string) => join(dir.path, name);
after(() => dir.cleanup());

test("writeFileAtomic refuses an existing file unless told to overwrite, and leaves no temporary", async () => {
  writeFileSync(p("a"), "old");
  await rejectsWith(writeFileAtomic(p("a"), "new"), "ERR_OUTPUT_EXISTS");
  assert.equal(readFileSync(p("a"), "utf8"), "old");
  await writeFileAtomic(p("a"), "new", { overwrite: true });
  assert.equal(readFileSync(p("a"), "utf8"), "new");
  await writeFileAtomic(p("b"), ["x", "y"].map((s) => Buffer.from(s)));
  assert.equal(readFileSync(p("b"), "utf8"), "xy");
  symlinkSync(p("nowhere"), p("dangling"));
  await rejectsWith(writeFileAtomic(p("dangling"), "z"), "ERR_OUTPUT_EXISTS");
  assert.deepEqual(readdirSync(dir.path).sort(), ["a", "b", "dangling"]);
});

test("a file that appears while the output is being written is not replaced (no check-then-rename race)", async () => {
  const target = p("race");
  // Pieces whose iteration plants a file at the target after the up-front check.
  class Planting extends Array<Uint8Array> {
    override *[Symbol.iterator](): ArrayIterator<Uint8Array> {
      writeFileSync(target, "intruder");
      yield Buffer.from("ours");
    }
  }
  await rejectsWith(writeFileAtomic(target, new Planting()), "ERR_OUTPUT_EXISTS");
  assert.equal(readFileSync(target, "utf8"), "intruder");
  assert.ok(!readdirSync(dir.path).some((f) => f.startsWith(".")), "no temporary left");
});
