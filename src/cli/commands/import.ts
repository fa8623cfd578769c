import type { Command } from "commander";
import { saveModel } from "../../onnx/codec.js";
import { importTorchWeights, zooNames } from "../../zoo/index.js";
import { info } from "../output.js";
import { checkOutput, type ForceFlags, forceOption } from "../options.js";

export function register(program: Command): void {
  program
    .command("import")
    .description("turn a PyTorch file into ONNX without running Python or the pickle: a state dict (.pth) or a whole torchvision module (.pt)")
    .argument("<file>", "the .pth or .pt file")
    .option("--arch <name>", `zoo architecture (default: told from the file; ${zooNames().join(", ")})`)
    .requiredOption("-o, --output <file>", "where to write the .onnx model")
    .addOption(forceOption())
    .action(async (file: string, opts: ForceFlags & { arch?: string; output: string }) => {
      await checkOutput(opts.output, opts);
      const { model, arch, checkpoint } = await importTorchWeights(file, { arch: opts.arch });
      await saveModel(opts.output, model, { overwrite: opts.force });
      const what = checkpoint.kind === "module" ? `whole module ${checkpoint.className}` : "state dict";
      info(`wrote ${opts.output}: ${arch} from ${file} (${what}${opts.arch ? "" : ", architecture told from the file"})`);
    });
}
