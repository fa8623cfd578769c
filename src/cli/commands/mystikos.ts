import { Option, type Command } from "commander";
import { join } from "node:path";
import type { PipelineMode } from "../../runtime/pipeline.js";
import { msplitAppFiles, msplitRoot } from "../../tee/app-files.js";
import { bundleFacts } from "../../tee/bundle-facts.js";
import { mystikosConfig } from "../../tee/mystikos.js";
import { assertOutputAbsent, writeFileAtomic } from "../../util/fs.js";
import { info } from "../output.js";
import { parseIntArg } from "../options.js";

export function register(program: Command): void {
  const mystikos = program.command("mystikos").description("run msplit in Mystikos, the alternative SGX runtime the original compared against (docs/gramine.md)");
  mystikos
    .command("config")
    .description("write config.json and package.sh (myst mkext2, fssig, package-sgx) for `msplit infer` on a sealed bundle")
    .argument("<bundle>", "msplit sealed bundle")
    .argument("[infer-args...]", "after --: arguments for msplit infer that give the bundle's key (fixed in the config)")
    .requiredOption("-o, --output <dir>", "directory for config.json and package.sh")
    .option("--threads <n>", "onnxruntime intra-op threads", parseIntArg(1, 64), 2)
    .addOption(new Option("--pipeline <mode>", "pipeline mode").choices(["resident", "chained", "stream"]).default("stream"))
    .option("--force", "overwrite existing files")
    .action(async (bundle: string, inferArgs: string[], opts: { output: string; threads: number; pipeline: PipelineMode; force?: boolean }) => {
      const root = msplitRoot();
      const r = mystikosConfig({
        facts: await bundleFacts(bundle),
        bundle,
        node: process.execPath,
        msplitRoot: root,
        appFiles: msplitAppFiles(root),
        threads: opts.threads,
        pipeline: opts.pipeline,
        inferArgs,
      });
      const files = [join(opts.output, "config.json"), join(opts.output, "package.sh")];
      if (!opts.force) for (const f of files) await assertOutputAbsent(f);
      await writeFileAtomic(files[0]!, `${JSON.stringify(r.config, null, 2)}\n`, { overwrite: true });
      await writeFileAtomic(files[1]!, r.script, { mode: 0o755, overwrite: true });
      for (const w of r.warnings) info(`warning: ${w}`);
      info(`wrote ${files.join(" and ")}: memory ${String(r.config.MemorySize)}; then: sh ${files[1]}`);
    });
}
