/**
 * Rows in PostgreSQL's binary COPY format (COPY docs, "Binary Format"):
 * header, tuples of length-prefixed big-endian fields, trailer: the fastest
 * way into PostgreSQL on one connection, the storage bench's baseline.
 */
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type pg from 'pg'
import { from as copyFrom } from 'pg-copy-streams'
import { PG_EPOCH_US, writeFloat4, writeInt8 } from '../../storage/binary-array.js'


export class BinaryCopy {
  private buf: Buffer
  private at = 0
  tuples = 0

  constructor (initialBytes = 1 << 16) {
    this.buf = Buffer.allocUnsafe(initialBytes)
    this.start()
  }

  /** empties it for the next COPY */
  start (): void {
    this.at = 0
    this.tuples = 0
    this.room(19)
    this.at += this.buf.write('PGCOPY\n\xff\r\n\0', this.at, 'latin1')
    this.at = this.buf.writeInt32BE(0, this.at) // flags
    this.at = this.buf.writeInt32BE(0, this.at) // header extension length
  }

  tuple (fields: number): this {
    this.tuples++
    this.room(2)
    this.at = this.buf.writeInt16BE(fields, this.at)
    return this
  }

  int2 (v: number): this { this.room(6); this.at = this.buf.writeInt32BE(2, this.at); this.at = this.buf.writeInt16BE(v, this.at); return this }
  int4 (v: number): this { this.room(8); this.at = this.buf.writeInt32BE(4, this.at); this.at = this.buf.writeInt32BE(v, this.at); return this }
  float4 (v: number): this { this.room(8); this.at = this.buf.writeInt32BE(4, this.at); this.at = writeFloat4(this.buf, this.at, v); return this }
  float8 (v: number): this { this.room(12); this.at = this.buf.writeInt32BE(8, this.at); this.at = this.buf.writeDoubleBE(v, this.at); return this }
  int8 (v: number): this { this.room(12); this.at = this.buf.writeInt32BE(8, this.at); this.at = writeInt8(this.buf, this.at, v); return this }

  /** microseconds since the Unix epoch -> timestamptz */
  timestamp (us: number): this { return this.int8(us - PG_EPOCH_US) }

  bytes (b: Uint8Array): this {
    this.room(4 + b.byteLength)
    this.at = this.buf.writeInt32BE(b.byteLength, this.at)
    this.buf.set(b, this.at)
    this.at += b.byteLength
    return this
  }

  /** the COPY data with its trailer */
  finish (): Buffer {
    this.room(2)
    this.at = this.buf.writeInt16BE(-1, this.at)
    return this.buf.subarray(0, this.at)
  }

  private room (n: number): void {
    if (this.at + n <= this.buf.length) return
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + n))
    this.buf.copy(next, 0, 0, this.at)
    this.buf = next
  }
}

/** Runs `COPY ... FROM STDIN (FORMAT binary)` with `data` on `client`. */
export async function copyIn (client: pg.ClientBase, sql: string, data: BinaryCopy): Promise<void> {
  await pipeline(Readable.from([data.finish()]), client.query(copyFrom(sql)))
}
