/**
 * Rows in PostgreSQL's binary COPY format (COPY docs, "Binary Format"):
 * header, tuples of length-prefixed big-endian fields, trailer: the fastest
 * way into PostgreSQL on one connection. The projector sends decoded rows
 * this way on PostgreSQL (./projector.ts); the storage bench's baseline is
 * plain COPY of the same rows. The embedded host refuses COPY FROM STDIN
 * (./pglite-host.ts).
 */
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type pg from 'pg'
import { from as copyFrom } from 'pg-copy-streams'
import { FieldWriter, FLOAT4, FLOAT8, INT2, INT4, INT8, TIMESTAMPTZ } from './binary-array.js'

export class BinaryCopy extends FieldWriter {
  tuples = 0

  constructor (initialBytes = 1 << 16) {
    super(initialBytes)
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

  int2 (v: number): this { this.field(INT2, v); return this }
  int4 (v: number): this { this.field(INT4, v); return this }
  int8 (v: number): this { this.field(INT8, v); return this }
  float4 (v: number): this { this.field(FLOAT4, v); return this }
  float8 (v: number): this { this.field(FLOAT8, v); return this }
  /** microseconds since the Unix epoch -> timestamptz */
  timestamp (us: number): this { this.field(TIMESTAMPTZ, us); return this }
  bytes (b: Uint8Array): this { this.bytesField(b); return this }

  /** the COPY data with its trailer */
  finish (): Buffer {
    this.room(2)
    this.at = this.buf.writeInt16BE(-1, this.at)
    return this.buf.subarray(0, this.at)
  }
}

/** Runs `COPY ... FROM STDIN (FORMAT binary)` with `data` on `client`. */
export async function copyIn (client: pg.ClientBase, sql: string, data: BinaryCopy): Promise<void> {
  await pipeline(Readable.from([data.finish()]), client.query(copyFrom(sql)))
}
