/** Hand-assembled pickles, so tests can reach opcodes and malformations Python's pickler never emits. */
type Part = number | number[] | Uint8Array;

export function pickle(...parts: Part[]): Uint8Array {
  const bytes: number[] = [];
  for (const p of parts) {
    if (typeof p === "number") bytes.push(p);
    else bytes.push(...p);
  }
  return Uint8Array.from(bytes);
}

const le = (n: number, width: number): number[] => Array.from({ length: width }, (_, i) => Number((BigInt(n) >> BigInt(8 * i)) & 0xffn));
const utf8 = (s: string): number[] => [...Buffer.from(s, "utf8")];

export const op = {
  proto: (n = 2): number[] => [0x80, n],
  stop: 0x2e,
  mark: 0x28,
  none: 0x4e,
  true: 0x88,
  false: 0x89,
  emptyTuple: 0x29,
  tuple: 0x74,
  tuple1: 0x85,
  tuple2: 0x86,
  tuple3: 0x87,
  emptyList: 0x5d,
  emptyDict: 0x7d,
  emptySet: 0x8f,
  addItems: 0x90,
  append: 0x61,
  appends: 0x65,
  setitem: 0x73,
  setitems: 0x75,
  reduce: 0x52,
  build: 0x62,
  newobj: 0x81,
  binpersid: 0x51,
  memoize: 0x94,
  stackGlobal: 0x93,
  pop: 0x30,
  dup: 0x32,
  frame: (n: number): number[] => [0x95, ...le(n, 8)],
  global: (module: string, name: string): number[] => [0x63, ...utf8(`${module}\n${name}\n`)],
  str: (s: string): number[] => [0x58, ...le(Buffer.byteLength(s), 4), ...utf8(s)],
  shortStr: (s: string): number[] => [0x8c, Buffer.byteLength(s), ...utf8(s)],
  int: (n: number): number[] => (n >= 0 && n < 256 ? [0x4b, n] : [0x4a, ...le(n, 4)]),
  long1: (bytes: number[]): number[] => [0x8a, bytes.length, ...bytes],
  float: (x: number): number[] => {
    const b = Buffer.alloc(8);
    b.writeDoubleBE(x);
    return [0x47, ...b];
  },
  binput: (i: number): number[] => [0x71, i],
  binget: (i: number): number[] => [0x68, i],
};

/** `torch._utils._rebuild_tensor_v2(storage(key, FloatStorage, numel), offset, size, stride, False, OrderedDict())`. */
export function tensorV2(key: string, numel: number, offset: number, size: number[], stride: number[], storage = "FloatStorage"): number[] {
  const ints = (xs: number[]): number[] => [op.mark, ...xs.flatMap((x) => op.int(x)), op.tuple];
  return [
    ...op.global("torch._utils", "_rebuild_tensor_v2"),
    op.mark,
    ...[op.mark, ...op.str("storage"), ...op.global("torch", storage), ...op.str(key), ...op.str("cpu"), ...op.int(numel), op.tuple],
    op.binpersid,
    ...op.int(offset),
    ...ints(size),
    ...ints(stride),
    op.false,
    ...op.global("collections", "OrderedDict"),
    op.emptyTuple,
    op.reduce,
    op.tuple,
    op.reduce,
  ];
}

/** An OrderedDict state dict of the given (name, tensor-pickle) pairs. */
export function stateDict(entries: Array<[string, number[]]>): Uint8Array {
  return pickle(
    op.proto(2),
    op.global("collections", "OrderedDict"),
    op.emptyTuple,
    op.reduce,
    op.mark,
    ...entries.flatMap(([k, t]) => [...op.str(k), ...t]),
    op.setitems,
    op.stop,
  );
}
