#!/usr/bin/env node
// `npm run demo`: the original project's main job on an embedded default.
// zoo AlexNet -> key -> 12 sealed parts -> inference on the bundled photo -> result.txt
import { spawnSync } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const cli = join(root, "dist", "cli", "main.js");
const out = join(root, "demo-out");

function step(title, args) {
  process.stderr.write(`\n== ${title}\n$ msplit ${args.join(" ")}\n`);
  const r = spawnSync(process.execPath, [cli, ...args], { stdio: "inherit", cwd: root });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

if (!existsSync(cli)) {
  const r = spawnSync(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.build.json"], { stdio: "inherit", cwd: root });
  if (r.status !== 0) process.exit(1);
}
rmSync(out, { recursive: true, force: true });
process.stderr.write(
  "msplit demo: the zoo's AlexNet has RANDOM weights (seeded), so its top-5 classes are meaningless.\n" +
    "Import trained torchvision weights for real predictions (see README: 'Real weights').\n",
);
step("1. build AlexNet (torchvision layout, random weights)", ["zoo", "alexnet", "-o", "demo-out/alexnet.onnx"]);
step("2. make a key (32 random bytes, mode 0600)", ["keygen", "-o", "demo-out/secrets/model.key"]);
step("3. split into 12 parts and seal them (plain parts never touch the disk)", ["split", "demo-out/alexnet.onnx", "--parts", "12", "--seal", "--key", "demo-out/secrets/model.key", "-o", "demo-out/bundle"]);
step("4. check the sealed parts compute what the model computes", ["verify", "demo-out/alexnet.onnx", "demo-out/bundle", "--key", "demo-out/secrets/model.key"]);
step("5. classify the bundled photo with the sealed parts, decrypted in memory only", ["infer", "demo-out/bundle", "--key", "demo-out/secrets/model.key", "--image", "assets/chelsea.jpg", "-o", "result.txt", "--force"]);
process.stderr.write("\nresult.txt written (top-5 classes with percentages). The bundle is demo-out/bundle: opaque file names, encrypted order.\n");
