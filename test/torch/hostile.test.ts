import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { readTorchCheckpoint } from "../../src/torch/index.js";
import { HOSTILE, buildZip, f32bytes, scratch, torchZip } from "./helpers.js";
import { stateDict, tensorV2 } from "./pickle-builder.js";
import { rejectsWith } from "../helpers/index.js";

/** Asserts a read fails with `code` and a one-line message matching `message`. */
const rejects = (path: string, code: string, message: RegExp) => rejectsWith(readTorchCheckpoint(path), code, message);

/**
 * A JS unpickler cannot run a Python payload, so a "did it run?" marker file would prove nothing.
 * What matters is that the read stops at the first global outside the allow-list, when it is
 * resolved, before any REDUCE could reach it: the messages below are the resolver's own.
 */
const PAYLOADS: Array<[string, RegExp]> = [
  ["os_system.pt", /global os\.system, which is not on the allow-list/],
  ["posix_system.pt", /global posix\.system, which is not on the allow-list/],
  ["builtins_eval.pt", /global builtins\.eval, which is not on the allow-list/],
  ["subprocess_popen.pt", /global subprocess\.Popen, which is not on the allow-list/],
  ["unknown_class.pt", /global evilpkg\.Payload, which is not on the allow-list/],
  ["nested_system.pth", /global posix\.system, which is not on the allow-list/],
];

for (const [file, message] of PAYLOADS) {
  test(`hostile pickle ${file} is refused with ERR_UNSAFE_PICKLE when its global is resolved`, async () => {
    await rejects(join(HOSTILE, file), "ERR_UNSAFE_PICKLE", message);
  });
}

test("a path-traversal entry name is refused and nothing is extracted", async () => {
  await rejects(join(HOSTILE, "traversal.pth"), "ERR_TORCH_INVALID", /unsafe zip entry name "\.\.\/msplit-torch-traversal" \(path traversal\)/);
  assert.equal(existsSync(join(HOSTILE, "..", "msplit-torch-traversal")), false);
  assert.equal(existsSync(join(process.cwd(), "..", "msplit-torch-traversal")), false);
});

test("absolute and backslash entry names are refused", async () => {
  const s = scratch();
  try {
    for (const name of ["/etc/msplit", "C:/x", "archive\\..\\x", "archive/./data.pkl"]) {
      const p = s.write("abs.pth", buildZip([{ name, data: f32bytes([1]) }, { name: "archive/data.pkl", data: new Uint8Array([0x80, 2, 0x4e, 0x2e]) }]));
      await rejects(p, "ERR_TORCH_INVALID", /unsafe zip entry name/);
    }
  } finally {
    s.cleanup();
  }
});

test("a storage shorter than its tensor is refused", async () => {
  await rejects(join(HOSTILE, "short_storage.pth"), "ERR_TORCH_INVALID", /tensor 'w' \[16\] needs element 15 of storage '0', which holds only 8 float32 elements/);
});

test("a truncated zip is refused", async () => {
  const s = scratch();
  try {
    const full = readFileSync(join(HOSTILE, "views.pth"));
    for (const cut of [full.length - 10, Math.floor(full.length / 2), 100, 3]) {
      await rejects(s.write("cut.pth", full.subarray(0, cut)), "ERR_TORCH_INVALID", /invalid zip|not a PyTorch checkpoint/);
    }
  } finally {
    s.cleanup();
  }
});

test("a 10 GB declared entry is refused before any allocation", async () => {
  const s = scratch();
  try {
    const pkl = stateDict([["w", tensorV2("0", 4, 0, [4], [1])]]);
    const p = s.write("huge.pth", buildZip([
      { name: "archive/data.pkl", data: pkl },
      { name: "archive/data/0", data: f32bytes([1, 2, 3, 4]), declaredSize: 10 * 1024 ** 3 },
    ]));
    const before = process.memoryUsage().rss;
    await rejects(p, "ERR_TORCH_INVALID", /declares 10737418240 bytes .* beyond the \d+-byte file/);
    assert.ok(process.memoryUsage().rss - before < 100 * 1024 ** 2, "memory stayed bounded");
  } finally {
    s.cleanup();
  }
});

test("a deflated entry that inflates past its declared size is refused", async () => {
  const s = scratch();
  try {
    const zeros = new Uint8Array(8 * 1024 * 1024);
    const p = s.write("bomb.pth", buildZip([
      { name: "archive/data.pkl", data: stateDict([["w", tensorV2("0", 4, 0, [4], [1])]]) },
      { name: "archive/data/0", data: zeros, deflate: true, declaredUncompressed: 16 },
    ]));
    await rejects(p, "ERR_TORCH_INVALID", /inflates to more than its declared 16 bytes|cannot be inflated/);
  } finally {
    s.cleanup();
  }
});

test("a stride-0 view claiming billions of elements hits the output limit before allocating", async () => {
  const s = scratch();
  try {
    const p = s.write("expand.pth", torchZip(stateDict([["w", tensorV2("0", 1, 0, [100000, 100000], [0, 0])]]), { "0": f32bytes([1]) }));
    // float32 but not contiguous: it must be gathered, 40 GB.
    await rejects(p, "ERR_TORCH_LIMIT", /tensor 'w' \[100000, 100000\] would exceed \d+ bytes/);
  } finally {
    s.cleanup();
  }
});

test("legacy, TorchScript, non-zip and missing files give clear errors", async () => {
  await rejects(join(HOSTILE, "legacy.pth"), "ERR_TORCH_UNSUPPORTED", /legacy \(pre-1\.6, non-zip\) torch file/);
  await rejects(join(HOSTILE, "torchscript.pt"), "ERR_TORCH_UNSUPPORTED", /TorchScript archive/);
  await rejects(join(HOSTILE, "views.expected.json"), "ERR_TORCH_INVALID", /not a PyTorch checkpoint \(no zip signature\)/);
  await rejects(join(HOSTILE, "does-not-exist.pth"), "ERR_IO", /cannot read checkpoint .*ENOENT/);
  const s = scratch();
  try {
    const p = s.write("plain.zip", buildZip([{ name: "readme.txt", data: Buffer.from("hi") }]));
    await rejects(p, "ERR_TORCH_INVALID", /zip but not a PyTorch checkpoint/);
    const missing = s.write("missing.pth", torchZip(stateDict([["w", tensorV2("7", 1, 0, [1], [1])]])));
    await rejects(missing, "ERR_TORCH_INVALID", /tensor 'w' uses storage '7', which the archive does not contain/);
  } finally {
    s.cleanup();
  }
});
