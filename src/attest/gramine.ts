import { constants } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { join } from "node:path";
import { ATTESTATION_ROOT } from "../util/enclave.js";
import { type Attester, REPORT_DATA_SIZE } from "./attester.js";
import { AttesterUnavailable } from "./errors.js";
import { readAtMost } from "./files.js";

/** Gramine's pseudo-filesystem for attestation (Documentation/attestation.rst); enclave detection reads it too. */
export const GRAMINE_ATTESTATION_ROOT = ATTESTATION_ROOT;
/** Gramine returns at most this many bytes from `quote`. */
export const MAX_QUOTE_SIZE = 8192;
/** Encrypted-mount keys are AES-128-GCM keys: exactly 16 bytes, anything else is refused (EACCES). */
export const MOUNT_KEY_SIZE = 16;

export type GramineAttestationType = "none" | "dcap";

/**
 * Evidence from inside a Gramine enclave: write the report data to `user_report_data`, read the
 * DCAP quote Gramine's quoting enclave made for it from `quote`. `root` is /dev/attestation inside
 * Gramine; tests point it at a directory that imitates it.
 */
export class GramineAttester implements Attester {
  readonly tee = "sgx" as const;
  constructor(readonly root: string = GRAMINE_ATTESTATION_ROOT) {}

  /** `none` or `dcap` (the manifest's `sgx.remote_attestation`). */
  async attestationType(): Promise<GramineAttestationType> {
    const text = (await this.read("attestation_type", 64)).toString("latin1").replace(/\0+$/, "").trim();
    if (text !== "none" && text !== "dcap") throw new AttesterUnavailable(`${this.path("attestation_type")} says ${JSON.stringify(text.slice(0, 32))}; expected none or dcap`);
    return text;
  }

  /** A DCAP quote whose report_data is `reportData` zero-padded to 64 bytes. */
  async quote(reportData: Uint8Array): Promise<Buffer> {
    if (reportData.length > REPORT_DATA_SIZE) throw new AttesterUnavailable(`report data is ${reportData.length} bytes; SGX holds at most ${REPORT_DATA_SIZE}`);
    const type = await this.attestationType();
    if (type !== "dcap") throw new AttesterUnavailable(`Gramine's attestation type is ${type}; the manifest needs sgx.remote_attestation = "dcap"`);
    const padded = Buffer.alloc(REPORT_DATA_SIZE);
    padded.set(reportData);
    await this.write("user_report_data", padded);
    const quote = await this.read("quote", MAX_QUOTE_SIZE);
    if (quote.length === 0) throw new AttesterUnavailable(`${this.path("quote")} is empty: no quote from the quoting enclave`);
    return quote;
  }

  async evidence(reportData: Uint8Array): Promise<Record<string, unknown>> {
    // The shape of guest-components' SGX DCAP attester: { quote: base64 }.
    return { quote: (await this.quote(reportData)).toString("base64") };
  }

  /**
   * Keys an encrypted mount (the manifest's `key_name`) with a 16-byte key. Gramine exposes only
   * names that a mount or `fs.insecure__keys` declares, so an unknown name is refused here too.
   */
  async setMountKey(name: string, key: Uint8Array): Promise<void> {
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name) || name === "." || name === "..") throw new AttesterUnavailable(`invalid encrypted-mount key name ${JSON.stringify(name.slice(0, 80))}`);
    if (key.length !== MOUNT_KEY_SIZE) throw new AttesterUnavailable(`an encrypted-mount key is exactly ${MOUNT_KEY_SIZE} bytes; got ${key.length}`);
    await this.write(join("keys", name), key);
  }

  private path(name: string): string {
    return join(this.root, name);
  }

  /** Opens an existing pseudo-file: never creates one (Gramine would not have it either). */
  private async openFile(name: string, flags: number): Promise<FileHandle> {
    try {
      return await open(this.path(name), flags);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const hint = code === "ENOENT" ? " (not inside Gramine, or the manifest does not declare it)" : "";
      throw new AttesterUnavailable(`cannot open ${this.path(name)}: ${code ?? (e as Error).message}${hint}`, { cause: e });
    }
  }

  private async write(name: string, bytes: Uint8Array): Promise<void> {
    const fh = await this.openFile(name, constants.O_WRONLY | constants.O_TRUNC);
    try {
      const { bytesWritten } = await fh.write(bytes, 0, bytes.length, 0);
      if (bytesWritten !== bytes.length) throw new AttesterUnavailable(`short write to ${this.path(name)}: ${bytesWritten} of ${bytes.length} bytes`);
    } catch (e) {
      if (e instanceof AttesterUnavailable) throw e;
      throw new AttesterUnavailable(`cannot write ${this.path(name)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
    } finally {
      await fh.close();
    }
  }

  /** Reads at most `limit` bytes; more is refused rather than cut. */
  private async read(name: string, limit: number): Promise<Buffer> {
    const fh = await this.openFile(name, constants.O_RDONLY);
    try {
      const bytes = await readAtMost(fh, limit + 1);
      if (bytes.length > limit) throw new AttesterUnavailable(`${this.path(name)} holds more than ${limit} bytes`);
      return bytes;
    } catch (e) {
      if (e instanceof AttesterUnavailable) throw e;
      throw new AttesterUnavailable(`cannot read ${this.path(name)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
    } finally {
      await fh.close();
    }
  }
}
