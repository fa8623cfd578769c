import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { topK } from "../../src/runtime/classify.js";
import { expectCliFailure, fixturesDir, repoRoot, tempDir } from "../helpers/index.js";

/** Smaller defects of issue 7: numeric options are validated, labels must fit the model. */
const dir = tempDir();
const p = (name: string) => join(dir.path, name);
const model = join(fixturesDir, "torch", "squeezenet1_1.onnx");
const image = join(repoRoot, "assets", "chelsea.jpg");
after(() => dir.cleanup());

test("verify --tolerance and --threads, split --slack and --max-part-mb refuse what is not a fitting number", () => {
  for (const bad of ["abc", "-1", "NaN", "Infinity", "1e400", ""]) {
    expectCliFailure(["verify", model, model, "--tolerance", bad], "ERR_USAGE", { exit: 2 });
  }
  expectCliFailure(["verify", model, model, "--threads", "two"], "ERR_USAGE", { exit: 2 });
  expectCliFailure(["split", model, "--slack", "-0.5", "-o", p("s")], "ERR_USAGE", { exit: 2, outputs: [p("s")] });
  expectCliFailure(["split", model, "--max-part-mb", "0", "-o", p("s")], "ERR_USAGE", { exit: 2, outputs: [p("s")] });
});

test("a labels file that does not fit the model is refused, and nothing is written", () => {
  const lines = readFileSync(join(repoRoot, "assets", "imagenet_classes.txt"), "utf8").trim().split("\n");
  const result = p("result.txt");
  writeFileSync(p("999.txt"), `${lines.slice(0, 999).join("\n")}\n`);
  expectCliFailure(["infer", model, "--image", image, "--labels", p("999.txt"), "-o", result], "ERR_LABELS_MISMATCH", { outputs: [result] });
  writeFileSync(p("gap.txt"), `${lines.slice(0, 10).join("\n")}\n\n${lines.slice(11).join("\n")}\n`);
  expectCliFailure(["infer", model, "--image", image, "--labels", p("gap.txt"), "-o", result], "ERR_LABELS_INVALID", { outputs: [result] });
  writeFileSync(p("escape.txt"), `${lines.slice(0, 999).join("\n")}\n\u001b[2Jcleared\n`);
  expectCliFailure(["infer", model, "--image", image, "--labels", p("escape.txt"), "-o", result], "ERR_LABELS_INVALID", { outputs: [result] });
});

test("topK refuses labels of another length; without labels it names classes by index", () => {
  assert.throws(() => topK([1, 2, 3], 2, ["a", "b"]), { code: "ERR_LABELS_MISMATCH" });
  assert.deepEqual(topK([1, 2, 3], 1).map((x) => x.label), ["class 2"]);
});
