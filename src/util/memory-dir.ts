import { mkdtemp, readFile, statfs } from "node:fs/promises";
import { join } from "node:path";

/** Linux's shared-memory file system: files there live in memory, never on a disk. */
const SHM = "/dev/shm";
const TMPFS_MAGIC = 0x01021994;

/**
 * A private directory (mode 0700) in /dev/shm when that is a tmpfs with at least `minFreeBytes`
 * free, else undefined. Containers often mount a 64 MiB /dev/shm: callers ask for what they need.
 */
export async function privateMemoryDir(prefix: string, minFreeBytes = 0): Promise<string | undefined> {
  try {
    const fs = await statfs(SHM);
    if (fs.type !== TMPFS_MAGIC || fs.bavail * fs.bsize < minFreeBytes) return undefined;
    return await mkdtemp(join(SHM, prefix));
  } catch {
    return undefined;
  }
}

/**
 * Bytes that can still be written in `dir`. In a tmpfs the limit is memory too: no more than the
 * kernel's MemAvailable less `reserve` (a tmpfs may be mounted larger than the memory it can get).
 */
export async function roomIn(dir: string, reserve: number): Promise<number> {
  const s = await statfs(dir);
  const free = s.bavail * s.bsize;
  if (s.type !== TMPFS_MAGIC) return free;
  const available = /^MemAvailable:\s+(\d+) kB/m.exec(await readFile("/proc/meminfo", "utf8").catch(() => ""));
  return Math.min(free, available ? Number(available[1]) * 1024 - reserve : 0);
}
