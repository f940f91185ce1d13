/**
 * Writes small ULog files byte by byte for the cases the fixtures do not
 * cover. Follows the PX4 ULog file format: a 16-byte header, then messages of
 * uint16 size, uint8 type, body (little-endian throughout).
 */
export class UlogBuilder {
  private readonly parts: Uint8Array[] = []

  constructor (startUs = 0n, version = 1) {
    const header = new Uint8Array(16)
    header.set([0x55, 0x4c, 0x6f, 0x67, 0x01, 0x12, 0x35, version])
    new DataView(header.buffer).setBigUint64(8, startUs, true)
    this.parts.push(header)
  }

  /** Bytes written so far: the offset of the next message. */
  get length (): number {
    return this.parts.reduce((n, p) => n + p.length, 0)
  }

  message (type: string, body: Uint8Array): this {
    const head = new Uint8Array(3)
    new DataView(head.buffer).setUint16(0, body.length, true)
    head[2] = type.charCodeAt(0)
    this.parts.push(head, body)
    return this
  }

  flagBits (appendedOffsets: readonly bigint[] = [], incompat0 = appendedOffsets.length > 0 ? 1 : 0): this {
    const body = new Uint8Array(40)
    body[8] = incompat0
    const view = new DataView(body.buffer)
    appendedOffsets.forEach((o, i) => view.setBigUint64(16 + 8 * i, o, true))
    return this.message('B', body)
  }

  format (text: string): this {
    return this.message('F', ascii(text))
  }

  info (key: string, value: Uint8Array): this {
    const k = ascii(key)
    return this.message('I', concat(Uint8Array.of(k.length), k, value))
  }

  parameter (key: string, value: Uint8Array): this {
    const k = ascii(key)
    return this.message('P', concat(Uint8Array.of(k.length), k, value))
  }

  addLogged (msgId: number, name: string, multiId = 0): this {
    const body = new Uint8Array(3)
    body[0] = multiId
    new DataView(body.buffer).setUint16(1, msgId, true)
    return this.message('A', concat(body, ascii(name)))
  }

  removeLogged (msgId: number): this {
    const body = new Uint8Array(2)
    new DataView(body.buffer).setUint16(0, msgId, true)
    return this.message('R', body)
  }

  data (msgId: number, fields: Uint8Array): this {
    const id = new Uint8Array(2)
    new DataView(id.buffer).setUint16(0, msgId, true)
    return this.message('D', concat(id, fields))
  }

  log (timestampUs: bigint, text: string, level = 6): this {
    const head = new Uint8Array(9)
    head[0] = 0x30 + level
    new DataView(head.buffer).setBigUint64(1, timestampUs, true)
    return this.message('L', concat(head, ascii(text)))
  }

  dropout (ms: number): this {
    const body = new Uint8Array(2)
    new DataView(body.buffer).setUint16(0, ms, true)
    return this.message('O', body)
  }

  sync (): this {
    return this.message('S', Uint8Array.of(0x2f, 0x73, 0x13, 0x20, 0x25, 0x0c, 0xbb, 0x12))
  }

  raw (bytes: Uint8Array): this {
    this.parts.push(bytes)
    return this
  }

  bytes (): Uint8Array {
    return concatAll(this.parts)
  }
}

/** Little-endian field bytes: `fields(['u64', 1000n], ['f32', 1.5])`. */
export type FieldValue =
  | readonly ['u8' | 'i8' | 'bool' | 'u16' | 'i16' | 'u32' | 'i32' | 'f32' | 'f64', number]
  | readonly ['u64' | 'i64', bigint]
  | readonly ['char', string, number]
  | readonly ['pad', number]

export function fields (...values: FieldValue[]): Uint8Array {
  const out: number[] = []
  for (const v of values) {
    const scratch = new DataView(new ArrayBuffer(8))
    let n = 0
    switch (v[0]) {
      case 'u8': case 'bool': scratch.setUint8(0, v[1]); n = 1; break
      case 'i8': scratch.setInt8(0, v[1]); n = 1; break
      case 'u16': scratch.setUint16(0, v[1], true); n = 2; break
      case 'i16': scratch.setInt16(0, v[1], true); n = 2; break
      case 'u32': scratch.setUint32(0, v[1], true); n = 4; break
      case 'i32': scratch.setInt32(0, v[1], true); n = 4; break
      case 'f32': scratch.setFloat32(0, v[1], true); n = 4; break
      case 'f64': scratch.setFloat64(0, v[1], true); n = 8; break
      case 'u64': scratch.setBigUint64(0, v[1], true); n = 8; break
      case 'i64': scratch.setBigInt64(0, v[1], true); n = 8; break
      case 'char': { const b = ascii(v[1].padEnd(v[2], '\0').slice(0, v[2])); out.push(...b); continue }
      case 'pad': out.push(...new Array<number>(v[1]).fill(0)); continue
    }
    for (let i = 0; i < n; i++) out.push(scratch.getUint8(i))
  }
  return Uint8Array.from(out)
}

export function ascii (text: string): Uint8Array {
  return new TextEncoder().encode(text)
}

export function concat (...parts: Uint8Array[]): Uint8Array {
  return concatAll(parts)
}

function concatAll (parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) { out.set(p, at); at += p.length }
  return out
}
