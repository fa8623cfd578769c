import type { Command } from "commander";
import { decodeModel } from "../../onnx/codec.js";
import { nodeCosts, tensorBytes } from "../../onnx/cost.js";
import { analyzeGraph } from "../../onnx/graph.js";
import { inferTypes } from "../../onnx/shapes.js";
import { dataTypeName, tensorPayloadBytes } from "../../onnx/tensor.js";
import { formatShape } from "../../onnx/types.js";
import { readdir } from "node:fs/promises";
import { pathKind, readSources } from "../../runtime/load.js";
import { HEADER_FILE } from "../../seal/index.js";
import { type KeyFlags, brokerOptions, keyOptions, keySource, requireSealedOption, type SealedFlags, sealedPolicy } from "../options.js";
import { checkChain, interfaceOfModel } from "../../runtime/assemble.js";
import { printJson } from "../output.js";

const mb = (n: number) => `${(n / 1e6).toFixed(2)} MB`;
const mflops = (n: number) => `${(n / 1e6).toFixed(1)} MFLOP`;

export function register(program: Command): void {
  const cmd = program
    .command("inspect")
    .description("show a model's nodes and costs, or a parts directory's parts and boundary tensors")
    .argument("<model>", "ONNX model file, directory of parts, or sealed bundle")
    .option("--json", "print JSON on stdout");
  for (const o of [...keyOptions(), ...brokerOptions(), requireSealedOption()]) cmd.addOption(o);
  cmd.action(async (path: string, opts: KeyFlags & SealedFlags & { json?: boolean }) => {
      const key = keySource(opts);
      if ((await pathKind(path)) === "bundle" && !key) {
        const files = (await readdir(path)).filter((f) => f !== HEADER_FILE);
        const text = `${path}: a sealed msplit bundle holding ${files.length} part files; their order, names and shapes are encrypted (give --key to see them)`;
        if (opts.json) return printJson({ path, sealed: true, files: files.length });
        process.stdout.write(`${text}\n`);
        return;
      }
      const { kind, sources, plan } = await readSources(path, key, sealedPolicy(opts));
      if (kind === "model") {
        const model = decodeModel(sources[0]!.bytes);
        const graph = analyzeGraph(model);
        const types = inferTypes(graph);
        const costs = nodeCosts(graph, types);
        const nodes = graph.nodes.map((n, i) => ({
          name: n.name,
          op: n.opType,
          output: n.output[0] ?? "",
          shape: types.get(n.output[0] ?? "")?.shape ?? null,
          bytes: tensorBytes(types, n.output[0] ?? "") ?? null,
          flops: costs[i]!.flops,
          paramBytes: costs[i]!.paramBytes,
        }));
        const summary = {
          path,
          producer: `${model.producerName} ${model.producerVersion}`.trim(),
          opsets: model.opsetImport.map((o) => `${o.domain || "ai.onnx"}:${o.version}`),
          inputs: graph.inputs.map((n) => ({ name: n, type: types.get(n) })),
          outputs: graph.outputs.map((n) => ({ name: n, type: types.get(n) })),
          nodeCount: graph.nodes.length,
          flops: costs.reduce((s, c) => s + c.flops, 0),
          paramBytes: [...graph.initializers.values()].reduce((s, t) => s + tensorPayloadBytes(t), 0),
        };
        if (opts.json) return printJson({ ...summary, nodes });
        const w = process.stdout;
        w.write(`${path}: ${summary.nodeCount} nodes, ${mflops(summary.flops)}, ${mb(summary.paramBytes)} of weights (${summary.producer}; ${summary.opsets.join(", ")})\n`);
        for (const n of graph.inputs) w.write(`  input  ${n} ${describe(types.get(n))}\n`);
        for (const n of graph.outputs) w.write(`  output ${n} ${describe(types.get(n))}\n`);
        for (const n of nodes) {
          w.write(`  ${n.op.padEnd(20)} ${n.name.padEnd(28)} -> ${formatShape(n.shape).padEnd(22)} ${mflops(n.flops).padStart(14)} ${mb(n.paramBytes).padStart(11)}\n`);
        }
        return;
      }
      const models = sources.map((s) => (s.format === "ort" ? undefined : decodeModel(s.bytes)));
      const layout = checkChain(sources.map((s, k) => s.interface ?? interfaceOfModel(models[k]!, s.name)), plan);
      for (const s of sources) if (s.sensitive) s.bytes.fill(0);
      const parts = sources.map((s, k) => ({
        file: kind === "bundle" ? `part ${k}` : s.name,
        nodes: models[k]?.graph!.node.length ?? plan?.parts[k]?.nodes ?? 0,
        bytes: s.bytes.byteLength,
        inputs: layout.partInputs[k]!.map((n) => ({ name: n, type: layout.types.get(n) })),
        outputs: layout.partOutputs[k]!.map((n) => ({ name: n, type: layout.types.get(n) })),
        flops: plan?.parts[k]?.flops,
        paramBytes: plan?.parts[k]?.paramBytes,
      }));
      if (opts.json) return printJson({ path, parts, plan });
      const w = process.stdout;
      w.write(`${path}: ${parts.length} parts${plan ? ` of ${plan.model.name}, balanced by ${plan.balance}` : ""}; inputs ${layout.inputs.join(", ")}; outputs ${layout.outputs.join(", ")}\n`);
      for (const p of parts) {
        const cost = p.flops !== undefined ? `${mflops(p.flops)}, ${mb(p.paramBytes ?? 0)} weights` : `${mb(p.bytes)}`;
        w.write(`  ${p.file}: ${p.nodes} nodes, ${cost}\n`);
        for (const o of p.outputs) w.write(`    -> ${o.name} ${describe(o.type)}\n`);
      }
      if (plan) {
        w.write("  boundaries (tensors alive between parts, batch 1):\n");
        plan.cuts.forEach((c, i) => w.write(`    after part ${i} (${c.after}): ${c.live.map((t) => t.name).join(", ")} = ${(c.bytes / 1024).toFixed(1)} KiB\n`));
      }
    });
}

function describe(t: { elemType: number; shape: (number | string | null)[] | null } | undefined): string {
  return t ? `${dataTypeName(t.elemType)}${formatShape(t.shape)}` : "(untyped)";
}
