import { basename } from "node:path";
import { msplitAppFiles, msplitRoot, NETWORK_HOST_FILES, presentHostFiles } from "../app-files.js";
import { bundleFacts } from "../bundle-facts.js";
import { gramineMakefile } from "./makefile.js";
import { gramineManifest, type GramineManifest, type GramineManifestOptions } from "./manifest.js";

export { ENCLAVE_PATHS, gramineManifest, type GramineManifest, type GramineManifestOptions, type GramineMode } from "./manifest.js";
export { gramineMakefile, type MakefileOptions } from "./makefile.js";

export interface GramineConfigOptions extends Omit<GramineManifestOptions, "bundle" | "facts" | "hostFiles" | "appFiles"> {
  /** File name the template will have (for the Makefile's app name). Default "msplit.manifest.template". */
  templateName?: string;
  /** More host files to trust (Node opens them on this system). */
  trust?: string[];
  /** Node binary (default: the one running msplit). */
  node?: string;
}

/** The manifest template and its Makefile for running `msplit infer` on `bundle` in Gramine-SGX. */
export async function gramineConfig(bundle: string, options: GramineConfigOptions): Promise<GramineManifest & { makefile: string }> {
  const root = msplitRoot();
  const facts = await bundleFacts(bundle);
  const manifest = gramineManifest({
    ...options,
    bundle,
    facts,
    hostFiles: [...presentHostFiles(), ...(options.trust ?? [])],
    networkFiles: presentHostFiles(NETWORK_HOST_FILES),
    appFiles: msplitAppFiles(root),
  });
  const makefile = gramineMakefile({
    templateName: basename(options.templateName ?? "msplit.manifest.template"),
    node: options.node ?? process.execPath,
    msplitRoot: root,
    image: options.image ?? "input/image.jpg",
    outputDir: options.outputDir ?? "output",
  });
  return { ...manifest, makefile };
}
