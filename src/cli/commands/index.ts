import type { Command } from "commander";
import * as attest from "./attest.js";
import * as bench from "./bench.js";
import * as importCmd from "./import.js";
import * as doctor from "./doctor.js";
import * as gramine from "./gramine.js";
import * as infer from "./infer.js";
import * as inspect from "./inspect.js";
import * as kbs from "./kbs.js";
import * as keygen from "./keygen.js";
import * as mystikos from "./mystikos.js";
import * as pf from "./pf.js";
import * as run from "./run.js";
import * as seal from "./seal.js";
import * as split from "./split.js";
import * as unseal from "./unseal.js";
import * as verify from "./verify.js";
import * as zoo from "./zoo.js";

/** Each command lives in its own module and adds itself to the program. */
export function registerCommands(program: Command): void {
  for (const c of [zoo, importCmd, split, keygen, seal, unseal, run, infer, inspect, verify, attest, kbs, bench, pf, gramine, mystikos, doctor]) c.register(program);
}
