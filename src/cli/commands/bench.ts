import type { Command } from "commander";
import { benchOverhead } from "../../bench/overhead.js";
import { info, printJson } from "../output.js";
import { parseIntArg } from "../options.js";

export function register(program: Command): void {
  const bench = program.command("bench").description("benchmarks (ratios against a baseline measured in the same run)");
  bench
    .command("overhead")
    .description("inference time of the whole model vs its resident and chained parts (interleaved medians)")
    .argument("<model>", "ONNX model file or zoo architecture name")
    .option("--parts <n>", "number of parts", parseIntArg(1), 12)
    .option("--runs <n>", "measured runs per variant", parseIntArg(1), 30)
    .option("--warmup <n>", "unmeasured runs first", parseIntArg(0), 3)
    .option("--threads <n>", "intra-op threads", parseIntArg(1, 256), 1)
    .option("--json", "print one JSON object on stdout")
    .action(async (target: string, opts: { parts: number; runs: number; warmup: number; threads: number; json?: boolean }) => {
      const r = await benchOverhead(target, { ...opts, onProgress: opts.json ? undefined : info });
      if (opts.json) return printJson(r);
      info(
        `${r.model}, ${r.parts} parts, ${r.runs} runs, ${r.threads} thread(s): whole ${r.whole_ms} ms, resident ${r.resident_ms} ms (x${r.resident_ratio}), ` +
          `chained ${r.chained_ms} ms (x${r.chained_ratio}); ${r.per_boundary_ms} ms per boundary, ${r.boundary_kib} KiB across boundaries; split in ${r.split_ms} ms`,
      );
    });
}
