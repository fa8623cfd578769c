import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";
import { COMMAND_NAMES } from "../../src/cli/commands/index.js";
import { expectCliFailure, repoRoot, runCli } from "../helpers/index.js";

test("commands load on demand, yet help lists every one and an unknown command is a usage error", () => {
  const help = runCli(["--help"]);
  assert.equal(help.status, 0, help.stderr);
  for (const name of COMMAND_NAMES) assert.match(help.stdout, new RegExp(`^  ${name}\\b`, "m"), `${name} in --help`);
  expectCliFailure(["infr", "x"], /ERR_USAGE/, { exit: 2 });
  const bench = runCli(["bench", "--help"]);
  for (const sub of ["overhead", "kbs", "cold", "warm", "decrypt", "pf", "measure", "report"]) assert.match(bench.stdout, new RegExp(`^  ${sub}\\b`, "m"), `bench ${sub}`);
  assert.match(runCli(["bench", "report", "--help"]).stdout, /--models <names>/);
  assert.match(runCli(["bench", "measure", "--help"]).stdout, /--inputs <file.json>/);
  // Global options before the command do not hide it.
  assert.match(runCli(["--verbose", "keygen", "--help"]).stdout, /Usage: msplit keygen/);
});

test("bin/msplit runs the CLI with huge pages asked of glibc, keeping a tunable the caller set", () => {
  const bin = join(repoRoot, "bin", "msplit");
  const probe = (env: Record<string, string>) =>
    spawnSync(bin, ["--version"], { encoding: "utf8", env: { PATH: process.env.PATH ?? "", ...env, NODE_OPTIONS: "--require=" + join(repoRoot, "test", "helpers", "print-tunables.cjs") } });
  const plain = probe({});
  assert.equal(plain.status, 0, plain.stderr);
  assert.match(plain.stdout, /^0\.\d+\.\d+$/m);
  assert.match(plain.stderr, /^GLIBC_TUNABLES=glibc\.malloc\.hugetlb=1$/m);
  assert.match(probe({ GLIBC_TUNABLES: "glibc.malloc.arena_max=2" }).stderr, /^GLIBC_TUNABLES=glibc\.malloc\.arena_max=2:glibc\.malloc\.hugetlb=1$/m);
  assert.match(probe({ GLIBC_TUNABLES: "glibc.malloc.hugetlb=0" }).stderr, /^GLIBC_TUNABLES=glibc\.malloc\.hugetlb=0$/m);
  assert.match(probe({ MSPLIT_NO_HUGEPAGES: "1" }).stderr, /^GLIBC_TUNABLES=$/m);
});
