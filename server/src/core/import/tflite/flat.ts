import { ByteBuffer } from 'flatbuffers';

/**
 * Checked access to a FlatBuffer through the `flatbuffers` runtime's ByteBuffer. The runtime trusts
 * its input: an offset past the end reads `undefined` as 0 and a corrupt vector length loops for
 * billions of elements. Every read here first checks that the bytes it touches lie inside the file,
 * and a vector's length against the bytes left, so a malformed file fails fast with the place named.
 */

/** A structural fault of the file: `where` names the field (`subgraphs[0].tensors[12].shape`). */
export class FlatError extends Error {
  constructor(readonly where: string, why: string) {
    super(`${where}: ${why}`);
  }
}

export class Flat {
  readonly bb: ByteBuffer;
  constructor(readonly bytes: Uint8Array) {
    this.bb = new ByteBuffer(bytes);
  }

  get size(): number {
    return this.bytes.length;
  }

  /** Throws unless [at, at + n) lies inside the file. */
  need(at: number, n: number, where: string): void {
    if (!Number.isSafeInteger(at) || at < 0 || n < 0 || at + n > this.bytes.length) throw new FlatError(where, `offset ${at} (+${n} bytes) is outside the ${this.bytes.length}-byte file`);
  }

  /** The root table (the first 4 bytes point at it). */
  root(): Table {
    this.need(0, 8, 'header');
    return this.table(this.bb.readUint32(0), 'model');
  }

  table(pos: number, where: string): Table {
    this.need(pos, 4, where);
    const vtable = pos - this.bb.readInt32(pos);
    this.need(vtable, 4, `${where} (vtable)`);
    const vsize = this.bb.readUint16(vtable);
    if (vsize < 4 || vsize % 2 !== 0) throw new FlatError(where, `vtable size ${vsize} is not a valid one`);
    this.need(vtable, vsize, `${where} (vtable)`);
    return new Table(this, pos, vtable, vsize, where);
  }
}

/** One table: fields by slot number (the order of the schema's fields, from 0). */
export class Table {
  constructor(private readonly f: Flat, readonly pos: number, private readonly vtable: number, private readonly vsize: number, readonly where: string) {}

  /** Absolute position of the field's data, or 0 when the field is absent. */
  private field(slot: number, size: number): number {
    const entry = 4 + 2 * slot;
    if (entry + 2 > this.vsize) return 0;
    const rel = this.f.bb.readUint16(this.vtable + entry);
    if (rel === 0) return 0;
    this.f.need(this.pos + rel, size, `${this.where} field ${slot}`);
    return this.pos + rel;
  }

  has(slot: number): boolean {
    return this.field(slot, 0) !== 0;
  }

  int8(slot: number, otherwise = 0): number {
    const at = this.field(slot, 1);
    return at ? this.f.bb.readInt8(at) : otherwise;
  }

  uint8(slot: number, otherwise = 0): number {
    const at = this.field(slot, 1);
    return at ? this.f.bb.readUint8(at) : otherwise;
  }

  bool(slot: number): boolean {
    return this.uint8(slot) !== 0;
  }

  int32(slot: number, otherwise = 0): number {
    const at = this.field(slot, 4);
    return at ? this.f.bb.readInt32(at) : otherwise;
  }

  uint32(slot: number, otherwise = 0): number {
    const at = this.field(slot, 4);
    return at ? this.f.bb.readUint32(at) : otherwise;
  }

  float32(slot: number, otherwise = 0): number {
    const at = this.field(slot, 4);
    return at ? this.f.bb.readFloat32(at) : otherwise;
  }

  /** A 64-bit unsigned field as a number (values past 2^53 are reported as such by the caller). */
  uint64(slot: number): number {
    const at = this.field(slot, 8);
    return at ? Number(this.f.bb.readUint64(at)) : 0;
  }

  /** The sub-table a field points at, or undefined when absent. */
  table(slot: number, name: string): Table | undefined {
    const at = this.field(slot, 4);
    return at ? this.f.table(at + this.f.bb.readUint32(at), `${this.where}.${name}`) : undefined;
  }

  string(slot: number): string | undefined {
    const v = this.vector(slot, 1, 'name');
    return v && new TextDecoder('utf-8', { fatal: false }).decode(this.f.bytes.subarray(v.at, v.at + v.length));
  }

  /** A vector field: where its elements start and how many there are (each `elementBytes` wide). */
  vector(slot: number, elementBytes: number, name: string): { at: number; length: number } | undefined {
    const at = this.field(slot, 4);
    if (!at) return undefined;
    const start = at + this.f.bb.readUint32(at);
    const where = `${this.where}.${name}`;
    this.f.need(start, 4, where);
    const length = this.f.bb.readUint32(start);
    this.f.need(start + 4, length * elementBytes, `${where} (${length} elements)`);
    return { at: start + 4, length };
  }

  int32s(slot: number, name: string): number[] {
    const v = this.vector(slot, 4, name);
    return v ? Array.from({ length: v.length }, (_, i) => this.f.bb.readInt32(v.at + 4 * i)) : [];
  }

  float32s(slot: number, name: string): number[] {
    const v = this.vector(slot, 4, name);
    return v ? Array.from({ length: v.length }, (_, i) => this.f.bb.readFloat32(v.at + 4 * i)) : [];
  }

  int64s(slot: number, name: string): number[] {
    const v = this.vector(slot, 8, name);
    return v ? Array.from({ length: v.length }, (_, i) => Number(this.f.bb.readInt64(v.at + 8 * i))) : [];
  }

  /** The bytes of a [ubyte] field (a view, not a copy). */
  bytes(slot: number, name: string): Uint8Array | undefined {
    const v = this.vector(slot, 1, name);
    return v && this.f.bytes.subarray(v.at, v.at + v.length);
  }

  /** The tables of a [Table] field. */
  tables(slot: number, name: string): Table[] {
    const v = this.vector(slot, 4, name);
    if (!v) return [];
    return Array.from({ length: v.length }, (_, i) => {
      const at = v.at + 4 * i;
      return this.f.table(at + this.f.bb.readUint32(at), `${this.where}.${name}[${i}]`);
    });
  }
}
