import { join, resolve } from "node:path";
import { stat } from "node:fs/promises";
import { FILE_LIMITS, readUntrusted } from "../util/untrusted-file.js";
import { KbsConfigInvalid } from "./errors.js";
import { parseResourcePath } from "./protocol.js";

/** Resources as files `<dir>/<repository>/<type>/<tag>` (Trustee's local-fs backend layout), read on each request. */
export const MAX_RESOURCE_BYTES = FILE_LIMITS.resource;

export class ResourceStore {
  readonly dir: string;
  private constructor(dir: string) {
    this.dir = dir;
  }

  static async open(dir: string): Promise<ResourceStore> {
    const root = resolve(dir);
    const st = await stat(root).catch(() => undefined);
    if (!st?.isDirectory()) throw new KbsConfigInvalid(`the resources directory ${root} does not exist`);
    return new ResourceStore(root);
  }

  /** The resource's bytes, or undefined when there is no such resource (an invalid path included). */
  async get(path: string): Promise<Buffer | undefined> {
    const p = parseResourcePath(path);
    if (!p) return undefined;
    try {
      return await readUntrusted(join(this.dir, p.repository, p.type, p.tag), "resource");
    } catch {
      return undefined;
    }
  }
}
