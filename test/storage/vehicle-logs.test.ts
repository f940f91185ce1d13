/**
 * Vehicle logs in storage, on both backends: the cap on unfinished uploads
 * per vehicle, token hashes (only hashes, the newest kept), one-time
 * completion, the expiry of uploads that can no longer complete, the
 * retention pass with the files in the data directory, and replay reports.
 */
import { stat, writeFile } from 'node:fs/promises'
import t from 'tap'
import { COMMAND_TRANSITIONS } from '../../actions/commands/model.js'
import type { LogReplayReport } from '../../actions/logs/model.js'
import { hashUploadToken, newUploadToken } from '../../actions/logs/policy.js'
import { requestLogUpload } from '../../actions/logs/request.js'
import { LogFiles } from '../../gateway/log-files.js'
import { LogRetention } from '../../gateway/log-retention.js'
import { createLogger } from '../../gateway/logger.js'
import { poolOf } from '../../storage/index.js'
import { openTestStorage } from '../actions/dealer-fixtures.js'
import { postgresReachable, SKIP_POSTGRES, type Backend } from '../helpers/backends.js'

const HOUR = 3_600_000
const FIELDS = { from: 'body.diagnostic.logUpload.from', to: 'body.diagnostic.logUpload.to', kind: 'body.diagnostic.logUpload.kind' }
const report = (overrides: Partial<LogReplayReport> = {}): LogReplayReport => ({
  rules: 'current', ruleIds: [], decodedWith: 'none', batches: 1, skippedBatches: {}, frames: 1, samples: 1, unknownFrames: 0, nonDataFrames: 0, badLines: 0, firstErrors: [],
  topics: { mapped: [], skipped: [] }, firstMs: 1, lastMs: 2, clock: 'log', events: [], eventsTruncated: false, byRule: {}, error: null, durationMs: 1, ...overrides
})

for (const backend of ['pglite', 'postgres'] as Backend[]) {
  t.test(`on ${backend}`, { skip: backend === 'postgres' && !(await postgresReachable()) ? SKIP_POSTGRES : false }, async (t) => {
    const storage = await openTestStorage(t, backend)
    const logs = storage.vehicleLogs
    let next = 0
    const vehicle = async (): Promise<string> => {
      const vin = `WVL1234567890${String(next++).padStart(4, '0')}`
      await storage.vehicles.add({ vin, model: 'PW-LOG' }, 'scrypt$x')
      return vin
    }
    const reserve = async (vin: string, maxUnfinished = 3, expiresInMs = HOUR): Promise<number> =>
      (await logs.reserve({ vin, kind: 'candump', uploadedBy: 'vehicle', requestedBy: 'alice', uploadWindowMs: expiresInMs, maxUnfinished })).id

    t.test('a vehicle holds at most its cap of unfinished uploads; a completed one frees its place', async (t) => {
      const vin = await vehicle()
      const first = await reserve(vin, 2)
      await reserve(vin, 2)
      await t.rejects(reserve(vin, 2), { code: 'PITWALL_ERR_UPLOAD_LIMIT', message: new RegExp(`${vin} holds 2 unfinished log uploads; at most 2`) })
      await t.rejects(reserve('WVL99999999999999', 2), { code: 'PITWALL_ERR_VEHICLE_UNKNOWN' })
      await logs.complete(first, 10, 'ab'.repeat(32))
      t.ok(await reserve(vin, 2), 'room again')
      const other = await vehicle()
      t.ok(await reserve(other, 2), 'another vehicle\'s cap is its own')
    })

    t.test("an upload's window is the database's time: a node whose clock runs an hour off neither shortens nor stretches it", async (t) => {
      const vin = await vehicle()
      const realNow = Date.now
      for (const skewMs of [HOUR, -HOUR]) {
        Date.now = () => realNow() + skewMs
        let id: number
        try {
          // a command's life of 30 s and 30 s more to upload in, asked on that node
          id = (await requestLogUpload({ logs, commands: storage.commands }, { vin, fromMs: 0, toMs: 1000, kind: 'candump', ttlMs: 30_000, requestedBy: 'alice' },
            { unfinishedPerVehicle: 10, uploadWindowMs: 30_000 }, FIELDS)).log.id
        } finally {
          Date.now = realNow
        }
        const token = newUploadToken()
        await logs.addToken(id, hashUploadToken(token), 3)
        const auth = await logs.authorize(id, hashUploadToken(token))
        const leftMs = (auth.uploadExpiresAt as Date).getTime() - auth.now.getTime()
        t.ok(leftMs > 50_000 && leftMs <= 60_000, `${leftMs} ms of a 60 s window left, with the node's clock ${skewMs > 0 ? 'ahead' : 'behind'}`)
      }
      t.match(await logs.authorize(987_654_321, hashUploadToken(newUploadToken())), { state: undefined, tokenMatches: false, now: Date }, 'no such upload: the database\'s time still comes back')
    })

    t.test('concurrent requests cannot both take the last place', async (t) => {
      const vin = await vehicle()
      const results = await Promise.allSettled(Array.from({ length: 6 }, async () => await reserve(vin, 3)))
      t.equal(results.filter((r) => r.status === 'fulfilled').length, 3)
      t.equal(results.filter((r) => r.status === 'rejected').length, 3)
    })

    t.test('only token hashes are stored, the newest kept; a hash opens only its own upload; completion is once', async (t) => {
      const vin = await vehicle()
      const id = await reserve(vin)
      const other = await reserve(vin)
      const tokens = Array.from({ length: 4 }, () => newUploadToken())
      for (const token of tokens) t.ok(await logs.addToken(id, hashUploadToken(token), 3))
      t.notOk((await logs.authorize(id, hashUploadToken(tokens[0] as string))).tokenMatches, 'the oldest of 4 dropped (3 kept)')
      for (const token of tokens.slice(1)) t.ok((await logs.authorize(id, hashUploadToken(token))).tokenMatches, 'the newest 3 open it')
      t.notOk((await logs.authorize(other, hashUploadToken(tokens[3] as string))).tokenMatches, 'not another upload')
      t.match(await logs.authorize(123_456_789, hashUploadToken(tokens[3] as string)), { state: undefined, tokenMatches: false })
      const stored = await poolOf(storage).query<{ text: string }>('SELECT token_hashes::text AS text FROM vehicle_logs WHERE id = $1', [id])
      t.notOk(tokens.some((tok) => stored.rows[0]?.text.includes(Buffer.from(tok).toString('hex'))), 'no token in the row')

      await logs.recordReceived(id, 50, 100)
      t.match(await logs.get(id), { state: 'receiving', received: 50, size: 100 })
      t.match(await logs.complete(id, 100, 'cd'.repeat(32)), { state: 'complete', received: 100, size: 100, sha256: 'cd'.repeat(32) })
      t.equal(await logs.complete(id, 100, 'cd'.repeat(32)), undefined, 'not twice')
      t.match(await logs.authorize(id, hashUploadToken(tokens[3] as string)), { state: 'complete', tokenMatches: true }, 'the token is known and the state says it is spent')
      t.equal(await logs.addToken(id, hashUploadToken(newUploadToken()), 3), undefined, 'no token for an upload that ended')
    })

    t.test('uploads that can no longer complete expire: past their token, or their command ended', async (t) => {
      const vin = await vehicle()
      const late = await reserve(vin, 5, -1000)
      const { command, log } = await requestLogUpload({ logs, commands: storage.commands }, { vin, fromMs: 0, toMs: 60_000, kind: 'candump', ttlMs: HOUR, requestedBy: 'alice' }, { unfinishedPerVehicle: 5, uploadWindowMs: HOUR }, FIELDS)
      t.match(command.body, { diagnostic: { logUpload: { fromMs: 0, toMs: 60_000, kind: 'candump', logId: log.id } } })
      t.equal((await logs.forCommand(command.id))?.id, log.id)
      const live = await reserve(vin, 5)
      await storage.commands.move(command.id, COMMAND_TRANSITIONS.cancel, 'alice')
      const expired = await logs.expireUnfinished()
      t.same(expired.map((e) => e.id).sort((a, b) => a - b), [late, log.id])
      t.match(await logs.get(late), { state: 'failed', detail: /did not complete before its token expired \(0 bytes received\)/ })
      t.match(await logs.get(log.id), { state: 'failed', detail: /its command ended cancelled/ })
      t.match(await logs.get(live), { state: 'receiving' })
      t.same(await logs.expireUnfinished(), [], 'once')
    })

    t.test('a log-upload request that cannot be queued leaves no upload behind; a bad window is refused first', async (t) => {
      const vin = await vehicle()
      const stores = { logs, commands: { enqueue: async () => { throw new Error('queue down') } } }
      await t.rejects(requestLogUpload(stores, { vin, fromMs: 0, toMs: 1000, kind: 'candump', ttlMs: HOUR, requestedBy: 'a' }, { unfinishedPerVehicle: 1, uploadWindowMs: HOUR }, FIELDS), /queue down/)
      t.same(await logs.list(vin, 10), [])
      await t.rejects(requestLogUpload({ logs, commands: storage.commands }, { vin, fromMs: 0, toMs: 1000, kind: 'pcap', ttlMs: HOUR, requestedBy: 'a' }, { unfinishedPerVehicle: 1, uploadWindowMs: HOUR }, FIELDS),
        { code: 'PITWALL_ERR_BAD_REQUEST', message: /body\.diagnostic\.logUpload\.kind "pcap" is not one of ulog, candump/ })
    })

    t.test('a replay report is kept with a complete log; one of an unfinished log is refused', async (t) => {
      const vin = await vehicle()
      const id = await reserve(vin)
      await t.rejects(logs.recordReplay(id, { report: report() }), { code: 'PITWALL_ERR_LOG_UNAVAILABLE' })
      await logs.complete(id, 10, 'ab'.repeat(32))
      t.same((await logs.awaitingReplay(100)).filter((l) => l.id === id), [{ id, kind: 'candump' }])
      const decoded = await logs.recordReplay(id, { report: report({ byRule: { r: 1 } }) })
      t.match(decoded, { state: 'decoded', report: { byRule: { r: 1 } } })
      t.ok(decoded.decodedAt instanceof Date)
      t.same((await logs.awaitingReplay(100)).filter((l) => l.id === id), [])
      t.match(await logs.recordReplay(id, { failed: 'not a ULog' }), { state: 'failed', detail: 'not a ULog' })
      t.match((await logs.list(vin, 10))[0], { id, state: 'failed' })
      await t.rejects(logs.list('WVL99999999999999', 10), { code: 'PITWALL_ERR_VEHICLE_UNKNOWN' })
      await t.rejects(logs.get(987_654_321), { code: 'PITWALL_ERR_LOG_UNKNOWN' })
    })

    t.test('the retention pass deletes logs past their days with their files, expired uploads\' bytes, and old orphan files', async (t) => {
      const files = await LogFiles.open('memory://')
      t.teardown(async () => { await files.close() })
      t.equal((await stat(files.dir)).mode & 0o777, 0o700, 'the logs directory is private')
      const vin = await vehicle()
      const kept = await reserve(vin, 10)
      const expiring = await reserve(vin, 10, -1)
      for (const id of [kept, expiring]) {
        const handle = await files.openAt(id, 'candump', 0)
        await handle.write(Buffer.from('(1.0) can0 123#00\n'), 0, 18, 0)
        await handle.close()
        t.equal((await stat(files.path(id, 'candump'))).mode & 0o777, 0o600, 'each file is the gateway user\'s only')
      }
      await writeFile(files.path(999_999, 'ulog'), 'orphan', { mode: 0o600 })
      const retention = new LogRetention({ store: logs, files, retentionDays: 30, log: createLogger('silent') })
      t.match(await retention.pass(), { expired: 1, orphans: 0 }, 'a young orphan may be an upload starting')
      t.notOk(await files.exists(expiring, 'candump'), 'the expired upload\'s bytes are gone')
      t.ok(await files.exists(kept, 'candump'))
      const inAMonth = new Date(Date.now() + 31 * 86_400_000)
      const pass = await retention.pass(inAMonth)
      t.ok(pass.deleted >= 2, `the rows past 30 days are deleted (${pass.deleted})`)
      t.equal(pass.orphans, 1, 'and the orphan file')
      t.notOk(await files.exists(kept, 'candump'))
      t.notOk(await files.exists(999_999, 'ulog'))
      await t.rejects(logs.get(kept), { code: 'PITWALL_ERR_LOG_UNKNOWN' })
    })
  })
}
