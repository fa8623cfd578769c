// `npm run bench -- cold`: what a user of the original feels, one cold run (decrypt the pieces,
// load them, classify one photo), msplit against the original's method re-created
// (scripts/peer/original.py), as whole processes on this machine. Then warm inference of both.
// Runs alternate (peer, msplit, msplit, peer, ...) so that drifts in machine load hit both alike;
// medians, min-max and ratios of medians are printed with the commands that produced them.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const cli = join(root, "dist", "cli", "main.js");
const peerScript = join(root, "scripts", "peer", "original.py");
const image = join(root, "assets", "chelsea.jpg");
const labels = join(root, "assets", "imagenet_classes.txt");
const GNU_TIME = "/usr/bin/time";

const USAGE = `npm run bench -- cold [--pairs N] [--warm-pairs N] [--warm-runs N] [--keep DIR]

  --pairs N        cold runs of each side, in rotation (default 5)
  --warm-pairs N   warm-inference processes of each side, in rotation (default 3)
  --warm-runs N    timed inferences per warm process, after 3 unmeasured ones (default 30)
  --keep DIR       build the models and bundles in DIR (new or empty) and keep them (default: a temporary directory)

The peer needs Debian's python3-torch, python3-torchvision and python3-cryptography, run with
/usr/bin/python3 (or MSPLIT_PEER_PYTHON). Without them the peer is skipped and msplit's side runs alone.
Peak RSS is the kernel's ru_maxrss of each child process, read by GNU time (${GNU_TIME} -f %M) when
installed, else reported by the child itself at exit.`;

const { median } = await import("../dist/util/stats.js");

/** Runs a child to completion; wall time from the parent, peak RSS from the kernel's accounting of the child. */
function measure(cmd, args, { selfRss, env = {} } = {}) {
  const useTime = existsSync(GNU_TIME);
  const rssFile = join(tmpdir(), `msplit-bench-rss-${process.pid}`);
  const [file, argv] = useTime ? [GNU_TIME, ["-f", "%M", "-o", rssFile, cmd, ...args]] : [cmd, args];
  const t0 = performance.now();
  const r = spawnSync(file, argv, { cwd: root, encoding: "utf8", env: { ...process.env, ...env }, maxBuffer: 1 << 26 });
  const wallMs = performance.now() - t0;
  if (r.status !== 0) {
    process.stderr.write(r.stdout + r.stderr);
    throw new Error(`${cmd} ${args.join(" ")} failed (exit ${r.status})`);
  }
  let maxRssKiB;
  if (useTime) {
    maxRssKiB = Number(readFileSync(rssFile, "utf8").trim().split("\n").pop());
    rmSync(rssFile, { force: true });
  } else maxRssKiB = selfRss?.(r);
  return { wallMs, maxRssKiB, stdout: r.stdout, stderr: r.stderr };
}

// msplit runs as users run it, bin/msplit (node with huge pages and a small young generation), on
// this node; `bare` runs plain `node dist/cli/main.js` to show what those settings are worth.
const bin = join(root, "bin", "msplit");
const nodePath = `${dirname(process.execPath)}:${process.env.PATH ?? ""}`;
function msplit(args, { bare = false, ...options } = {}) {
  const [file, argv] = bare ? [process.execPath, [cli, ...args]] : [bin, args];
  return measure(file, argv, { ...options, env: { MSPLIT_REPORT_RUSAGE: "1", PATH: nodePath }, selfRss: (r) => JSON.parse(/msplit-rusage (.*)/.exec(r.stderr)[1]).maxRssKiB });
}

function peerPython() {
  return process.env.MSPLIT_PEER_PYTHON ?? "/usr/bin/python3";
}

function peer(args) {
  const r = measure(peerPython(), [peerScript, ...args], { selfRss: (x) => JSON.parse(x.stdout).maxrss_kib });
  return { ...r, json: JSON.parse(r.stdout) };
}

function peerAvailable() {
  if (!existsSync(peerPython())) return `${peerPython()} not found`;
  const r = spawnSync(peerPython(), [peerScript, "check"], { encoding: "utf8" });
  if (r.status === 0) return undefined;
  try {
    return JSON.parse(r.stdout).error;
  } catch {
    return (r.stderr || r.stdout).trim().split("\n").pop();
  }
}

const mib = (kib) => kib / 1024;
const fmt = (v, digits = 0) => v.toFixed(digits);
const spread = (xs, digits = 0) => `${fmt(median(xs), digits)} (${fmt(Math.min(...xs), digits)}-${fmt(Math.max(...xs), digits)})`;
const machine = () => `load average ${loadavg().map((l) => l.toFixed(2)).join(", ")} on ${cpus().length} cores`;

function phaseMedians(samples) {
  const names = [];
  for (const s of samples) for (const n of Object.keys(s)) if (!names.includes(n)) names.push(n);
  return names.map((n) => [n, median(samples.map((s) => s[n]).filter((v) => v != null))]);
}

export function cold(argv) {
  const { values: opts } = parseArgs({
    args: argv,
    options: { pairs: { type: "string", default: "5" }, "warm-pairs": { type: "string", default: "3" }, "warm-runs": { type: "string", default: "30" }, keep: { type: "string" }, help: { type: "boolean" } },
  });
  if (opts.help) return console.log(USAGE);
  const pairs = Number(opts.pairs);
  const warmPairs = Number(opts["warm-pairs"]);
  const warmRuns = opts["warm-runs"];
  const dir = opts.keep ?? mkdtempSync(join(tmpdir(), "msplit-bench-cold-"));
  const loadBefore = machine();
  try {
    const missing = peerAvailable();
    const peerDir = join(dir, "peer");
    const model = join(dir, "alexnet.onnx");
    console.log(`\ncold start: 12-part AlexNet, one photo (assets/chelsea.jpg), 1 thread, whole processes; ${loadBefore} before`);
    if (missing) {
      console.log(`peer skipped: ${missing}. msplit's side runs alone (random weights, seed 0).`);
      msplit(["zoo", "alexnet", "-o", model]);
    } else {
      const setup = peer(["setup", "--dir", peerDir]);
      console.log(`peer: ${peerPython()} scripts/peer/original.py (AlexNet cut as the original, torch.save, AES-CBC; setup ${fmt(setup.json.setup_ms / 1000, 1)} s)`);
      // The same random weights on both sides, so the two top-5 lists can be compared.
      msplit(["zoo", "alexnet", "--weights", join(peerDir, "alexnet.pth"), "-o", model]);
    }
    const key = join(dir, "model.key");
    msplit(["keygen", "-o", key]);
    const bundle = join(dir, "bundle");
    msplit(["split", model, "--parts", "12", "--seal", "--key", key, "-o", bundle]);
    // Warm inference of one stitched session needs ONNX-format parts (resident mode).
    const onnxBundle = join(dir, "bundle-onnx");
    msplit(["split", model, "--parts", "12", "--seal", "--part-format", "onnx", "--key", key, "-o", onnxBundle]);

    const msplitInfer = ["infer", bundle, "--key", key, "--image", image, "--threads", "1", "-o", join(dir, "result-msplit.txt"), "--json", "--profile", "--force"];
    const peerInfer = ["infer", "--dir", peerDir, "--image", image, "--labels", labels, "--output", join(dir, "result-peer.txt")];
    const sides = { peer: [], msplit: [], bare: [] };
    const rotations = [["peer", "msplit", "bare"], ["msplit", "bare", "peer"], ["bare", "peer", "msplit"]];
    for (let r = 0; r < pairs; r++) {
      for (const side of rotations[r % 3]) {
        if (side === "peer" && missing) continue;
        if (side === "peer") {
          const p = peer(peerInfer);
          sides.peer.push({ wallMs: p.wallMs, rssKiB: p.maxRssKiB, phases: p.json.phases_ms, top: p.json.top.map((t) => t[0]) });
        } else {
          const m = msplit(msplitInfer, { bare: side === "bare" });
          const j = JSON.parse(m.stdout);
          const phases = Object.fromEntries(j.profile.map((p) => [p.name, p.wallMs]));
          const cpu = Object.fromEntries(j.profile.map((p) => [p.name, p.cpuMs]));
          sides[side].push({ wallMs: m.wallMs, rssKiB: m.maxRssKiB, phases, cpu, top: j.top.map((t) => t.label), mode: j.mode });
        }
      }
    }

    const rows = [
      ["msplit", sides.msplit, `bin/msplit infer <bundle> --key k --image chelsea.jpg --threads 1 (${sides.msplit[0].mode})`],
      ["bare", sides.bare, `the same as node dist/cli/main.js infer ... (no huge pages, default V8 heap)`],
    ];
    if (!missing) rows.unshift(["peer", sides.peer, `original.py infer (decrypt to disk, torch.load, chain)`]);
    console.log(`\n| run | wall s, median (min-max) of ${pairs} | peak RSS MiB, median (min-max) |`);
    console.log("|---|---|---|");
    for (const [, s, label] of rows) console.log(`| ${label} | ${spread(s.map((x) => x.wallMs / 1000), 2)} | ${spread(s.map((x) => mib(x.rssKiB)))} |`);
    if (!missing) {
      const wall = median(sides.msplit.map((x) => x.wallMs)) / median(sides.peer.map((x) => x.wallMs));
      const rss = median(sides.msplit.map((x) => x.rssKiB)) / median(sides.peer.map((x) => x.rssKiB));
      const pairWall = sides.msplit.map((x, i) => x.wallMs / sides.peer[i].wallMs);
      console.log(`\nmsplit / peer: wall x${fmt(wall, 3)} (target <= 0.35; per pair ${fmt(Math.min(...pairWall), 3)}-${fmt(Math.max(...pairWall), 3)}), peak RSS x${fmt(rss, 3)} (target <= 0.5)`);
      const same = sides.msplit.every((m) => sides.peer.every((p) => p.top.join("|") === m.top.join("|")));
      console.log(`top-5 classes: ${same ? "the same on both sides" : `DIFFER: msplit ${sides.msplit[0].top.join(", ")}; peer ${sides.peer[0].top.join(", ")}`} (same weights)`);
    }

    console.log(`\nphases, medians in ms (msplit: infer --profile, wall | cpu of the whole process${missing ? "" : "; peer: its own timers, wall"}):`);
    const mw = phaseMedians(sides.msplit.map((x) => x.phases));
    const mc = Object.fromEntries(phaseMedians(sides.msplit.map((x) => x.cpu)));
    for (const [n, v] of mw) console.log(`  msplit ${n.padEnd(14)} ${fmt(v).padStart(7)} | ${Number.isNaN(mc[n]) ? "      -" : fmt(mc[n]).padStart(7)}`);
    if (!missing) for (const [n, v] of phaseMedians(sides.peer.map((x) => x.phases))) console.log(`  peer   ${n.padEnd(14)} ${fmt(v).padStart(7)}`);

    // Warm: the default bundle (ORT-format parts, chained) and the ONNX-format one stitched into one session.
    const warmSides = {
      peer: () => peer(["warm", "--dir", peerDir, "--runs", warmRuns]).json.median_ms,
      chained: () => JSON.parse(msplit(["bench", "warm", bundle, "--key", key, "--threads", "1", "--runs", warmRuns]).stdout).median_ms,
      resident: () => JSON.parse(msplit(["bench", "warm", onnxBundle, "--key", key, "--threads", "1", "--runs", warmRuns, "--mode", "resident"]).stdout).median_ms,
    };
    const warm = { peer: [], chained: [], resident: [] };
    const warmRotations = [["peer", "chained", "resident"], ["chained", "resident", "peer"], ["resident", "peer", "chained"]];
    for (let r = 0; r < warmPairs; r++) {
      for (const side of warmRotations[r % 3]) if (!(side === "peer" && missing)) warm[side].push(warmSides[side]());
    }
    console.log(`\nwarm inference, ms: median of each process's median of ${warmRuns} runs (min-max over ${warmPairs} processes)`);
    if (!missing) console.log(`  peer      original.py warm --runs ${warmRuns}                                    ${spread(warm.peer, 2)}`);
    const warmRows = [
      ["chained", `bin/msplit bench warm <bundle> --threads 1 --runs ${warmRuns} (ORT parts)       `],
      ["resident", `bin/msplit bench warm <onnx-format bundle> --mode resident ...          `],
    ];
    for (const [side, label] of warmRows) {
      const ratio = missing ? "" : `  msplit / peer x${fmt(median(warm[side]) / median(warm.peer), 3)} (target <= 0.4)`;
      console.log(`  ${side.padEnd(9)} ${label} ${spread(warm[side], 2)}${ratio}`);
    }
    console.log(`\n${machine()} after`);
  } finally {
    if (!opts.keep) rmSync(dir, { recursive: true, force: true });
  }
}
