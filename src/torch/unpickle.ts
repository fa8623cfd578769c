import { TorchInvalid, TorchLimitExceeded, UnsafePickle } from "./errors.js";
import { globalValue, newObject, reduceGlobal, resolveGlobal } from "./globals.js";
import { PickleReader } from "./pickle-reader.js";
import { loadStorage } from "./persistent.js";
import { PyDict, PyObject, PySet, StorageRef, TensorRef, describe, isList, tuple } from "./pyvalue.js";
import type { PyValue } from "./pyvalue.js";

export interface UnpickleOptions {
  /** Deepest MARK nesting. */
  maxDepth: number;
  /** Most items on the stack at once. */
  maxStack: number;
}

export interface UnpickleResult {
  value: PyValue;
  /** Every storage the persistent ids named, by key. */
  storages: Map<string, StorageRef>;
}

/**
 * A restricted unpickler for protocols 2-5 (and the binary opcodes of 0-1 that torch emits).
 * It never imports or executes: globals resolve against an allow-list to inert values, REDUCE/NEWOBJ
 * dispatch to pure handlers, and persistent ids become storage references for the zip loader.
 */
export function unpickle(data: Uint8Array, options: Partial<UnpickleOptions> = {}): UnpickleResult {
  const m = new Machine(data, { maxDepth: 200, maxStack: 10_000_000, ...options });
  return { value: m.run(), storages: m.storages };
}

class Machine {
  readonly storages = new Map<string, StorageRef>();
  private readonly r: PickleReader;
  private stack: PyValue[] = [];
  private readonly metastack: PyValue[][] = [];
  private readonly memo = new Map<number, PyValue>();

  constructor(
    data: Uint8Array,
    private readonly opts: UnpickleOptions,
  ) {
    this.r = new PickleReader(data);
  }

  run(): PyValue {
    for (;;) {
      const at = this.r.pos;
      if (this.r.remaining === 0) throw new TorchInvalid(`pickle ended at offset ${at} without STOP`);
      const op = this.r.u8();
      if (op === 0x2e /* STOP */) {
        if (this.stack.length !== 1 || this.metastack.length !== 0) {
          throw new TorchInvalid(`pickle STOP at offset ${at} leaves ${this.stack.length} items and ${this.metastack.length} marks`);
        }
        return this.stack[0]!;
      }
      this.step(op, at);
    }
  }

  private step(op: number, at: number): void {
    const r = this.r;
    switch (op) {
      case 0x80 /* PROTO */: {
        const p = r.u8();
        if (p > 5) throw new TorchInvalid(`pickle protocol ${p} is not supported (at most 5)`);
        return;
      }
      case 0x95 /* FRAME: framing is only a read-ahead hint */:
        r.u64();
        return;
      case 0x28 /* MARK */:
        if (this.metastack.length >= this.opts.maxDepth) throw new TorchLimitExceeded(`pickle nests deeper than ${this.opts.maxDepth} marks`);
        this.metastack.push(this.stack);
        this.stack = [];
        return;
      case 0x30 /* POP */:
        if (this.stack.length === 0) this.popMark();
        else this.pop();
        return;
      case 0x31 /* POP_MARK */:
        this.popMark();
        return;
      case 0x32 /* DUP */:
        return this.push(this.top());
      case 0x4e /* NONE */:
        return this.push(null);
      case 0x88 /* NEWTRUE */:
        return this.push(true);
      case 0x89 /* NEWFALSE */:
        return this.push(false);
      case 0x4a /* BININT */:
        return this.push(r.i32());
      case 0x4b /* BININT1 */:
        return this.push(r.u8());
      case 0x4d /* BININT2 */:
        return this.push(r.u16());
      case 0x8a /* LONG1 */:
        return this.push(r.long(r.u8()));
      case 0x8b /* LONG4 */:
        return this.push(r.long(r.u32()));
      case 0x47 /* BINFLOAT */:
        return this.push(r.f64be());
      case 0x58 /* BINUNICODE */:
        return this.push(r.utf8(r.u32()));
      case 0x8c /* SHORT_BINUNICODE */:
        return this.push(r.utf8(r.u8()));
      case 0x8d /* BINUNICODE8 */:
        return this.push(r.utf8(r.u64()));
      case 0x54 /* BINSTRING */:
        return this.push(r.latin1(r.u32()));
      case 0x55 /* SHORT_BINSTRING */:
        return this.push(r.latin1(r.u8()));
      case 0x42 /* BINBYTES */:
        return this.push(r.bytes(r.u32()));
      case 0x43 /* SHORT_BINBYTES */:
        return this.push(r.bytes(r.u8()));
      case 0x8e /* BINBYTES8 */:
      case 0x96 /* BYTEARRAY8 */:
        return this.push(r.bytes(r.u64()));
      case 0x29 /* EMPTY_TUPLE */:
        return this.push(tuple([]));
      case 0x85 /* TUPLE1 */:
      case 0x86 /* TUPLE2 */:
      case 0x87 /* TUPLE3 */:
        return this.push(tuple(this.popN(op - 0x84)));
      case 0x74 /* TUPLE */:
        return this.push(tuple(this.popMark()));
      case 0x5d /* EMPTY_LIST */:
        return this.push([]);
      case 0x6c /* LIST */:
        return this.push(this.popMark());
      case 0x7d /* EMPTY_DICT */:
        return this.push(new PyDict());
      case 0x64 /* DICT */: {
        const d = new PyDict();
        setItems(d, this.popMark(), at);
        return this.push(d);
      }
      case 0x8f /* EMPTY_SET */:
        return this.push(new PySet([]));
      case 0x91 /* FROZENSET */:
        return this.push(new PySet(this.popMark(), true));
      case 0x61 /* APPEND */: {
        const v = this.pop();
        this.list(at).push(v);
        return;
      }
      case 0x65 /* APPENDS */: {
        const items = this.popMark();
        const l = this.list(at);
        for (const v of items) l.push(v);
        return;
      }
      case 0x73 /* SETITEM */: {
        const [k, v] = this.popN(2);
        setItems(this.dict(at), [k!, v!], at);
        return;
      }
      case 0x75 /* SETITEMS */: {
        const items = this.popMark();
        setItems(this.dict(at), items, at);
        return;
      }
      case 0x90 /* ADDITEMS */: {
        const items = this.popMark();
        const s = this.top();
        if (!(s instanceof PySet) || s.frozen) throw new TorchInvalid(`pickle ADDITEMS at offset ${at} on a ${describe(s)}`);
        for (const v of items) s.items.push(v);
        return;
      }
      case 0x71 /* BINPUT */:
        return this.put(r.u8());
      case 0x72 /* LONG_BINPUT */:
        return this.put(r.u32());
      case 0x94 /* MEMOIZE */:
        return this.put(this.memo.size);
      case 0x68 /* BINGET */:
        return this.get(r.u8(), at);
      case 0x6a /* LONG_BINGET */:
        return this.get(r.u32(), at);
      case 0x63 /* GLOBAL */: {
        const module = r.line();
        const name = r.line();
        return this.push(globalValue(resolveGlobal(module, name)));
      }
      case 0x93 /* STACK_GLOBAL */: {
        const [module, name] = this.popN(2);
        if (typeof module !== "string" || typeof name !== "string") {
          throw new TorchInvalid(`pickle STACK_GLOBAL at offset ${at} with ${describe(module)}/${describe(name)} instead of strings`);
        }
        return this.push(globalValue(resolveGlobal(module, name)));
      }
      case 0x52 /* REDUCE */: {
        const [fn, args] = this.popN(2);
        return this.push(reduceGlobal(fn!, args!));
      }
      case 0x81 /* NEWOBJ */: {
        const [cls, args] = this.popN(2);
        return this.push(newObject(cls!, args!));
      }
      case 0x92 /* NEWOBJ_EX: keyword arguments are ignored, the object stays inert */: {
        const [cls, args] = this.popN(3);
        return this.push(newObject(cls!, args!));
      }
      case 0x62 /* BUILD */:
        return this.build(this.pop(), at);
      case 0x51 /* BINPERSID */:
        return this.push(loadStorage(this.pop(), this.storages));
      case 0x82 /* EXT1 */:
      case 0x83 /* EXT2 */:
      case 0x84 /* EXT4 */:
        throw new UnsafePickle("copyreg extension", `pickle uses the copyreg extension registry (opcode 0x${op.toString(16)} at offset ${at}); nothing was executed`);
      default:
        throw new TorchInvalid(`unsupported pickle opcode 0x${op.toString(16).padStart(2, "0")} (${opName(op)}) at offset ${at}`);
    }
  }

  /** BUILD sets state on an inert object instead of calling `__setstate__`. */
  private build(state: PyValue, at: number): void {
    const target = this.top();
    if (target instanceof PyObject) target.__state__ = state;
    else if (target instanceof PyDict) target.attrs = state;
    else if (!(target instanceof TensorRef)) throw new TorchInvalid(`pickle BUILD at offset ${at} on a ${describe(target)}`);
  }

  private push(v: PyValue): void {
    if (this.stack.length >= this.opts.maxStack) throw new TorchLimitExceeded(`pickle stack exceeds ${this.opts.maxStack} items`);
    this.stack.push(v);
  }

  private pop(): PyValue {
    if (this.stack.length === 0) this.underflow();
    return this.stack.pop()!;
  }

  private popN(n: number): PyValue[] {
    if (this.stack.length < n) this.underflow();
    return this.stack.splice(this.stack.length - n, n);
  }

  private top(): PyValue {
    if (this.stack.length === 0) this.underflow();
    return this.stack[this.stack.length - 1]!;
  }

  private popMark(): PyValue[] {
    const items = this.stack;
    const prev = this.metastack.pop();
    if (!prev) throw new TorchInvalid(`pickle uses a MARK that was never set (offset ${this.r.pos - 1})`);
    this.stack = prev;
    return items;
  }

  private put(i: number): void {
    this.memo.set(i, this.top());
  }

  private get(i: number, at: number): void {
    const v = this.memo.get(i);
    if (v === undefined) throw new TorchInvalid(`pickle reads memo ${i} at offset ${at}, which was never stored`);
    this.push(v);
  }

  private list(at: number): PyValue[] {
    const l = this.top();
    if (!isList(l)) throw new TorchInvalid(`pickle appends to a ${describe(l)} at offset ${at}`);
    return l;
  }

  private dict(at: number): PyDict {
    const d = this.top();
    if (!(d instanceof PyDict)) throw new TorchInvalid(`pickle sets items on a ${describe(d)} at offset ${at}`);
    return d;
  }

  private underflow(): never {
    throw new TorchInvalid(`pickle stack underflow at offset ${this.r.pos - 1}`);
  }
}

function setItems(d: PyDict, items: PyValue[], at: number): void {
  if (items.length % 2 !== 0) throw new TorchInvalid(`pickle sets dict items from an odd number of values at offset ${at}`);
  for (let i = 0; i < items.length; i += 2) d.entries.set(items[i]!, items[i + 1]!);
}

function opName(op: number): string {
  const c = String.fromCharCode(op);
  return op >= 0x20 && op < 0x7f ? `'${c}'` : "binary";
}
