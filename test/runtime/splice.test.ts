import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { decodeModel, encodeModel, loadModel } from "../../src/onnx/codec.js";
import { SparseTensorProtoSchema } from "../../src/onnx/gen/onnx_pb.js";
import { create, type ModelProto } from "../../src/onnx/proto.js";
import { type ChainLayout, checkChain, signatureOfModel } from "../../src/runtime/assemble.js";
import { stitchParts } from "../../src/runtime/stitch.js";
import { seededInput } from "../../src/runtime/feeds.js";
import { Pipeline, type PartSource } from "../../src/runtime/pipeline.js";
import { createSession, runSession } from "../../src/runtime/session.js";
import { applySplice, type PartRange, planSplice } from "../../src/runtime/splice.js";
import { split } from "../../src/split/split.js";
import { fixturesDir } from "../helpers/index.js";

const graphs = join(fixturesDir, "graphs");

function joined(parts: readonly ModelProto[]): { bytes: Buffer; ranges: PartRange[] } {
  const encoded = parts.map((p) => encodeModel(p));
  const ranges: PartRange[] = [];
  let offset = 0;
  for (const e of encoded) {
    ranges.push({ offset, length: e.byteLength });
    offset += e.byteLength;
  }
  return { bytes: Buffer.concat(encoded), ranges };
}

const layoutOf = (parts: readonly ModelProto[], plan: Parameters<typeof checkChain>[1]): ChainLayout =>
  checkChain(parts.map((p, k) => signatureOfModel(p, `part ${k}`)), plan);

const names = (xs: readonly { name: string }[]) => xs.map((x) => x.name);

// Branches and residuals (inception, densenet), shared weights and several outputs (two_heads),
// attention (vit), constant nodes copied into several parts: the spliced bytes must decode to the
// graph stitchParts builds, and run to the same bits.
for (const name of ["inception_tiny", "densenet_tiny", "two_heads", "vit_tiny", "mobilenet_v3_tiny"]) {
  test(`${name}: parts spliced in place are the stitched graph, and compute the same bits`, async () => {
    const model = await loadModel(join(graphs, `${name}.onnx`));
    const { parts, plan } = await split(model, { parts: 5 });
    const layout = layoutOf(parts, plan);
    const { bytes, ranges } = joined(parts);
    const edits = planSplice(bytes, ranges, layout);
    assert.ok(edits, "splice applies");
    applySplice(bytes, edits);
    const spliced = decodeModel(bytes);
    // As the pipeline stitched before: the parts decoded from their bytes (large weights last).
    const stitched = stitchParts(parts.map((p) => decodeModel(encodeModel(p))), layout);
    const g = spliced.graph!;
    const want = stitched.graph!;
    assert.deepEqual(g.node.map((n) => `${n.opType}:${n.output.join(",")}`), want.node.map((n) => `${n.opType}:${n.output.join(",")}`));
    assert.deepEqual(names(g.initializer), names(want.initializer));
    assert.deepEqual(names(g.input).sort(), [...layout.inputs].sort());
    assert.deepEqual(names(g.output).sort(), [...layout.outputs].sort());
    assert.deepEqual(names(g.valueInfo).sort(), names(want.valueInfo).sort());
    assert.deepEqual(spliced.opsetImport, stitched.opsetImport);
    assert.deepEqual(spliced.metadataProps.map((e) => e.key), stitched.metadataProps.map((e) => e.key));

    const feeds = Object.fromEntries(plan.model.inputs.map((i) => [i.name, seededInput((i.shape ?? []).map((d) => (typeof d === "number" ? d : 1)))]));
    const a = await createSession(bytes, { intraOpThreads: 1 });
    const b = await createSession(encodeModel(stitched), { intraOpThreads: 1 });
    const [x, y] = [await runSession(a, feeds), await runSession(b, feeds)];
    for (const o of layout.outputs) assert.deepEqual(Array.from(x[o]!.data as Float32Array), Array.from(y[o]!.data as Float32Array), o);
    await Promise.all([a.release(), b.release()]);
  });
}

test("what the splice cannot stitch is left to decoding; bytes that are not protobuf are refused", async () => {
  const model = await loadModel(join(graphs, "two_heads.onnx"));
  const { parts, plan } = await split(model, { parts: 3 });
  const layout = layoutOf(parts, plan);
  const withSparse = parts.map((p, k) => (k === 1 ? { ...p, graph: { ...p.graph!, sparseInitializer: [create(SparseTensorProtoSchema, { dims: [1n] })] } } : p));
  const s = joined(withSparse);
  assert.equal(planSplice(s.bytes, s.ranges, layout), undefined, "sparse initializers");
  const missingOutput = joined(parts);
  assert.equal(planSplice(missingOutput.bytes, missingOutput.ranges, { ...layout, outputs: [...layout.outputs, "not-there"] }), undefined, "an output no part declares");
  const garbage = joined(parts);
  garbage.bytes.fill(0xff, garbage.ranges[1]!.offset, garbage.ranges[1]!.offset + 40);
  assert.throws(() => planSplice(garbage.bytes, garbage.ranges, layout), { code: "ERR_ONNX_INVALID" });
});

test("resident mode from a provider decrypts into one buffer, stitches it in place and wipes it", async () => {
  const model = await loadModel(join(graphs, "inception_tiny.onnx"));
  const { parts, plan } = await split(model, { parts: 4 });
  const encoded = parts.map((p) => Buffer.from(encodeModel(p)));
  const targets: Buffer[] = [];
  const signatures = parts.map((p, k) => signatureOfModel(p, `part ${k}`));
  const provider = {
    signatures,
    format: "onnx" as const,
    sizes: encoded.map((e) => e.byteLength),
    load: async (k: number): Promise<PartSource> => ({ name: `part ${k}`, bytes: Buffer.from(encoded[k]!), sensitive: true }),
    loadInto: async (k: number, target: Buffer) => {
      encoded[k]!.copy(target);
      targets.push(target);
    },
  };
  const feeds = { [plan.model.inputs[0]!.name]: seededInput((plan.model.inputs[0]!.shape ?? []).map((d) => (typeof d === "number" ? d : 1))) };
  const p = await Pipeline.fromProvider(provider, { mode: "resident", plan, intraOpThreads: 1 });
  const got = await p.run(feeds);
  await p.release();
  assert.equal(targets.length, parts.length);
  assert.equal(new Set(targets.map((t) => t.buffer)).size, 1, "one buffer for all parts");
  for (const t of targets) assert.ok(t.every((b) => b === 0), "the plaintext is wiped once the session holds the model");
  const reference = await Pipeline.fromParts(encoded.map((bytes, k) => ({ name: `part ${k}`, bytes })), { mode: "resident", plan, intraOpThreads: 1 });
  const want = await reference.run(feeds);
  await reference.release();
  for (const o of Object.keys(want)) assert.deepEqual(Array.from(got[o]!.data as Float32Array), Array.from(want[o]!.data as Float32Array));
});
