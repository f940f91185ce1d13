/**
 * Log uploads over HTTP, on one backend, through a listening fastify of
 * the test's own (real sockets: an upload cut off mid-body must be one): a
 * T-box's chunked upload that is cut, resumed and completed, after which its
 * token is spent; tokens that are missing, wrong, another upload's or
 * expired; bytes of the wrong kind; logs over the cap; the cap on unfinished
 * uploads per vehicle; an engineer's upload and its denials; the log routes'
 * refusals; and the OpenAPI document with the log routes in it.
 */
import { createHash } from 'node:crypto'
import { readFile, stat } from 'node:fs/promises'
import { request, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import SwaggerParser from '@apidevtools/swagger-parser'
import Fastify from 'fastify'
import t from 'tap'
import { hashUploadToken, ULOG_MAGIC } from '../../actions/logs/policy.js'
import { registerApi } from '../../gateway/api/index.js'
import { OPENAPI_PATH } from '../../gateway/api/openapi.js'
import { LogFiles } from '../../gateway/log-files.js'
import { LogReplayer } from '../../gateway/log-replayer.js'
import { LogUploads } from '../../gateway/log-uploads.js'
import { createLogger } from '../../gateway/logger.js'
import { createMetrics } from '../../gateway/metrics.js'
import { openTestStorage } from '../actions/dealer-fixtures.js'
import { roleTokens } from '../helpers/api-client.js'
import { oneBackend } from '../helpers/backends.js'
import { until } from '../helpers/until.js'

const CAP = 64 * 1024
const HOUR = 3_600_000

interface Answer { status: number, headers: IncomingHttpHeaders, json: any } // eslint-disable-line @typescript-eslint/no-explicit-any -- answers are read by path

/** A candump log of `frames` lines, 2 ms apart. */
function candump (frames: number, startS = 1_790_000_000): Buffer {
  const lines: string[] = []
  for (let i = 0; i < frames; i++) lines.push(`(${(startS + i * 0.002).toFixed(6)}) can0 2A0#${(i & 0xff).toString(16).padStart(2, '0').toUpperCase()}00000000000000`)
  return Buffer.from(lines.join('\n') + '\n')
}

for (const backend of [await oneBackend()]) {
  t.test(`on ${backend}`, async (t) => {
    const storage = await openTestStorage(t, backend)
    const files = await LogFiles.open('memory://')
    t.teardown(async () => { await files.close() })
    const log = createLogger('silent')
    const metrics = createMetrics()
    const replayer = new LogReplayer({ store: storage.vehicleLogs, files, rules: storage.rules, manifests: storage.manifests, log, intervalMs: 3_600_000 })
    let base = ''
    const uploads = new LogUploads({
      store: storage.vehicleLogs,
      commands: storage.commands,
      files,
      limits: { maxBytes: CAP, unfinishedPerVehicle: 2, uploadWindowMs: HOUR },
      publicUrl: () => base,
      log,
      registry: metrics.registry,
      completed: () => { replayer.kick() }
    })
    const app = Fastify()
    // many requests from one address, many of them refused: neither the rate limit nor the token back-off may be what answers
    registerApi(app, { storage, metrics, limits: { failuresBeforeBackoff: 1000, maxBackoffMs: 1000, requestsPerMinute: 100_000 }, logs: { uploads, replayer } })
    await app.listen({ host: '127.0.0.1', port: 0 })
    t.teardown(async () => { await app.close() })
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
    const { engineer, operator, dealer } = await roleTokens(storage.apiTokens)

    const http = async (method: string, path: string, headers: Record<string, string> = {}, body?: Buffer | string): Promise<Answer> => {
      const res = await fetch(`${base}${path}`, { method, headers, body })
      const text = await res.text()
      return { status: res.status, headers: Object.fromEntries(res.headers), json: text === '' ? undefined : JSON.parse(text) }
    }
    const api = async (method: string, path: string, bearer: string | undefined, body?: unknown): Promise<Answer> =>
      await http(method, path, { ...(bearer === undefined ? {} : { authorization: `Bearer ${bearer}` }), ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body === undefined ? undefined : JSON.stringify(body))

    let next = 0
    const vehicle = async (): Promise<string> => {
      const vin = `WUP1234567890${String(next++).padStart(4, '0')}`
      await storage.vehicles.add({ vin, model: 'PW-UP' }, 'scrypt$x')
      return vin
    }
    /** A log-upload command queued through the API, and the grant its first delivery would carry. */
    const asked = async (vin: string, kind = 'candump'): Promise<{ id: number, url: string, token: string, commandId: string }> => {
      const res = await api('POST', '/api/v1/commands', engineer, { vin, diagnostic: { logUpload: { from: '2026-11-23T08:00:00Z', to: '2026-11-23T08:10:00Z', kind } } })
      t.equal(res.status, 201, JSON.stringify(res.json))
      const id = res.json.body.diagnostic.logUpload.logId as number
      const grant = await uploads.grant(id)
      t.equal(grant.uploadUrl, `${base}/api/v1/uploads/${id}`)
      return { id, url: `/api/v1/uploads/${id}`, token: grant.uploadToken, commandId: res.json.id }
    }
    const put = async (upload: { url: string, token: string }, body: Buffer, headers: Record<string, string> = {}): Promise<Answer> =>
      await http('PUT', upload.url, { authorization: `Bearer ${upload.token}`, 'content-type': 'text/x-candump', ...headers }, body)

    t.test('a T-box uploads in chunks; an upload cut mid-body keeps what arrived and resumes there; completion spends the token', async (t) => {
      const upload = await asked(await vehicle())
      const log = candump(600)
      const total = log.length
      const start = await http('GET', upload.url, { authorization: `Bearer ${upload.token}` })
      t.equal(start.status, 200)
      t.match(start.json, { id: upload.id, kind: 'candump', state: 'receiving', received: 0, size: null, maxBytes: CAP })
      t.equal(start.headers['upload-offset'], '0')
      const head = await http('HEAD', upload.url, { authorization: `Bearer ${upload.token}` })
      t.equal(head.headers['upload-offset'], '0', 'HEAD says where to resume, without a body')

      const first = await put(upload, log.subarray(0, 4000), { 'content-range': `bytes 0-3999/${total}` })
      t.equal(first.status, 200, JSON.stringify(first.json))
      t.match(first.json, { received: 4000, size: total, state: 'receiving' })

      // the next chunk's connection breaks after 3000 of its 8000 bytes
      await new Promise<void>((resolve) => {
        const req = request(`${base}${upload.url}`, {
          method: 'PUT', headers: { authorization: `Bearer ${upload.token}`, 'content-type': 'text/x-candump', 'content-range': `bytes 4000-11999/${total}`, 'content-length': '8000' }
        })
        req.on('error', () => resolve())
        req.write(log.subarray(4000, 7000), () => { setTimeout(() => { req.destroy(); resolve() }, 100) })
      })
      const cut = await until('the cut upload to be recorded', async () => {
        const got = await http('GET', upload.url, { authorization: `Bearer ${upload.token}` })
        return got.json.received > 4000 ? got : undefined
      })
      t.equal(cut.json.received, 7000, 'what arrived before the cut is kept')
      t.equal(cut.json.state, 'receiving')

      const again = await put(upload, log.subarray(4000, 12000), { 'content-range': `bytes 4000-11999/${total}` })
      t.equal(again.status, 409, 'a chunk must start at the bytes held')
      t.match(again.json, { code: 'PITWALL_ERR_UPLOAD_OFFSET', message: /has 7000 bytes; a chunk must start there, not at 4000/ })

      const rest = await put(upload, log.subarray(7000), { 'content-range': `bytes 7000-${total - 1}/${total}` })
      t.equal(rest.status, 200, JSON.stringify(rest.json))
      t.match(rest.json, { state: 'complete', received: total, size: total, sha256: createHash('sha256').update(log).digest('hex') })
      t.equal(rest.headers['upload-offset'], String(total))
      const path = files.path(upload.id, 'candump')
      t.same(await readFile(path), log, 'the file is the log, byte for byte')
      t.equal((await stat(path)).mode & 0o777, 0o600)

      const spent = await put(upload, log.subarray(0, 10), { 'content-range': `bytes ${total}-${total + 9}/${total + 10}` })
      t.equal(spent.status, 403)
      t.match(spent.json, { code: 'PITWALL_ERR_UPLOAD_SPENT', message: /complete: its token was spent/ })
      t.match((await http('GET', upload.url, { authorization: `Bearer ${upload.token}` })).json, { state: /^(complete|decoded)$/, received: total }, 'a T-box that lost the last answer can still ask')
      const decoded = await until('the replay', async () => {
        const got = await api('GET', `/api/v1/logs/${upload.id}`, operator)
        return got.json.log.state === 'decoded' ? got.json : undefined
      })
      t.match(decoded.report, { frames: 600, decodedWith: 'none', unknownFrames: 600 }, 'no manifest for the model: every frame is unknown, and counted')
      const counted = await metrics.registry.getSingleMetricAsString('pitwall_log_upload_requests_total')
      t.match(counted, /outcome="complete"} 1/)
      t.match(counted, /outcome="truncated"} 1/)
    })

    t.test('a token opens only its upload, and only while it may: none, wrong, another\'s, expired', async (t) => {
      const mine = await asked(await vehicle())
      const theirs = await asked(await vehicle())
      const body = candump(10)
      const refusals: Array<[Record<string, string>, number, string]> = [
        [{}, 401, 'PITWALL_ERR_UPLOAD_TOKEN'],
        [{ authorization: 'Bearer nonsense' }, 401, 'PITWALL_ERR_UPLOAD_TOKEN'],
        [{ authorization: `Bearer pwu_${'A'.repeat(43)}` }, 401, 'PITWALL_ERR_UPLOAD_TOKEN'],
        [{ authorization: `Bearer ${theirs.token}` }, 401, 'PITWALL_ERR_UPLOAD_TOKEN'],
        [{ authorization: `Bearer ${engineer}` }, 401, 'PITWALL_ERR_UPLOAD_TOKEN']
      ]
      for (const [headers, status, code] of refusals) {
        const res = await http('PUT', mine.url, { 'content-type': 'text/x-candump', ...headers }, body)
        t.equal(res.status, status, JSON.stringify(headers))
        t.equal(res.json.code, code)
      }
      t.equal((await http('GET', mine.url, { authorization: `Bearer ${theirs.token}` })).status, 401, 'nor may it read another upload')
      t.match((await storage.vehicleLogs.get(mine.id)), { received: 0, state: 'receiving' }, 'nothing was written')

      const retry = await uploads.grant(mine.id)
      t.not(retry.uploadToken, mine.token, 'each delivery carries a fresh token')
      t.equal((await http('GET', mine.url, { authorization: `Bearer ${mine.token}` })).status, 200, 'the first delivery\'s token still opens it')

      const expired = await storage.vehicleLogs.reserve({ vin: await vehicle(), kind: 'candump', uploadedBy: 'vehicle', requestedBy: 'alice', uploadWindowMs: -1000, maxUnfinished: 5 })
      const old = 'pwu_' + 'B'.repeat(43)
      await storage.vehicleLogs.addToken(expired.id, hashUploadToken(old), 8)
      const late = await http('PUT', `/api/v1/uploads/${expired.id}`, { authorization: `Bearer ${old}`, 'content-type': 'text/x-candump' }, body)
      t.equal(late.status, 403)
      t.match(late.json, { code: 'PITWALL_ERR_UPLOAD_EXPIRED', message: /expired at/ })
    })

    t.test('bytes must be the kind asked for; a refused chunk keeps nothing', async (t) => {
      const upload = await asked(await vehicle())
      const declared = await put(upload, candump(5), { 'content-type': 'application/x-ulog' })
      t.equal(declared.status, 415)
      t.match(declared.json, { code: 'PITWALL_ERR_UPLOAD_TYPE', message: /declares a ulog log; upload \d+ is for a candump log/ })
      const binary = await put(upload, Buffer.concat([candump(50), Buffer.from(ULOG_MAGIC)]), { 'content-type': 'application/octet-stream' })
      t.equal(binary.status, 415)
      t.match(binary.json, { code: 'PITWALL_ERR_UPLOAD_TYPE', message: /not a candump log: byte \d+ is 0x01, not text/ })
      t.equal((await stat(files.path(upload.id, 'candump'))).size, 0, 'the bytes before the bad one are cut off too')
      t.equal((await put(upload, Buffer.from('{"a":1}'), { 'content-type': 'application/json' })).status, 415, 'a Content-Type that is no log')
      t.match(await storage.vehicleLogs.get(upload.id), { received: 0, state: 'receiving' })

      const ulog = await asked(await vehicle(), 'ulog')
      const fake = await put(ulog, Buffer.from('ULog but not really'), { 'content-type': 'application/x-ulog' })
      t.equal(fake.status, 415)
      t.match(fake.json, { message: /not a ULog: byte 4 is 0x20/ })
      const real = await put(ulog, Buffer.concat([Buffer.from(ULOG_MAGIC), Buffer.from([1]), Buffer.alloc(100)]), { 'content-type': 'application/x-ulog', 'content-range': 'bytes 0-107/108' })
      t.equal(real.status, 200, 'the magic opens the way: the rest is the decoder\'s to judge')
      t.match(real.json, { received: 108, state: 'complete' })
      const judged = await until('the decoder\'s judgement', async () => {
        const got = await storage.vehicleLogs.get(ulog.id)
        return got.state === 'complete' ? undefined : got
      })
      t.match(judged, { state: 'failed', detail: /PITWALL_ERR_ULOG|ULog|byte/ }, 'a log the decoder cannot read is failed, saying why')
    })

    t.test('a log over the cap: a total past it is refused before a byte is read; a body that grows past it leaves nothing', async (t) => {
      const upload = await asked(await vehicle())
      const declared = await put(upload, candump(10), { 'content-range': `bytes 0-99/${CAP + 1}` })
      t.equal(declared.status, 413)
      t.match(declared.json, { code: 'PITWALL_ERR_UPLOAD_TOO_LARGE', message: new RegExp(`declares ${CAP + 1} bytes; a log may be at most ${CAP} bytes`) })
      t.match(await storage.vehicleLogs.get(upload.id), { state: 'receiving', received: 0 }, 'refused before anything was kept')

      const big = candump(3000)
      t.ok(big.length > CAP)
      const grown = await put(upload, big)
      t.equal(grown.status, 413)
      t.equal(grown.json.code, 'PITWALL_ERR_UPLOAD_TOO_LARGE')
      t.match(await storage.vehicleLogs.get(upload.id), { state: 'failed', detail: /went past 65536 bytes/ })
      t.notOk(await files.exists(upload.id, 'candump'), 'nothing of it is kept')
      t.equal((await put(upload, candump(5))).json.code, 'PITWALL_ERR_UPLOAD_SPENT', 'and the upload is over')
    })

    t.test('a vehicle holds at most its cap of unfinished uploads', async (t) => {
      const vin = await vehicle()
      const first = await asked(vin)
      await asked(vin)
      const third = await api('POST', '/api/v1/commands', engineer, { vin, diagnostic: { logUpload: { from: '2026-11-23T08:00:00Z', to: '2026-11-23T08:10:00Z', kind: 'candump' } } })
      t.equal(third.status, 409)
      t.match(third.json, { code: 'PITWALL_ERR_UPLOAD_LIMIT', message: /holds 2 unfinished log uploads; at most 2/ })
      t.equal((await storage.commands.list({ vin })).length, 2, 'and no command was queued for it')
      const engineerUpload = await http('POST', `/api/v1/vehicles/${vin}/logs?kind=candump`, { authorization: `Bearer ${engineer}`, 'content-type': 'text/plain' }, candump(5))
      t.equal(engineerUpload.status, 409, 'an engineer\'s upload counts against it too')
      t.equal((await put(first, candump(5))).status, 200)
      t.equal((await api('POST', '/api/v1/commands', engineer, { vin, diagnostic: { logUpload: { from: '2026-11-23T08:00:00Z', to: '2026-11-23T08:10:00Z', kind: 'candump' } } })).status, 201, 'room again')
    })

    t.test('log-upload requests that are wrong are refused naming the field, and nothing is queued', async (t) => {
      const vin = await vehicle()
      const cases: Array<[object, RegExp]> = [
        [{ logUpload: { from: '2026-11-23T09:00:00Z', to: '2026-11-23T08:00:00Z', kind: 'candump' } }, /body\.diagnostic\.logUpload\.to .* is not after/],
        [{ logUpload: { from: '2026-11-20T08:00:00Z', to: '2026-11-23T08:00:00Z', kind: 'candump' } }, /at most 24 h/],
        [{ logUpload: { from: 'yesterday', to: '2026-11-23T08:00:00Z', kind: 'candump' } }, /body\.diagnostic\.logUpload\.from "yesterday" is not an ISO 8601 time/],
        [{ logUpload: { from: '2026-11-23T08:00:00Z', to: '2026-11-23T08:10:00Z', kind: 'pcap' } }, /kind must be one of "ulog", "candump"/],
        [{ logUpload: { from: '2026-11-23T08:00:00Z', to: '2026-11-23T08:10:00Z', kind: 'candump' }, target: 0x7e0 }, /a command of its own/],
        [{}, /body\.diagnostic needs the field "request" \(or "logUpload"\)/]
      ]
      for (const [diagnostic, message] of cases) {
        const res = await api('POST', '/api/v1/commands', engineer, { vin, diagnostic })
        t.equal(res.status, 400, JSON.stringify(diagnostic))
        t.match(res.json.message, message)
      }
      const forCohort = await api('POST', '/api/v1/campaigns', engineer, { id: 'logs-all', name: 'logs', cohort: { models: ['PW-UP'] }, waves: [1], diagnostic: { logUpload: { from: '2026-11-23T08:00:00Z', to: '2026-11-23T08:10:00Z', kind: 'candump' } } })
      t.equal(forCohort.status, 400, 'never to a cohort')
      t.same(await storage.commands.list({ vin }), [])
      t.same(await storage.vehicleLogs.list(vin, 10), [])
    })

    t.test('an engineer uploads a file for a vehicle and it is replayed; others may not, and bad files leave nothing', async (t) => {
      const vin = await vehicle()
      const file = candump(200)
      const route = `/api/v1/vehicles/${vin}/logs`
      for (const [bearer, status] of [[undefined, 401], [operator, 403], [dealer, 403]] as const) {
        const res = await http('POST', `${route}?kind=candump`, { ...(bearer === undefined ? {} : { authorization: `Bearer ${bearer}` }), 'content-type': 'text/plain' }, file)
        t.equal(res.status, status, `${status} for ${bearer === undefined ? 'no token' : 'a reader'}`)
      }
      const as = (headers: Record<string, string>, body: Buffer, query = '?kind=candump', path = route): Promise<Answer> =>
        http('POST', `${path}${query}`, { authorization: `Bearer ${engineer}`, ...headers }, body)
      t.equal((await as({ 'content-type': 'text/plain' }, file, '', '/api/v1/vehicles/WUP99999999999999/logs')).status, 404, 'a vehicle that is not registered')
      t.match((await as({ 'content-type': 'application/octet-stream' }, file, '')).json, { code: 'PITWALL_ERR_BAD_REQUEST', message: /say which kind of log/ })
      t.equal((await as({ 'content-type': 'application/x-ulog' }, file)).status, 415, 'kind and Content-Type disagree')
      t.equal((await as({ 'content-type': 'application/octet-stream' }, Buffer.from(ULOG_MAGIC))).status, 415, 'the bytes are no candump log')
      t.equal((await as({ 'content-type': 'text/plain' }, candump(3000))).status, 413)
      t.same(await storage.vehicleLogs.list(vin, 10), [], 'refused uploads leave no row')
      const orphans: number[] = []
      for (const f of await files.list()) if (!await storage.vehicleLogs.get(f.id).then(() => true, () => false)) orphans.push(f.id)
      t.same(orphans, [], 'and no file without its row')

      const res = await as({ 'content-type': 'text/x-candump' }, file, '')
      t.equal(res.status, 201, JSON.stringify(res.json))
      t.match(res.json, { vin, kind: 'candump', state: 'complete', uploadedBy: 'alice', requestedBy: 'alice', commandId: null, from: null, size: file.length })
      const decoded = await until('the replay', async () => {
        const got = await api('GET', `/api/v1/logs/${res.json.id as number}`, engineer)
        return got.json.log.state === 'decoded' ? got.json : undefined
      })
      t.equal(decoded.report.frames, 200)
    })

    t.test('the log routes: readers read, engineers replay, dealers get nothing; unknown and unfinished logs are refused', async (t) => {
      const vin = await vehicle()
      const upload = await asked(vin)
      t.equal((await api('GET', `/api/v1/vehicles/${vin}/logs`, dealer)).status, 403)
      t.equal((await api('GET', `/api/v1/logs/${upload.id}`, dealer)).status, 403)
      t.equal((await api('POST', `/api/v1/logs/${upload.id}/replay`, operator)).status, 403)
      t.match((await api('GET', `/api/v1/vehicles/${vin}/logs`, operator)).json, { logs: [{ id: upload.id, state: 'receiving', commandId: upload.commandId, uploadedBy: 'vehicle' }] })
      t.match((await api('GET', '/api/v1/logs/987654321', engineer)).json, { code: 'PITWALL_ERR_LOG_UNKNOWN' })
      const early = await api('POST', `/api/v1/logs/${upload.id}/replay`, engineer)
      t.equal(early.status, 409)
      t.match(early.json, { code: 'PITWALL_ERR_LOG_UNAVAILABLE', message: /has not completed \(0 bytes received\)/ })
      t.equal((await api('GET', '/api/v1/vehicles/WUP99999999999999/logs', engineer)).status, 404)
      t.equal((await put(upload, candump(20))).status, 200)
      const badDraft = await api('POST', `/api/v1/logs/${upload.id}/replay`, engineer, { text: 'id: x\nwhen: { signal: Nope.Signal, op: ">", value: 1 }\n' })
      t.equal(badDraft.status, 400)
      t.equal(badDraft.json.code, 'PITWALL_ERR_RULE_FILE')
      t.ok(badDraft.json.problems.length > 0, 'each problem of the draft, located')
    })

    t.test('the OpenAPI document is valid and has the log routes', async (t) => {
      const doc = (await http('GET', OPENAPI_PATH)).json
      await t.resolves(SwaggerParser.validate(structuredClone(doc)))
      for (const [path, method] of <Array<[string, string]>>[['/api/v1/uploads/{id}', 'put'], ['/api/v1/uploads/{id}', 'get'], ['/api/v1/vehicles/{vin}/logs', 'post'], ['/api/v1/vehicles/{vin}/logs', 'get'], ['/api/v1/logs/{id}', 'get'], ['/api/v1/logs/{id}/replay', 'post']]) {
        t.match(doc.paths[path]?.[method], { summary: String, tags: ['logs'] }, `${method.toUpperCase()} ${path}`)
      }
      t.ok(doc.paths['/api/v1/uploads/{id}'].put.responses['413'], 'the upload declares its 413')
    })
  })
}
