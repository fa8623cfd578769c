import { join } from "node:path";
import { loadKey, openBundle, type KeySource, zeroize } from "../seal/index.js";
import { writeFileAtomic } from "../util/fs.js";
import { KbsConfigInvalid } from "./errors.js";
import { encodeKeyRelease } from "./release.js";
import { parseResourcePath } from "./protocol.js";

export interface PublishOptions {
  /** The sealed bundle the key opens; its id goes into the release. */
  bundle: string;
  /** The bundle key (or, with `kek`, the wrapped key file's source whose KEK is published). */
  key: KeySource;
  /** Publish this key-encryption key instead of the bundle key (the host keeps the wrapped key file). */
  kek?: KeySource;
  resources: string;
  resource: string;
}

/**
 * Writes a key release for `bundle` into a broker's resources directory (mode 0600, never over an
 * existing one), after checking that the key really opens the bundle. For msplit's broker, or a
 * file to upload to a Trustee KBS as the resource.
 */
export async function publishKeyRelease(options: PublishOptions): Promise<{ path: string; bundleId: string }> {
  const p = parseResourcePath(options.resource);
  if (!p) throw new KbsConfigInvalid(`a resource is <repository>/<type>/<tag> (letters, digits, . _ -); got ${JSON.stringify(options.resource.slice(0, 200))}`);
  const key = await loadKey(options.key);
  const secret = options.kek ? await loadKey(options.kek) : Buffer.from(key);
  try {
    const opened = await openBundle(options.bundle, key);
    const bundleId = opened.id;
    opened.close();
    const path = join(options.resources, p.repository, p.type, p.tag);
    const bytes = encodeKeyRelease({ bundleId, kind: options.kek ? "kek" : "key", key: secret });
    try {
      await writeFileAtomic(path, bytes, { mode: 0o600, overwrite: false });
    } finally {
      bytes.fill(0);
    }
    return { path, bundleId };
  } finally {
    zeroize(key);
    zeroize(secret);
  }
}
