import type { KeySource } from "../seal/index.js";
import type { KbsClientOptions } from "./client.js";
import { KeyReleaseInvalid } from "./errors.js";
import { decodeKeyRelease } from "./release.js";

/**
 * A key source backed by a key broker: attestation happens when the bundle is opened, inside the
 * process that will use the key; the key exists only in memory and opens only the bundle whose id
 * the release names. `expect` says whether the release is the bundle key or the KEK of a wrapped
 * key file.
 */
export function brokerKeySource(client: KbsClientOptions, resource: string, expect: "key" | "kek" = "key"): KeySource & { kind: "released" } {
  return {
    kind: "released",
    what: `the key broker ${client.url} (${resource})`,
    release: async () => {
      // The client (jose, http) loads when a key is asked for, not with every command that could ask.
      const { fetchResource } = await import("./client.js");
      const bytes = await fetchResource(client, resource);
      try {
        const release = decodeKeyRelease(bytes);
        if (release.kind !== expect) {
          release.key.fill(0);
          throw new KeyReleaseInvalid(
            expect === "key" ? `${resource} holds a KEK: give the wrapped key file with --key` : `${resource} holds a bundle key, not a KEK: drop --key`,
          );
        }
        return { key: release.key, bundleId: release.bundleId };
      } finally {
        bytes.fill(0);
      }
    },
  };
}
