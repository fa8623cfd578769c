import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { encodeModel, loadModel } from "../../src/onnx/codec.js";
import { DataLocation } from "../../src/onnx/proto.js";
import { expectCliFailure, fixturesDir, repoRoot, runCli, tempDir } from "../helpers/index.js";

/**
 * Files the host controls cannot hang msplit or exhaust its memory (issue 7, defect 2): FIFOs
 * without a writer, /dev/zero, sockets and symlink chains, wherever a file is read.
 */
const dir = tempDir();
const p = (name: string) => join(dir.path, name);
const model = join(fixturesDir, "torch", "squeezenet1_1.onnx");
const npy = join(fixturesDir, "torch", "squeezenet1_1.input.npy");
const image = join(repoRoot, "assets", "chelsea.jpg");
const fifo = p("fifo");
const out = p("out.npy");

before(async () => {
  assert.equal(spawnSync("mkfifo", [fifo]).status, 0, "mkfifo");
  symlinkSync(model, p("link"));
  symlinkSync(p("link"), p("link-to-link"));
  mkdirSync(p("parts"));
  cpSync(model, p("parts/a.onnx"));
  spawnSync("mkfifo", [p("parts/b.onnx")]);
  // External data whose location is the model's own directory.
  const m = await loadModel(model);
  const t = m.graph!.initializer[0]!;
  t.rawData = new Uint8Array(0);
  t.dataLocation = DataLocation.EXTERNAL;
  t.externalData = [{ $typeName: "onnx.StringStringEntryProto", key: "location", value: "." }] as typeof t.externalData;
  writeFileSync(p("dot.onnx"), encodeModel(m));
});
after(() => dir.cleanup());

test("a FIFO with no writer, as the model, the .npy input, the image or the labels, is refused", () => {
  expectCliFailure(["inspect", fifo], "ERR_NOT_REGULAR_FILE");
  expectCliFailure(["split", fifo, "-o", p("split")], "ERR_NOT_REGULAR_FILE", { outputs: [p("split")] });
  expectCliFailure(["run", fifo, "--input", npy, "--output", out], "ERR_NOT_REGULAR_FILE", { outputs: [out] });
  expectCliFailure(["run", model, "--input", fifo, "--output", out], "ERR_NOT_REGULAR_FILE", { outputs: [out] });
  expectCliFailure(["infer", model, "--image", fifo], "ERR_NOT_REGULAR_FILE");
  expectCliFailure(["infer", model, "--image", image, "--labels", fifo], "ERR_NOT_REGULAR_FILE");
  expectCliFailure(["import", fifo, "-o", p("imported.onnx")], "ERR_NOT_REGULAR_FILE", { outputs: [p("imported.onnx")] });
  expectCliFailure(["inspect", p("parts")], "ERR_NOT_REGULAR_FILE");
});

test("a FIFO as a quote, collateral, policy or broker CA is refused like any other file", () => {
  const quote = join(fixturesDir, "dcap", "automata_quotev3.dat");
  expectCliFailure(["attest", "verify", fifo], "ERR_NOT_REGULAR_FILE");
  expectCliFailure(["attest", "verify", quote, "--collateral", fifo], "ERR_NOT_REGULAR_FILE");
  expectCliFailure(["attest", "verify", quote, "--policy", fifo], "ERR_NOT_REGULAR_FILE");
  expectCliFailure(["kbs", "serve", "--policy", fifo, "--resources", dir.path], "ERR_NOT_REGULAR_FILE");
});

test("/dev/zero is refused at once, in bounded memory", () => {
  for (const args of [["inspect", "/dev/zero"], ["run", model, "--input", "/dev/zero", "--output", out], ["infer", model, "--image", "/dev/zero"]]) {
    const r = runCli(args, { env: { MSPLIT_REPORT_RUSAGE: "1" } });
    assert.equal(r.status, 1, r.stderr);
    const lines = r.stderr.trim().split("\n");
    assert.match(lines[0]!, /^msplit: ERR_NOT_REGULAR_FILE: .*character device/);
    const usage = JSON.parse(lines[1]!.replace(/^msplit-rusage /, "")) as { maxRssKiB: number };
    assert.ok(usage.maxRssKiB < 200 * 1024, `peak RSS ${usage.maxRssKiB} KiB`);
  }
});

test("a symlink is followed once, a chain is refused", () => {
  assert.equal(runCli(["inspect", p("link"), "--json"]).status, 0);
  expectCliFailure(["inspect", p("link-to-link")], "ERR_NOT_REGULAR_FILE");
});

test("external data located at '.' (a directory) is a model error, not an internal one", () => {
  expectCliFailure(["split", p("dot.onnx"), "--parts", "2", "-o", p("dot-parts")], "ERR_ONNX_INVALID", { outputs: [p("dot-parts")] });
});
