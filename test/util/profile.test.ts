import assert from "node:assert/strict";
import { test } from "node:test";
import { formatProfile, phase, phaseSync, Profile, withProfile } from "../../src/util/profile.js";

function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

test("phases nest: an inner phase's time counts for it alone, repeated phases add up", async () => {
  const profile = new Profile();
  await withProfile(profile, async () => {
    await phase("outer", async () => {
      busy(30);
      phaseSync("inner", () => busy(60));
      await phase("inner", async () => busy(60));
    });
  });
  const byName = Object.fromEntries(profile.phases().map((p) => [p.name, p]));
  assert.deepEqual(Object.keys(byName), ["outer", "inner"]);
  assert.equal(byName.inner!.count, 2);
  assert.ok(byName.inner!.wallMs >= 120, `inner ${byName.inner!.wallMs}`);
  // outer ran ~30 ms of its own; with the inner time not subtracted it would be >= 150.
  assert.ok(byName.outer!.wallMs >= 30 && byName.outer!.wallMs < 100, `outer ${byName.outer!.wallMs}`);
  assert.ok(byName.inner!.cpuMs > 0);
  assert.match(formatProfile(profile.phases()), /^inner \(x2\)\s+\d+\.\d\s+\d+\.\d$/m);
});

test("without a profile, phases only run their function", async () => {
  assert.equal(await phase("x", async () => 7), 7);
  assert.equal(phaseSync("x", () => 8), 8);
  const profile = new Profile();
  await withProfile(profile, async () => {});
  assert.deepEqual(profile.phases(), []);
});
