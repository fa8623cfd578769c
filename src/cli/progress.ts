import cliProgress from "cli-progress";

export interface Progress {
  tick(value?: number): void;
  stop(): void;
}

/** A progress bar on stderr when it is a terminal; silent otherwise (logs, CI, pipes). */
export function progressBar(label: string, total: number): Progress {
  if (!process.stderr.isTTY || total <= 1) return { tick() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    { format: `${label} [{bar}] {value}/{total}`, stream: process.stderr, hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  let done = 0;
  return {
    tick(value?: number) {
      done = value ?? done + 1;
      bar.update(done);
    },
    stop() {
      bar.stop();
    },
  };
}

export interface EtaProgress {
  update(done: number, total: number, etaSeconds: number, label: string): void;
  stop(): void;
}

function formatEta(seconds: number): string {
  if (!Number.isFinite(seconds)) return "--";
  const s = Math.round(seconds);
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m` : s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s` : `${s}s`;
}

/**
 * Progress with an ETA the caller computes (work units differ by orders of magnitude, so a rate
 * of items per second would mislead): a bar on a terminal, one line per step otherwise.
 */
export function etaProgress(label: string): EtaProgress {
  if (!process.stderr.isTTY) {
    let last = "";
    return {
      update(done, total, eta, what) {
        const line = `${label} ${total > 0 ? Math.floor((100 * done) / total) : 0}% eta ${formatEta(eta)}: ${what}`;
        if (line !== last) process.stderr.write(`${line}\n`);
        last = line;
      },
      stop() {},
    };
  }
  const bar = new cliProgress.SingleBar(
    { format: `${label} [{bar}] {percentage}% | ETA {etaText} | {what}`, stream: process.stderr, hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(done, total, eta, what) {
      const payload = { etaText: formatEta(eta), what };
      if (!started) {
        bar.start(Math.max(total, 1), done, payload);
        started = true;
      } else {
        bar.setTotal(Math.max(total, 1));
        bar.update(done, payload);
      }
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
