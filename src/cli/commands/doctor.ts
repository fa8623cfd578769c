import type { Command } from "commander";
import { doctor, type Probe } from "../../tee/doctor.js";
import { printJson } from "../output.js";

export function register(program: Command): void {
  program
    .command("doctor")
    .description("what this machine offers for enclaves: SGX devices, FLC, EPC, AESM/DCAP, Gramine and Mystikos tools, and which msplit modes can run (never fails)")
    .option("--json", "print JSON on stdout")
    .action((opts: { json?: boolean }) => {
      const r = doctor();
      if (opts.json) return printJson(r);
      const mark = (ok: boolean): string => (ok ? "ok " : "-- ");
      const probe = (p: Probe): string => `  ${mark(p.ok)} ${p.what}: ${p.detail}`;
      const lines = [
        "SGX",
        ...r.sgx.map(probe),
        "Attestation services",
        ...r.services.map(probe),
        "Tools",
        ...r.tools.map((t) => `  ${mark(Boolean(t.path))} ${t.name}: ${t.path ? `${t.path}${t.version ? ` (${t.version})` : ""}` : "not on PATH"}`),
        `This process: ${r.enclave.inEnclave ? `inside an enclave (${r.enclave.reason}${r.enclave.attestationType ? `, attestation ${r.enclave.attestationType}` : ""})` : "not in an enclave"}`,
        "msplit modes here",
        ...r.modes.map((m) => `  ${mark(m.ok)} ${m.mode}: ${m.why}`),
      ];
      process.stdout.write(`${lines.join("\n")}\n`);
    });
}
