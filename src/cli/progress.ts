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
