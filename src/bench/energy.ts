import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

/**
 * CPU package energy from Intel RAPL through the powercap interface (the intel_rapl driver; AMD
 * processors expose their RAPL counters through the same files on recent kernels). Package-wide:
 * it counts every process on the package, not only the measured one, so the report says so.
 */
export interface EnergyProbe {
  available: boolean;
  /** Why energy is `n/a` (when not available). */
  reason?: string;
  zones: { name: string; path: string; maxUj: number }[];
}

const POWERCAP = "/sys/class/powercap";

export function probeEnergy(root = POWERCAP): EnergyProbe {
  let entries: string[];
  try {
    entries = readdirSync(root);
  } catch {
    return { available: false, reason: `${root} does not exist: no RAPL driver on this machine (usual in virtual machines)`, zones: [] };
  }
  // Top-level package zones are intel-rapl:N; intel-rapl:N:M are sub-zones (core, uncore, dram) inside them.
  const packages = entries.filter((e) => /^intel-rapl:\d+$/.test(e)).sort();
  if (packages.length === 0) return { available: false, reason: `${root} has no intel-rapl:N package zone (no RAPL counters exposed here)`, zones: [] };
  const zones = [];
  for (const p of packages) {
    const path = join(root, p);
    try {
      const name = readFileSync(join(path, "name"), "utf8").trim();
      const maxUj = Number(readFileSync(join(path, "max_energy_range_uj"), "utf8").trim());
      readFileSync(join(path, "energy_uj"), "utf8");
      zones.push({ name: `${p} (${name})`, path, maxUj });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const why = code === "EACCES" ? "is readable by root only (since Linux 5.10, against power side channels)" : `cannot be read (${code ?? (e as Error).message})`;
      return { available: false, reason: `${join(path, "energy_uj")} ${why}`, zones: [] };
    }
  }
  return { available: true, zones };
}

/** Microjoules per package zone now. */
export function readEnergy(probe: EnergyProbe): number[] {
  return probe.zones.map((z) => Number(readFileSync(join(z.path, "energy_uj"), "utf8").trim()));
}

/** Joules between two readings, counting one wrap of each counter. */
export function joulesBetween(probe: EnergyProbe, before: readonly number[], after: readonly number[]): number {
  let uj = 0;
  probe.zones.forEach((z, i) => {
    const d = after[i]! - before[i]!;
    uj += d >= 0 ? d : d + z.maxUj;
  });
  return uj / 1e6;
}
