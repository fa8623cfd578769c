import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus, loadavg, release, totalmem } from "node:os";
import { VERSION } from "../version.js";

export interface MachineInfo {
  cpu: string;
  cores: number;
  memory_gib: number;
  kernel: string;
  node: string;
  onnxruntime: string;
  msplit: string;
  date: string;
  /** 1, 5 and 15-minute load averages when the run started. */
  load_start: number[];
  load_end?: number[];
  command: string;
}

function onnxruntimeVersion(): string {
  try {
    const path = createRequire(import.meta.url).resolve("onnxruntime-node/package.json");
    return (JSON.parse(readFileSync(path, "utf8")) as { version: string }).version;
  } catch {
    return "unknown";
  }
}

export function machineInfo(command: string): MachineInfo {
  const c = cpus();
  return {
    cpu: c[0]?.model.trim() ?? "unknown",
    cores: c.length,
    memory_gib: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    kernel: release(),
    node: process.version,
    onnxruntime: onnxruntimeVersion(),
    msplit: VERSION,
    date: new Date().toISOString(),
    load_start: loadavg().map((l) => Math.round(l * 100) / 100),
    command,
  };
}
