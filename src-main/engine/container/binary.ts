/**
 * The primitives of format 2's binary header and records (docs/format.md, "Format 2"): unsigned LEB128 varints,
 * length-prefixed UTF-8 strings and byte strings, fixed-size fields, and a compact number that is a varint for
 * multiples of ½ and a float64 otherwise. The reader bounds every read by what is left of its buffer, so damaged
 * input ends in `BinaryError`, which the caller turns into a message naming the file.
 */

export class BinaryError extends Error {}

/** Numbers above this are not written as varints (LEB128 of up to 7 bytes stays exact in a double). */
const MAX_VARINT = 2 ** 49;

export class ByteWriter {
  private buf = Buffer.alloc(256);
  private pos = 0;

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const bigger = Buffer.alloc(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(bigger, 0, 0, this.pos);
    this.buf = bigger;
  }

  u8(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > 255) throw new RangeError(`not a byte: ${v}`);
    this.room(1);
    this.buf[this.pos++] = v;
    return this;
  }

  varint(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > MAX_VARINT) throw new RangeError(`not a varint: ${v}`);
    do {
      const low = v % 128;
      v = Math.floor(v / 128);
      this.u8(v > 0 ? low | 0x80 : low);
    } while (v > 0);
    return this;
  }

  /** A signed integer, zig-zag mapped (0, −1, 1, −2, … → 0, 1, 2, 3, …). */
  svarint(v: number): this {
    return this.varint(v < 0 ? -2 * v - 1 : 2 * v);
  }

  bytes(b: Uint8Array): this {
    this.room(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }

  /** A byte string with its length first. */
  blob(b: Uint8Array): this {
    return this.varint(b.length).bytes(b);
  }

  string(s: string): this {
    return this.blob(Buffer.from(s, 'utf8'));
  }

  f32(v: number): this {
    this.room(4);
    this.buf.writeFloatBE(v, this.pos);
    this.pos += 4;
    return this;
  }

  f64(v: number): this {
    this.room(8);
    this.buf.writeDoubleBE(v, this.pos);
    this.pos += 8;
    return this;
  }

  /** Any finite number: multiples of ½ up to 2^47 as a tagged zig-zag varint (1–7 bytes), others as 0x01 + float64. */
  number(v: number): this {
    const twice = 2 * v;
    if (Number.isInteger(twice) && Math.abs(twice) < 2 ** 47) {
      const z = twice < 0 ? -2 * twice - 1 : 2 * twice;
      return this.varint(z * 2 + 2); // even and ≥ 2: a varint; the single byte 0x01 marks a float64
    }
    if (!Number.isFinite(v)) throw new RangeError(`not a finite number: ${v}`);
    return this.u8(1).f64(v);
  }

  get length(): number {
    return this.pos;
  }

  finish(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.pos));
  }
}

export class ByteReader {
  private pos = 0;

  constructor(private readonly buf: Uint8Array) {}

  get left(): number {
    return this.buf.length - this.pos;
  }

  private need(n: number): void {
    if (n > this.left) throw new BinaryError('ends early');
  }

  u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  varint(): number {
    let v = 0;
    for (let shift = 1; ; shift *= 128) {
      const b = this.u8();
      v += (b & 0x7f) * shift;
      if (!(b & 0x80)) break;
      if (shift >= 2 ** 42) throw new BinaryError('has a number too long');
    }
    return v;
  }

  svarint(): number {
    const z = this.varint();
    return z % 2 ? -(z + 1) / 2 : z / 2;
  }

  bytes(n: number): Buffer {
    this.need(n);
    const out = Buffer.from(this.buf.subarray(this.pos, this.pos + n));
    this.pos += n;
    return out;
  }

  /** A length-prefixed byte string of at most `max` bytes. */
  blob(max: number): Buffer {
    const n = this.varint();
    if (n > max) throw new BinaryError(`has a field of ${n} bytes (at most ${max})`);
    return this.bytes(n);
  }

  string(max = 1024): string {
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(this.blob(max));
    } catch (err) {
      if (err instanceof BinaryError) throw err;
      throw new BinaryError('has text that is not UTF-8');
    }
  }

  f32(): number {
    this.need(4);
    const v = Buffer.from(this.buf.buffer, this.buf.byteOffset + this.pos, 4).readFloatBE(0);
    this.pos += 4;
    return v;
  }

  f64(): number {
    this.need(8);
    const v = Buffer.from(this.buf.buffer, this.buf.byteOffset + this.pos, 8).readDoubleBE(0);
    this.pos += 8;
    return v;
  }

  number(): number {
    const tag = this.varint();
    if (tag === 1) {
      const v = this.f64();
      if (!Number.isFinite(v)) throw new BinaryError('has a number that is not finite');
      return v;
    }
    if (tag === 0 || tag % 2) throw new BinaryError('has a malformed number');
    const z = (tag - 2) / 2;
    return (z % 2 ? -(z + 1) / 2 : z / 2) / 2;
  }

  /** Everything read must be used: trailing bytes are damage. */
  end(): void {
    if (this.left !== 0) throw new BinaryError(`has ${this.left} unexpected bytes at its end`);
  }
}
