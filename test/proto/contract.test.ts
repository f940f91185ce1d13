/**
 * The wire contract: the generated code matches the .proto files, and what
 * Pitwall encodes decodes with another protobuf implementation (protoc), not
 * only with protobufjs.
 */
import t from 'tap'
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { pitwall } from '../../proto/index.js'
import { testBatch } from '../helpers/batches.js'

const protoDir = fileURLToPath(new URL('../../proto/', import.meta.url))

t.test('generated code is in step with the .proto files', async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'pitwall-proto-'))
  execFileSync(process.execPath, [join(protoDir, 'generate.mjs'), '--out', out], { stdio: 'pipe' })
  for (const file of ['pitwall.js', 'pitwall.d.ts']) {
    t.equal(readFileSync(join(out, file), 'utf8'), readFileSync(join(protoDir, 'gen', file), 'utf8'),
      `proto/gen/${file} is stale: run npm run proto`)
  }
})

const protoc = spawnSync('protoc', ['--version']).status === 0
const noProtoc = protoc ? false : 'protoc not installed (apt-get install protobuf-compiler)'

function protocDecode (type: string, bytes: Uint8Array): string {
  return execFileSync('protoc', [`--proto_path=${protoDir}`, `--decode=${type}`, 'telemetry.proto', 'command.proto'], { input: bytes }).toString()
}

function protocEncode (type: string, text: string): Buffer {
  return execFileSync('protoc', [`--proto_path=${protoDir}`, `--encode=${type}`, 'telemetry.proto', 'command.proto'], { input: text })
}

t.test('a TelemetryBatch encoded by Pitwall decodes with protoc', { skip: noProtoc }, async (t) => {
  const text = protocDecode('pitwall.v1.TelemetryBatch', testBatch({ vin: 'WDB12345678901234', seq: 42, baseTimeUs: 1_700_000_000_123_456, frames: 2 }))
  t.match(text, /vin: "WDB12345678901234"/)
  t.match(text, /seq: 42/)
  t.match(text, /base_time_us: 1700000000123456/)
  t.match(text, /id: 256\s+id: 257/, 'packed CAN id column')
  t.match(text, /lat_e7: 481372000/)
  t.match(text, /dtc: 196864/)
  t.match(text, /value: 231\.5/)
})

t.test('a TelemetryBatch encoded by protoc decodes in Pitwall, extended ids and CAN FD lengths included', { skip: noProtoc }, async (t) => {
  const bytes = protocEncode('pitwall.v1.TelemetryBatch', `
    vin: "WDB12345678901234" seq: 9007199254740991 base_time_us: 1700000000000000
    can { bus: 1 dt_us: [0, 10] id: [2147484159, 291] len: [64, 8] data: "${'\\x01'.repeat(72)}" flags: [3, 0] }`)
  const batch = pitwall.v1.TelemetryBatch.decode(bytes)
  t.equal(batch.seq, Number.MAX_SAFE_INTEGER)
  t.same(batch.can[0]?.id, [0x8000_01ff, 0x123])
  t.same(batch.can[0]?.len, [64, 8])
  t.equal(batch.can[0]?.data?.length, 72)
})

t.test('a SignedCommand and its Command round-trip through protoc', { skip: noProtoc }, async (t) => {
  const command = pitwall.v1.Command.encode({
    id: 'cmd-1',
    vin: 'WDB12345678901234',
    issuedAtMs: 1_700_000_000_000,
    expiresAtMs: 1_700_000_600_000,
    nonce: new Uint8Array(16).fill(7),
    action: { name: 'reset_ecu', params: { ecu: '0x7E0' } }
  }).finish()
  const signed = pitwall.v1.SignedCommand.encode({ command, keyId: 'k1', signature: new Uint8Array(64).fill(1) }).finish()
  t.match(protocDecode('pitwall.v1.SignedCommand', signed), /key_id: "k1"/)
  const text = protocDecode('pitwall.v1.Command', command)
  t.match(text, /name: "reset_ecu"/)
  t.match(text, /key: "ecu"\s+value: "0x7E0"/)
  const ack = protocEncode('pitwall.v1.CommandAck', 'id: "cmd-1" state: REJECTED detail: "signature invalid" time_ms: 1700000000001')
  const decoded = pitwall.v1.CommandAck.decode(ack)
  t.equal(decoded.state, pitwall.v1.CommandAck.State.REJECTED)
  t.equal(decoded.detail, 'signature invalid')
})
