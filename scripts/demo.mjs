#!/usr/bin/env node
// `npm run demo`: the original project's main job on an embedded default.
// zoo AlexNet -> 12 parts -> inference on the bundled photo -> result.txt
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
step("2. split it into 12 parts", ["split", "demo-out/alexnet.onnx", "--parts", "12", "-o", "demo-out/parts"]);
step("3. check the parts compute what the model computes", ["verify", "demo-out/alexnet.onnx", "demo-out/parts"]);
step("4. classify the bundled photo with the 12 parts", ["infer", "demo-out/parts", "--image", "assets/chelsea.jpg", "-o", "result.txt"]);
process.stderr.write("\nresult.txt written (top-5 classes with percentages).\n");
