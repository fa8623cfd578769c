import type { Command } from "commander";
import { readdir } from "node:fs/promises";
import { decodeModel } from "../../onnx/codec.js";
import { dataTypeName } from "../../onnx/dtypes.js";
import { formatShape, type TensorType } from "../../onnx/types.js";
import { describeModel, describeParts } from "../../runtime/describe.js";
import { parseShapes } from "../../runtime/feeds.js";
import { pathKind, readSources } from "../../runtime/load.js";
import { HEADER_FILE } from "../../seal/index.js";
import { type KeyFlags, brokerOptions, keyOptions, keySource, requireSealedOption, type SealedFlags, sealedPolicy } from "../options.js";
import { printJson, textOut } from "../output.js";

const mib = (n: number) => `${(n / 2 ** 20).toFixed(2)} MiB`;
const mflops = (n: number) => `${(n / 1e6).toFixed(1)} MFLOP`;

export function register(program: Command): void {
  const cmd = program
    .command("inspect")
    .description("show a model's nodes and costs, or a parts directory's parts and boundary tensors; dynamic dims show as their names")
    .argument("<model>", "ONNX model file, directory of parts, or sealed bundle")
    .option("--input-shape <name=dims>", "sizes for an input's dynamic dims when computing a model's costs (repeatable)", (v: string, p: string[]) => [...p, v], [])
    .option("--json", "print JSON on stdout");
  for (const o of [...keyOptions(), ...brokerOptions(), requireSealedOption()]) cmd.addOption(o);
  cmd.action(async (path: string, opts: KeyFlags & SealedFlags & { json?: boolean; inputShape: string[] }) => {
    const key = keySource(opts);
    if ((await pathKind(path)) === "bundle" && !key) {
      const files = (await readdir(path)).filter((f) => f !== HEADER_FILE);
      const text = `${path}: a sealed msplit bundle holding ${files.length} part files; their order, names and shapes are encrypted (give --key to see them)`;
      if (opts.json) return printJson({ path, sealed: true, files: files.length });
      textOut.write(text);
      return;
    }
    if ((await pathKind(path)) === "gramine-pf" && !opts.wrapKey) {
      const files = (await readdir(path)).length;
      if (opts.json) return printJson({ path, sealed: true, container: "gramine-pf", files });
      textOut.write(`${path}: a Gramine-PF bundle of ${files} protected files (plan.json and ${files - 1} parts under random names; give --wrap-key to see them)`);
      return;
    }
    const { kind, sources, plan } = await readSources(path, key, sealedPolicy(opts));
    const w = textOut;
    if (kind === "model") {
      const model = decodeModel(sources[0]!.bytes);
      const weights = new Set(model.graph?.initializer.map((t) => t.name));
      const inputs = (model.graph?.input ?? []).map((v) => v.name).filter((n) => !weights.has(n));
      const d = describeModel(model, parseShapes(opts.inputShape, inputs, "--input-shape"));
      if (opts.json) return printJson({ path, ...d });
      const sizes = Object.entries(d.sizes).map(([k, v]) => `${k}=${v.value}${v.from === "assumed" ? " (assumed)" : ""}`);
      w.write(`${path}: ${d.nodeCount} nodes, ${mflops(d.flops)}, ${mib(d.paramBytes)} of weights (${d.producer}; ${d.opsets.join(", ")})\n`);
      if (sizes.length > 0) w.write(`  costs at ${sizes.join(", ")}\n`);
      for (const t of d.inputs) w.write(`  input  ${t.name} ${describe(t.type)}\n`);
      for (const t of d.outputs) w.write(`  output ${t.name} ${describe(t.type)}\n`);
      for (const n of d.nodes) {
        w.write(`  ${n.op.padEnd(20)} ${n.name.padEnd(28)} -> ${formatShape(n.shape).padEnd(22)} ${mflops(n.flops).padStart(14)} ${mib(n.paramBytes).padStart(12)}\n`);
      }
      for (const u of d.unknownShapes) w.write(`  shape not derived: '${u.tensor}' (${u.node}: ${u.reason})\n`);
      return;
    }
    const d = describeParts(sources, plan, kind === "bundle" || kind === "gramine-pf");
    if (opts.json) return printJson({ path, parts: d.parts, plan: d.plan });
    w.write(`${path}: ${d.parts.length} parts${plan ? ` of ${plan.model.name}, balanced by ${plan.balance}` : ""}; inputs ${d.inputs.join(", ")}; outputs ${d.outputs.join(", ")}\n`);
    for (const p of d.parts) {
      const cost = p.flops !== undefined ? `${mflops(p.flops)}, ${mib(p.paramBytes ?? 0)} weights` : `${mib(p.bytes)}`;
      w.write(`  ${p.file}: ${p.nodes} nodes, ${cost}\n`);
      for (const o of p.outputs) w.write(`    -> ${o.name} ${describe(o.type)}\n`);
    }
    if (plan) {
      const at = plan.sizes ? Object.entries(plan.sizes).map(([k, v]) => `${k}=${v.value}`).join(", ") : "batch 1";
      w.write(`  boundaries (tensors alive between parts, sizes at ${at || "the static input sizes"}):\n`);
      plan.cuts.forEach((c, i) => w.write(`    after part ${i} (${c.after}): ${c.live.map((t) => t.name).join(", ")} = ${(c.bytes / 1024).toFixed(1)} KiB\n`));
    }
  });
}

function describe(t: TensorType | undefined): string {
  return t ? `${dataTypeName(t.elemType)}${formatShape(t.shape)}` : "(untyped)";
}
