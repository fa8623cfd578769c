import assert from "node:assert/strict";
import { test } from "node:test";
import { dataTypeName, DTYPES } from "../../src/onnx/dtypes.js";
import { DataType } from "../../src/onnx/proto.js";

test("the hand-written ONNX type table names every number exactly as the generated enum does", () => {
  const numbers = Object.values(DataType).filter((v): v is number => typeof v === "number");
  assert.ok(numbers.length >= 24);
  for (const n of numbers) assert.equal(dataTypeName(n), DataType[n]!.toLowerCase(), `type ${n}`);
  assert.equal(dataTypeName(999), "type999");
  assert.deepEqual(
    DTYPES.map((d) => [d.ort, dataTypeName(d.onnx)]),
    [["float32", "float"], ["float64", "double"], ["float16", "float16"], ["int8", "int8"], ["int16", "int16"], ["int32", "int32"], ["int64", "int64"], ["uint8", "uint8"], ["uint16", "uint16"], ["uint32", "uint32"], ["uint64", "uint64"], ["bool", "bool"]],
  );
});
