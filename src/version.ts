import { readFileSync } from "node:fs";

/** msplit's version, from package.json (the one place it is written; src/ and dist/ both sit one level below it). */
export const VERSION: string = (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version;
