import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/**
 * The original's method re-created in Python (scripts/peer/original.py: torchvision AlexNet in 12
 * pickled pieces, AES-CBC, decrypted to disk, torch.load, chained). Its interface is documented at
 * the top of that script; each subcommand prints one JSON object on stdout.
 */
export const PEER_SCRIPT = fileURLToPath(new URL("../../scripts/peer/original.py", import.meta.url));
export const PEER_IMAGE = fileURLToPath(new URL("../../assets/chelsea.jpg", import.meta.url));
export const PEER_LABELS = fileURLToPath(new URL("../../assets/imagenet_classes.txt", import.meta.url));
/** The peer exists for this model and piece count only, as the original's runnable script did. */
export const PEER_MODEL = "alexnet";
export const PEER_PARTS = 12;

export function peerPython(): string {
  return process.env.MSPLIT_PEER_PYTHON ?? "/usr/bin/python3";
}

export interface PeerStatus {
  ok: boolean;
  /** Versions (torch, torchvision, cryptography) when ok; why it was skipped otherwise. */
  detail: string;
}

/** Whether the peer can run here (Debian's python3-torch, python3-torchvision, python3-cryptography). */
export function peerStatus(): PeerStatus {
  if (!existsSync(PEER_SCRIPT)) return { ok: false, detail: "scripts/peer/original.py is not in this checkout" };
  const python = peerPython();
  if (!existsSync(python)) return { ok: false, detail: `${python} not found (set MSPLIT_PEER_PYTHON)` };
  const r = spawnSync(python, [PEER_SCRIPT, "check"], { encoding: "utf8" });
  try {
    const j = JSON.parse(r.stdout) as { ok: boolean; error?: string; torch?: string; torchvision?: string; cryptography?: string };
    if (j.ok) return { ok: true, detail: `PyTorch ${j.torch}, torchvision ${j.torchvision}, cryptography ${j.cryptography}` };
    return { ok: false, detail: j.error ?? "the peer's check failed" };
  } catch {
    return { ok: false, detail: (r.stderr || r.stdout || `exit status ${r.status}`).trim().split("\n").pop()! };
  }
}

/** Makes the 12 encrypted pieces and their keys in `dir`. */
export function peerSetup(dir: string): void {
  const r = spawnSync(peerPython(), [PEER_SCRIPT, "setup", "--dir", dir], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`peer setup failed: ${(r.stderr || r.stdout).trim().split("\n").pop()}`);
}

export function peerInferArgs(dir: string, output: string): string[] {
  return [PEER_SCRIPT, "infer", "--dir", dir, "--image", PEER_IMAGE, "--labels", PEER_LABELS, "--output", output];
}

export function peerWarmArgs(dir: string, runs: number): string[] {
  return [PEER_SCRIPT, "warm", "--dir", dir, "--runs", String(runs), "--warmup", "3"];
}

/** `infer`'s output. */
export interface PeerInfer {
  phases_ms: Record<string, number>;
  total_ms: number;
  maxrss_kib: number;
}

/** `warm`'s output. */
export interface PeerWarm {
  times_ms: number[];
}

/** The peer's phases in the matrix's terms. Preprocessing the photo and writing result.txt count in its cold time only. */
export function peerPhases(p: PeerInfer): { startup_ms: number; overhead_ms: number; first_ms: number } {
  const ph = (name: string) => p.phases_ms[name] ?? 0;
  return {
    startup_ms: ph("interpreter") + ph("import"),
    overhead_ms: ph("keys") + ph("decrypt_to_disk") + ph("torch_load"),
    first_ms: ph("first_run"),
  };
}
