import type { Command } from "commander";
import { Option } from "commander";
import { info, printJson } from "../output.js";
import { type KeyFlags, brokerOptions, keyOptions, keySource, parseIntArg, parseNumberArg, requireSealedOption, type SealedFlags, sealedPolicy } from "../options.js";

/** The benchmarks registered here; `report` (charts, zoo, matrix) lives in bench-report.ts. */
const OWN_SUBCOMMANDS = ["overhead", "kbs", "cold", "warm", "decrypt", "pf", "measure"];

// Every benchmark loads what it measures when it runs: `bench measure` is the child the report
// spawns hundreds of times, and must not pay for the broker, the charts or the zoo.
export async function register(program: Command, argv: readonly string[] = []): Promise<void> {
  const bench = program.command("bench").description("benchmarks (ratios against a baseline measured in the same run)");
  bench
    .command("overhead")
    .description("inference time of the whole model vs its resident and chained parts (interleaved medians)")
    .argument("<model>", "ONNX model file or zoo architecture name")
    .option("--parts <n>", "number of parts", parseIntArg(1), 12)
    .option("--runs <n>", "measured runs per variant", parseIntArg(1), 30)
    .option("--warmup <n>", "unmeasured runs first", parseIntArg(0), 3)
    .option("--threads <n>", "intra-op threads", parseIntArg(1, 256), 1)
    .option("--slack <fraction>", "the splitter's balance slack (see split --help)", parseNumberArg(0), 0.1)
    .option("--json", "print one JSON object on stdout")
    .action(async (target: string, opts: { parts: number; runs: number; warmup: number; threads: number; slack: number; json?: boolean }) => {
      const { benchOverhead } = await import("../../bench/overhead.js");
      const r = await benchOverhead(target, { ...opts, onProgress: opts.json ? undefined : info });
      if (opts.json) return printJson(r);
      info(
        `${r.model}, ${r.parts} parts, ${r.runs} runs, ${r.threads} thread(s): whole ${r.whole_ms} ms, resident ${r.resident_ms} ms (x${r.resident_ratio}), ` +
          `chained ${r.chained_ms} ms (x${r.chained_ratio}); ${r.per_boundary_ms} ms per boundary, ${r.boundary_kib} KiB across boundaries; split in ${r.split_ms} ms`,
      );
    });

  bench
    .command("kbs")
    .description("full key broker flows (auth, attest, resource, decrypt) on loopback: latency percentiles and flows/s")
    .option("--flows <n>", "flows in total", parseIntArg(1), 1000)
    .option("--concurrency <n>", "concurrent clients", parseIntArg(1, 10000), 50)
    .option("--quote <file>", "also time the verification of this SGX quote")
    .option("--collateral <file>", "... with this collateral")
    .option("--now <iso>", "... at this time")
    .option("--json", "print one JSON object on stdout")
    .action(async (opts: { flows: number; concurrency: number; quote?: string; collateral?: string; now?: string; json?: boolean }) => {
      const [{ readUntrusted }, { parseCollateral }, { parseNow }, { benchKbs }] = await Promise.all([
        import("../../util/untrusted-file.js"),
        import("../../attest/index.js"),
        import("./attest.js"),
        import("../../bench/kbs.js"),
      ]);
      const quote = opts.quote ? await readUntrusted(opts.quote, "quote") : undefined;
      const collateral = opts.collateral ? parseCollateral(await readUntrusted(opts.collateral, "collateral")) : undefined;
      const r = await benchKbs({ flows: opts.flows, concurrency: opts.concurrency, quote, collateral, now: parseNow(opts.now) });
      if (opts.json) return printJson(r);
      info(`${r.flows} flows at ${r.concurrency} concurrent clients: ${r.errors} errors, p50 ${r.p50_ms} ms, p99 ${r.p99_ms} ms, ${r.flows_per_s} flows/s${r.quote_verify_ms === undefined ? "" : `; SGX quote verification ${r.quote_verify_ms} ms`}`);
    });

  const cold = bench
    .command("cold")
    .description("one cold start in this process: read (and decrypt) the parts, create sessions, run once; prints JSON")
    .argument("<model>", "ONNX model, parts directory or sealed bundle")
    .addOption(new Option("--mode <mode>", "pipeline mode").choices(["resident", "chained", "stream"]))
    .option("--threads <n>", "intra-op threads", parseIntArg(1, 256), 1)
    .option("--shape <name=dims>", "shape of a random input with dynamic dims (repeatable; default: the plan's sizes, batch 1)", (v: string, p: string[]) => [...p, v], []);
  for (const o of [...keyOptions(), ...brokerOptions(), requireSealedOption()]) cold.addOption(o);
  cold.action(async (path: string, opts: KeyFlags & SealedFlags & { mode?: "resident" | "chained" | "stream"; threads: number; shape: string[] }) => {
    const [{ parseShapes }, { coldStart }] = await Promise.all([import("../../runtime/feeds.js"), import("../../bench/cold.js")]);
    const shapes = parseShapes(opts.shape, undefined, "--shape");
    printJson(await coldStart(path, { mode: opts.mode, key: keySource(opts), threads: opts.threads, shapes, ...sealedPolicy(opts) }));
  });
  const warm = bench
    .command("warm")
    .description("warm inference: open once, then time repeated runs on one input in this process; prints JSON")
    .argument("<model>", "ONNX model, parts directory or sealed bundle")
    .addOption(new Option("--mode <mode>", "pipeline mode").choices(["resident", "chained", "stream"]))
    .option("--threads <n>", "intra-op threads", parseIntArg(1, 256), 1)
    .option("--runs <n>", "measured runs", parseIntArg(1), 30)
    .option("--warmup <n>", "unmeasured runs first", parseIntArg(0), 3)
    .option("--shape <name=dims>", "shape of an input with dynamic dims (repeatable; default: the plan's sizes, batch 1)", (v: string, p: string[]) => [...p, v], []);
  for (const o of keyOptions()) warm.addOption(o);
  warm.action(async (path: string, opts: KeyFlags & { mode?: "resident" | "chained" | "stream"; threads: number; runs: number; warmup: number; shape: string[] }) => {
    const [{ parseShapes }, { warmInference }] = await Promise.all([import("../../runtime/feeds.js"), import("../../bench/warm.js")]);
    const shapes = parseShapes(opts.shape, undefined, "--shape");
    printJson(await warmInference(path, { mode: opts.mode, key: keySource(opts), threads: opts.threads, runs: opts.runs, warmup: opts.warmup, shapes }));
  });
  bench
    .command("decrypt")
    .description("decryption throughput of the bundle STREAM vs raw AES-256-GCM over the same bytes, from memory; prints JSON")
    .option("--mib <n>", "part size in MiB", parseIntArg(1, 4096), 96)
    .option("--runs <n>", "alternating runs of each", parseIntArg(1), 5)
    .action(async (opts: { mib: number; runs: number }) => {
      const { benchDecrypt } = await import("../../seal/bench.js");
      printJson(await benchDecrypt(opts.mib * 2 ** 20, opts.runs));
    });
  bench
    .command("pf")
    .description("Gramine protected-files encrypt/decrypt throughput (memory and file to file) vs raw AES-128-GCM over the same bytes; prints JSON")
    .option("--mb <n>", "file size in MB (10^6 bytes)", parseIntArg(1, 4096), 100)
    .option("--runs <n>", "alternating runs of each", parseIntArg(1), 5)
    .action(async (opts: { mb: number; runs: number }) => {
      const { benchPf } = await import("../../seal/gramine-pf/bench.js");
      printJson(await benchPf(opts.mb * 1e6, opts.runs));
    });

  const measure = bench
    .command("measure")
    .description("one benchmark configuration in this process (bench report runs it in fresh children): open, first run, warm runs; prints one result line")
    .argument("<model>", "ONNX model, parts directory or sealed bundle")
    .requiredOption("--inputs <file.json>", "the inputs to feed: a JSON list of {name, dtype, dims} (seeded random values)")
    .addOption(new Option("--mode <mode>", "pipeline mode (default: resident for ONNX parts, chained for ORT-format bundles, as a long-lived process opens them)").choices(["resident", "chained", "stream"]))
    .option("--threads <n>", "intra-op threads", parseIntArg(1, 256), 1)
    .option("--warm-runs <n>", "warm runs at most (1 when streaming: each is another cold chain)", parseIntArg(1), 10)
    .option("--warm-ms <ms>", "stop warm runs after this much time once 3 are done", parseIntArg(0), 500)
    .option("--hold", "after the result line, wait until stdin closes (so the parent can read this process's peak memory)");
  for (const o of keyOptions()) measure.addOption(o);
  measure.action(async (path: string, opts: KeyFlags & { inputs: string; mode?: "resident" | "chained" | "stream"; threads: number; warmRuns: number; warmMs: number; hold?: boolean }) => {
    const [{ measureInference }, { readInputSpecs }, { RESULT_MARK }] = await Promise.all([
      import("../../bench/measure.js"),
      import("../../bench/inputs.js"),
      import("../../bench/child.js"),
    ]);
    const r = await measureInference(path, { mode: opts.mode, key: keySource(opts), threads: opts.threads, inputs: await readInputSpecs(opts.inputs), warmRuns: opts.warmRuns, warmBudgetMs: opts.warmMs });
    process.stdout.write(`${RESULT_MARK}${JSON.stringify(r)}\n`);
    if (opts.hold) {
      process.stdin.resume();
      await new Promise((resolve) => {
        process.stdin.on("end", resolve);
        process.stdin.on("error", resolve);
      });
    }
  });
  const words = argv.filter((a) => !a.startsWith("-"));
  if (!OWN_SUBCOMMANDS.includes(words[words.indexOf("bench") + 1] ?? "")) (await import("./bench-report.js")).register(bench);
}

