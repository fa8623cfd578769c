import { TorchInvalid, TorchLimitExceeded } from "./errors.js";

const utf8 = new TextDecoder("utf-8");
const latin1 = new TextDecoder("latin1");
const MAX_LONG_BYTES = 256;
const MAX_LINE = 1024;

/**
 * A bounds-checked cursor over the pickle bytes. Every length read from the stream is compared with
 * the bytes that are actually left before anything is sliced, so a declared length cannot make us allocate.
 */
export class PickleReader {
  pos = 0;
  private readonly view: DataView;

  constructor(private readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  get remaining(): number {
    return this.buf.byteLength - this.pos;
  }

  u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  u16(): number {
    this.need(2);
    const v = this.view.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }

  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  i32(): number {
    this.need(4);
    const v = this.view.getInt32(this.pos, true);
    this.pos += 4;
    return v;
  }

  /** An 8-byte length; anything past the end of the data is an error, however large. */
  u64(): number {
    this.need(8);
    const v = this.view.getBigUint64(this.pos, true);
    this.pos += 8;
    if (v > BigInt(this.remaining)) this.truncated(v);
    return Number(v);
  }

  f64be(): number {
    this.need(8);
    const v = this.view.getFloat64(this.pos, false);
    this.pos += 8;
    return v;
  }

  bytes(n: number): Uint8Array {
    this.need(n);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  utf8(n: number): string {
    return utf8.decode(this.bytes(n));
  }

  latin1(n: number): string {
    return latin1.decode(this.bytes(n));
  }

  /** A newline-terminated ASCII line (GLOBAL's module and name). */
  line(): string {
    const end = this.buf.indexOf(0x0a, this.pos);
    if (end < 0) this.truncated(1);
    if (end - this.pos > MAX_LINE) throw new TorchInvalid(`pickle line at offset ${this.pos} is longer than ${MAX_LINE} bytes`);
    const s = latin1.decode(this.buf.subarray(this.pos, end));
    this.pos = end + 1;
    return s;
  }

  /** LONG1 / LONG4: little-endian two's complement; a number when it fits exactly, else a bigint. */
  long(n: number): number | bigint {
    if (n > MAX_LONG_BYTES) throw new TorchLimitExceeded(`pickle integer of ${n} bytes at offset ${this.pos} (at most ${MAX_LONG_BYTES})`);
    const b = this.bytes(n);
    if (n === 0) return 0;
    let v = 0n;
    for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
    if (b[n - 1]! & 0x80) v -= 1n << BigInt(n * 8);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  }

  private need(n: number): void {
    if (n > this.remaining) this.truncated(n);
  }

  private truncated(n: number | bigint): never {
    throw new TorchInvalid(`pickle truncated: needs ${n} more bytes at offset ${this.pos}, ${this.remaining} left`);
  }
}
