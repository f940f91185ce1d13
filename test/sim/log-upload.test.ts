/**
 * The simulated T-box's side of a log upload: what it keeps of its bus (a
 * window, bounded), how it answers a log-upload command (IN_PROGRESS, then
 * SUCCEEDED or FAILED with why; a T-box that keeps no logs fails it), and
 * its uploader against a server that cuts it off and refuses it: it resumes
 * where the server says and gives up with the server's reason.
 */
import { generateKeyPairSync } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { commandKeyId } from '../../actions/commands/keys.js'
import { CommandSigner, CommandVerifier, newCommand } from '../../actions/commands/signing.js'
import { parseCandumpLine } from '../../decoders/can/candump.js'
import { pitwall } from '../../proto/index.js'
import { BatchBuilder } from '../../sim/batch-builder.js'
import { CommandExecutor, type CommandExecutorOptions } from '../../sim/command-executor.js'
import { CanLogRecorder } from '../../sim/log-recorder.js'
import { uploadLog, UploadRefused } from '../../sim/log-uploader.js'
import { VehicleModel } from '../../sim/vehicle-model.js'

const State = pitwall.v1.CommandAck.State
const VIN = 'WPWSIMLG000000001'
const T0_MS = Date.parse('2026-11-23T08:00:00Z')

t.test('the recorder keeps its last seconds and writes a window as candump lines, in time order', async (t) => {
  const builder = new BatchBuilder({ vin: VIN, model: new VehicleModel({ seed: 1 }), seed: 2 })
  const recorder = new CanLogRecorder(10)
  for (let s = 0; s < 30; s++) recorder.record((T0_MS + s * 1000) * 1000, 1_000_000, builder.build((T0_MS + s * 1000) * 1000, 1_000_000).payload)
  t.equal(recorder.oldestMs, T0_MS + 19_000, 'only the last 10 s (and the window in progress) are kept')
  const lines = recorder.candump(T0_MS + 25_000, T0_MS + 26_000).toString('latin1').trimEnd().split('\n')
  t.ok(lines.length > 50, `${lines.length} frames in a second`)
  const frames = lines.map((l) => parseCandumpLine(l))
  const times = frames.map((f) => f?.timeS as number)
  t.ok(times.every((s, i) => s >= T0_MS / 1000 + 25 && s <= T0_MS / 1000 + 26 && (i === 0 || s >= (times[i - 1] as number))), 'inside the window, in order')
  t.ok(frames.every((f) => f?.iface === 'can0'))
  t.equal(recorder.candump(T0_MS, T0_MS + 5000).length, 0, 'nothing from before what is kept')
})

/** A server holding one upload, answering as the gateway's upload route does; `cutAfter` breaks the first PUT's connection after that many bytes. */
function fakeGateway (options: { token: string, cutAfter?: number, refuseAt?: number }): { start: () => Promise<string>, stop: () => Promise<void>, held: () => Buffer, puts: () => number } {
  let held = Buffer.alloc(0)
  let puts = 0
  let cut = options.cutAfter
  const answer = (res: ServerResponse, status: number, body: object): void => {
    res.writeHead(status, { 'content-type': 'application/json', 'upload-offset': String(held.length) })
    res.end(JSON.stringify(body))
  }
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.headers.authorization !== `Bearer ${options.token}`) { answer(res, 401, { code: 'PITWALL_ERR_UPLOAD_TOKEN', message: 'wrong token' }); return }
    if (req.method === 'GET') { answer(res, 200, { state: 'receiving', received: held.length }); return }
    puts++
    const [, start, , total] = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(req.headers['content-range'] ?? '') ?? []
    if (Number(start) !== held.length) { answer(res, 409, { code: 'PITWALL_ERR_UPLOAD_OFFSET', message: `has ${held.length}` }); req.resume(); return }
    if (options.refuseAt !== undefined && held.length >= options.refuseAt) { answer(res, 413, { code: 'PITWALL_ERR_UPLOAD_TOO_LARGE', message: 'too large' }); req.resume(); return }
    req.on('data', (d: Buffer) => {
      if (cut !== undefined) {
        const keep = Math.max(0, cut - held.length)
        held = Buffer.concat([held, d.subarray(0, keep)])
        if (held.length >= cut) { cut = undefined; req.socket.destroy() }
        return
      }
      held = Buffer.concat([held, d])
    })
    req.on('end', () => { answer(res, 200, { state: held.length === Number(total) ? 'complete' : 'receiving', received: held.length, sha256: null }) })
  })
  return {
    start: async () => await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/uploads/1`))),
    stop: async () => await new Promise((resolve) => server.close(() => resolve())),
    held: () => held,
    puts: () => puts
  }
}

t.test('the uploader sends chunks, resumes where the server holds bytes after a cut, and gives up with the server\'s reason', async (t) => {
  const log = Buffer.from(Array.from({ length: 3000 }, (_, i) => `(${T0_MS / 1000 + i}.000000) can0 123#${(i & 0xff).toString(16).padStart(2, '0')}`).join('\n') + '\n')
  const gateway = fakeGateway({ token: 'pwu_t', cutAfter: 10_000 })
  const url = await gateway.start()
  t.teardown(gateway.stop)
  const done = await uploadLog({ url, token: 'pwu_t', contentType: 'text/x-candump', chunkBytes: 16 * 1024 }, log)
  t.match(done, { state: 'complete', received: log.length })
  t.same(gateway.held(), log, 'every byte once, in order, across the cut')
  t.ok(gateway.puts() > Math.ceil(log.length / (16 * 1024)), 'the cut chunk was resumed')

  const refusing = fakeGateway({ token: 'pwu_t', refuseAt: 0 })
  const refusingUrl = await refusing.start()
  t.teardown(refusing.stop)
  await t.rejects(uploadLog({ url: refusingUrl, token: 'pwu_t', contentType: 'text/x-candump' }, log), { name: 'UploadRefused', httpStatus: 413, code: 'PITWALL_ERR_UPLOAD_TOO_LARGE' })
  await t.rejects(uploadLog({ url: refusingUrl, token: 'pwu_wrong', contentType: 'text/x-candump' }, log), { httpStatus: 401, code: 'PITWALL_ERR_UPLOAD_TOKEN' })
})

/** Runs a log-upload command on an executor and returns its acks. */
async function run (options: Pick<CommandExecutorOptions, 'uploadLog'>): Promise<pitwall.v1.CommandAck[]> {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  const keyId = commandKeyId(publicKey)
  const acks: pitwall.v1.CommandAck[] = []
  const executor = new CommandExecutor({ verifier: new CommandVerifier({ vin: VIN, trustedKeys: new Map([[keyId, publicKey]]) }), publishAck: (p) => acks.push(pitwall.v1.CommandAck.decode(p)), stepMs: 0, ...options })
  executor.handle(new CommandSigner({ keyId, privateKey }).sign(newCommand({
    id: 'log-1', vin: VIN, ttlMs: 60_000, body: { diagnostic: { logUpload: { fromMs: T0_MS, toMs: T0_MS + 1000, kind: 'candump', uploadUrl: 'http://gw/api/v1/uploads/1', uploadToken: 'pwu_x', maxBytes: 1000, uploadExpiresAtMs: T0_MS + 60_000 } } }
  })))
  const deadline = Date.now() + 5000
  while (!acks.some((a) => a.state === State.SUCCEEDED || a.state === State.FAILED)) {
    if (Date.now() > deadline) throw new Error('no final ack')
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  executor.close()
  return acks
}

t.test('a log-upload command is acked IN_PROGRESS, then SUCCEEDED or FAILED with why; a T-box without logs fails it', async (t) => {
  let seen: pitwall.v1.LogUpload | undefined
  const ok = await run({ uploadLog: async (upload) => { seen = upload; return { ok: true, detail: 'uploaded 10 bytes' } } })
  t.same(ok.map((a) => a.state), [State.ACCEPTED, State.IN_PROGRESS, State.SUCCEEDED])
  t.equal(ok.at(-1)?.detail, 'uploaded 10 bytes')
  t.match(seen, { kind: 'candump', uploadUrl: 'http://gw/api/v1/uploads/1', uploadToken: 'pwu_x' }, 'the T-box gets the URL and token the gateway signed')
  t.equal(Number(seen?.maxBytes), 1000)
  const failed = await run({ uploadLog: async () => { throw new UploadRefused(413, 'PITWALL_ERR_UPLOAD_TOO_LARGE', 'too large') } })
  t.match(failed.at(-1), { state: State.FAILED, detail: /413 PITWALL_ERR_UPLOAD_TOO_LARGE: too large/ })
  const none = await run({})
  t.match(none.at(-1), { state: State.FAILED, detail: 'this T-box does not upload logs' })
})
