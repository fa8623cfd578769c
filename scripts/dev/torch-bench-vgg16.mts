// Dev-only benchmark: how fast and how lean readTorchCheckpoint is on a large state dict.
//
//   /usr/bin/python3 -c "import torch, torchvision; torch.save(torchvision.models.vgg16().state_dict(), '/tmp/vgg16.pth')"
//   /usr/bin/time -v node --import tsx scripts/dev/torch-bench-vgg16.mts [/tmp/vgg16.pth]
//
// Prints wall time, tensor count and bytes, file size, and this process's peak RSS (same number as
// /usr/bin/time's "Maximum resident set size").
import { stat } from "node:fs/promises";
import { readTorchCheckpoint } from "../../src/torch/index.js";

const path = process.argv[2] ?? "/tmp/vgg16.pth";
const MiB = 1024 * 1024;
const fileSize = (await stat(path)).size;
const baseline = process.resourceUsage().maxRSS * 1024;

const t0 = performance.now();
const c = await readTorchCheckpoint(path);
const ms = performance.now() - t0;

let bytes = 0;
for (const t of c.tensors.values()) bytes += t.data.byteLength;
const peak = process.resourceUsage().maxRSS * 1024;
console.log(`file        ${path} (${(fileSize / MiB).toFixed(1)} MiB)`);
console.log(`read        ${ms.toFixed(0)} ms, kind ${c.kind}, ${c.tensors.size} float tensors (${(bytes / MiB).toFixed(1)} MiB), ${c.int64Buffers.size} int64`);
console.log(`peak RSS    ${(peak / MiB).toFixed(1)} MiB (${(peak / fileSize).toFixed(2)}x file; ${(baseline / MiB).toFixed(1)} MiB before reading)`);
