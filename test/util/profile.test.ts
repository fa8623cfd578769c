import assert from "node:assert/strict";
import { test } from "node:test";
import { formatProfile, phase, phaseSync, Profile, withProfile } from "../../src/util/profile.js";

/** A clock that moves only when told to: phase arithmetic without timing assumptions. */
function fakeClock() {
  const now = { wall: 0, cpu: 0 };
  return { clock: () => ({ ...now }), spend: (wall: number, cpu = wall / 2) => ((now.wall += wall), (now.cpu += cpu)) };
}

test("phases nest: an inner phase's time counts for it alone, repeated phases add up", async () => {
  const { clock, spend } = fakeClock();
  const profile = new Profile(clock);
  await withProfile(profile, async () => {
    await phase("outer", async () => {
      spend(30);
      phaseSync("inner", () => spend(60));
      await phase("inner", async () => spend(40));
      spend(5);
    });
  });
  assert.deepEqual(profile.phases(), [
    { name: "outer", wallMs: 35, cpuMs: 17.5, count: 1 },
    { name: "inner", wallMs: 100, cpuMs: 50, count: 2 },
  ]);
  assert.match(formatProfile(profile.phases()), /^inner \(x2\)\s+100\.0\s+50\.0$/m);
});

test("without a profile, phases only run their function", async () => {
  assert.equal(await phase("x", async () => 7), 7);
  assert.equal(phaseSync("x", () => 8), 8);
  const profile = new Profile();
  await withProfile(profile, async () => {});
  assert.deepEqual(profile.phases(), []);
});
