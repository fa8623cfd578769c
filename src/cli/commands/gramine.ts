import { Option, type Command } from "commander";
import { dirname, join } from "node:path";
import { UsageError } from "../../errors.js";
import type { PipelineMode } from "../../runtime/pipeline.js";
import { gramineConfig, type GramineMode } from "../../tee/gramine/index.js";
import { assertOutputAbsent, writeFileAtomic } from "../../util/fs.js";
import { info } from "../output.js";
import { parseIntArg } from "../options.js";

interface ManifestFlags {
  mode: GramineMode;
  keyName: string;
  image: string;
  outputDir: string;
  threads: number;
  pipeline?: PipelineMode;
  appKey?: string;
  secretProvision?: string;
  secretProvisionCa?: string;
  trust: string[];
  output: string;
  makefile?: string;
  force?: boolean;
}

export function register(program: Command): void {
  const gramine = program.command("gramine").description("run msplit inside Gramine-SGX (docs/gramine.md)");
  gramine
    .command("manifest")
    .description("write a Gramine manifest template (current syntax) and a Makefile that renders, signs and runs `msplit infer` on a bundle")
    .argument("<bundle>", "Gramine-PF bundle (--mode pf) or msplit sealed bundle (--mode app), as a path from where gramine-sgx will run")
    .argument("[infer-args...]", "after --: more arguments for msplit infer, fixed in the manifest")
    .addOption(new Option("--mode <mode>", "pf: encrypted mount of a Gramine-PF bundle; app: sealed msplit bundle as trusted files").choices(["pf", "app"]).default("pf"))
    .option("--key-name <name>", "encrypted mount key name (what SECRET_PROVISION_SET_KEY or /dev/attestation/keys/<name> sets)", "model_key")
    .option("--image <path>", "host path of the image to classify", "input/image.jpg")
    .option("--output-dir <dir>", "host directory for result.txt (encrypted with the mount key in pf mode)", "output")
    .option("--threads <n>", "onnxruntime intra-op threads", parseIntArg(1, 64), 2)
    .addOption(new Option("--pipeline <mode>", "pipeline mode (default: resident in pf mode, stream in app mode)").choices(["resident", "chained", "stream"]))
    .option("--app-key <path>", "app mode: host path of the msplit key as a protected file (msplit pf encrypt), mounted encrypted", "secrets/model.key")
    .option("--secret-provision <servers>", "use Gramine's secret provisioning for the mount key: host:port[;host:port...]")
    .option("--secret-provision-ca <file>", "CA certificate of the secret-provisioning server")
    .option("--trust <file...>", "more host files to list as trusted (files Node opens on this system)", [])
    .requiredOption("-o, --output <file>", "manifest template to write, e.g. msplit.manifest.template")
    .option("--makefile <file>", "Makefile to write (default: Makefile beside the template)")
    .option("--force", "overwrite existing files")
    .action(async (bundle: string, inferArgs: string[], opts: ManifestFlags) => {
      if (!opts.output.endsWith(".manifest.template")) throw new UsageError("-o must end in .manifest.template (gramine-sgx names the app after it)");
      if (Boolean(opts.secretProvision) !== Boolean(opts.secretProvisionCa)) throw new UsageError("--secret-provision and --secret-provision-ca go together");
      const config = await gramineConfig(bundle, {
        mode: opts.mode,
        keyName: opts.keyName,
        image: opts.image,
        outputDir: opts.outputDir,
        threads: opts.threads,
        pipeline: opts.pipeline,
        appKey: opts.appKey,
        secretProvision: opts.secretProvision ? { servers: opts.secretProvision, caCert: opts.secretProvisionCa! } : undefined,
        trust: opts.trust,
        inferArgs,
        templateName: opts.output,
      });
      const makefile = opts.makefile ?? join(dirname(opts.output), "Makefile");
      if (!opts.force) for (const f of [opts.output, makefile]) await assertOutputAbsent(f);
      await writeFileAtomic(opts.output, config.template, { overwrite: opts.force ?? false });
      await writeFileAtomic(makefile, config.makefile, { overwrite: opts.force ?? false });
      info(`wrote ${opts.output} and ${makefile}: enclave ${config.enclaveSize}, ${config.maxThreads} threads; then: make && make run (see docs/gramine.md)`);
    });
}
