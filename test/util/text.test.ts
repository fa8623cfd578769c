import assert from "node:assert/strict";
import { test } from "node:test";
import { OnnxInvalid } from "../../src/errors.js";
import { capLength, escapeControl, quote, safeLine } from "../../src/util/text.js";

test("control characters, separators and bidi overrides become visible escapes; text stays otherwise", () => {
  assert.equal(escapeControl("a\nb\r\t\u0000\u001b[31m\u007f\u009b\u2028\u202e\u2066"), "a\\nb\\r\\t\\u0000\\u001b[31m\\u007f\\u009b\\u2028\\u202e\\u2066");
  assert.equal(escapeControl("Conv_0 /features.0 ünïcode 模型 🙂"), "Conv_0 /features.0 ünïcode 模型 🙂");
  assert.equal(escapeControl("lone \ud800 surrogate"), "lone \\ud800 surrogate");
  assert.equal(escapeControl(escapeControl("x\ny")), "x\\ny", "idempotent");
});

test("long text keeps its head and tail", () => {
  const s = `${"a".repeat(300)}${"b".repeat(300)}`;
  const c = capLength(s, 100);
  assert.ok(c.length < 150 && c.startsWith("a".repeat(75)) && c.endsWith("b".repeat(25)), c);
  assert.equal(quote("x".repeat(10), 120), `'${"x".repeat(10)}'`);
  assert.ok(safeLine("y".repeat(10_000)).length < 2100);
});

test("every MsplitError's message is one safe line, whatever it was built from", () => {
  const e = new OnnxInvalid(`tensor '${"evil\n\u001b[2J"}' is defined more than once${"!".repeat(5000)}`);
  assert.ok(!e.message.includes("\n") && !e.message.includes("\u001b"), e.message);
  assert.ok(e.message.length < 2100);
});
