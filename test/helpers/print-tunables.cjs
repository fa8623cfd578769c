// Preloaded by test/cli/program.test.ts: shows the environment bin/msplit gave node.
process.stderr.write(`GLIBC_TUNABLES=${process.env.GLIBC_TUNABLES ?? ""}\n`);
