/**
 * The upload's decisions, pure: which token opens which upload and when it
 * no longer does, where a chunk may go (offset, cap, declared total), which
 * Content-Type declares which kind, and whether the bytes are that kind.
 */
import t from 'tap'
import {
  checkLogWindow, chunkPlan, declaredKind, hasUploadTokenShape, hashUploadToken, kindOfContentType, LogContentCheck, newUploadToken, parseContentRange, uploadRefusal, ULOG_MAGIC
} from '../../../actions/logs/policy.js'

const NOW = new Date('2026-11-23T08:00:00Z')
const LATER = new Date('2026-11-23T09:00:00Z')
const EARLIER = new Date('2026-11-23T07:00:00Z')

t.test('a token opens only its own upload, while it is receiving and not expired; each refusal has its code', async (t) => {
  const open = { state: 'receiving' as const, tokenMatches: true, uploadExpiresAt: LATER, detail: null }
  t.equal(uploadRefusal(7, open, NOW), undefined, 'the right token, in time')
  t.match(uploadRefusal(7, { ...open, tokenMatches: false }, NOW), { code: 'PITWALL_ERR_UPLOAD_TOKEN', status: 401, message: /does not open upload 7/ }, 'another upload\'s (or another vehicle\'s) token')
  t.match(uploadRefusal(7, { state: undefined, tokenMatches: false, uploadExpiresAt: undefined, detail: null }, NOW), { code: 'PITWALL_ERR_UPLOAD_TOKEN' }, 'no such upload reads as a wrong token: nothing is revealed')
  t.match(uploadRefusal(7, { ...open, uploadExpiresAt: EARLIER }, NOW), { code: 'PITWALL_ERR_UPLOAD_EXPIRED', status: 403 }, 'expired')
  t.match(uploadRefusal(7, { ...open, state: 'complete' }, NOW), { code: 'PITWALL_ERR_UPLOAD_SPENT', status: 403, message: /complete: its token was spent/ }, 'one-time: spent once complete')
  t.match(uploadRefusal(7, { ...open, state: 'decoded' }, NOW), { code: 'PITWALL_ERR_UPLOAD_SPENT' })
  t.match(uploadRefusal(7, { ...open, state: 'failed', detail: 'over the cap' }, NOW), { code: 'PITWALL_ERR_UPLOAD_SPENT', message: /over the cap/ }, 'a failed upload says why')
  t.match(uploadRefusal(7, { ...open, state: 'complete', tokenMatches: false }, NOW), { code: 'PITWALL_ERR_UPLOAD_TOKEN' }, 'the wrong token learns nothing of the state')
})

t.test('tokens are 256 random bits with a prefix; only their SHA-256 is compared', async (t) => {
  const a = newUploadToken()
  const b = newUploadToken()
  t.match(a, /^pwu_[A-Za-z0-9_-]{43}$/)
  t.not(a, b)
  t.ok(hasUploadTokenShape(a))
  t.notOk(hasUploadTokenShape('pwt_' + a.slice(4)), 'an API token is not an upload token')
  t.notOk(hasUploadTokenShape(a + 'x'))
  t.equal(hashUploadToken(a).length, 32)
  t.same(hashUploadToken(a), hashUploadToken(a))
})

t.test('Content-Range is bytes START-END/TOTAL, TOTAL known or *', async (t) => {
  t.same(parseContentRange('bytes 0-99/1000'), { start: 0, end: 99, total: 1000 })
  t.same(parseContentRange('bytes 100-199/*'), { start: 100, end: 199, total: undefined })
  for (const bad of ['bytes 0-99', 'items 0-99/100', 'bytes 99-0/100', 'bytes 0-100/100', 'bytes -1-5/10', 'bytes */100']) {
    t.throws(() => parseContentRange(bad), { code: 'PITWALL_ERR_BAD_REQUEST', message: /Content-Range/ }, bad)
  }
})

t.test('a chunk starts at the bytes held, stays within the cap, and keeps to the total declared before', async (t) => {
  const cap = 1000
  t.same(chunkPlan(1, { received: 0, size: null }, undefined, cap), { start: 0, end: undefined, total: undefined }, 'no range: the whole file from 0')
  t.same(chunkPlan(1, { received: 100, size: 500 }, { start: 100, end: 199, total: 500 }, cap), { start: 100, end: 200, total: 500 })
  t.same(chunkPlan(1, { received: 100, size: 500 }, { start: 100, end: 199, total: undefined }, cap), { start: 100, end: 200, total: 500 }, 'the total declared before still holds')
  t.throws(() => chunkPlan(1, { received: 100, size: null }, { start: 50, end: 99, total: undefined }, cap), { code: 'PITWALL_ERR_UPLOAD_OFFSET', message: /has 100 bytes; a chunk must start there, not at 50/ }, 'a chunk again, already held')
  t.throws(() => chunkPlan(1, { received: 100, size: null }, { start: 300, end: 399, total: undefined }, cap), { code: 'PITWALL_ERR_UPLOAD_OFFSET' }, 'a gap')
  t.throws(() => chunkPlan(1, { received: 100, size: null }, undefined, cap), { code: 'PITWALL_ERR_UPLOAD_OFFSET', message: /Content-Range/ }, 'the whole file again after a partial upload')
  t.throws(() => chunkPlan(1, { received: 0, size: null }, { start: 0, end: 9, total: 1001 }, cap), { code: 'PITWALL_ERR_UPLOAD_TOO_LARGE', status: 413, message: /declares 1001 bytes/ }, 'a total past the cap, before a byte is read')
  t.throws(() => chunkPlan(1, { received: 990, size: null }, { start: 990, end: 1009, total: undefined }, cap), { code: 'PITWALL_ERR_UPLOAD_TOO_LARGE', message: /reaches byte 1010/ })
  t.throws(() => chunkPlan(1, { received: 0, size: 500 }, { start: 0, end: 9, total: 600 }, cap), { code: 'PITWALL_ERR_BAD_REQUEST', message: /differs from the 500 bytes/ })
})

t.test('a Content-Type declares a kind, or nothing; another kind than the upload\'s is refused', async (t) => {
  t.equal(kindOfContentType(undefined), undefined)
  t.equal(kindOfContentType('application/octet-stream'), undefined)
  t.equal(kindOfContentType('application/x-ulog'), 'ulog')
  t.equal(kindOfContentType('Text/Plain; charset=us-ascii'), 'candump')
  t.equal(kindOfContentType('text/x-candump'), 'candump')
  t.throws(() => kindOfContentType('application/json'), { code: 'PITWALL_ERR_UPLOAD_TYPE', status: 415 })
  t.equal(declaredKind(3, 'ulog', 'application/octet-stream'), 'ulog')
  t.throws(() => declaredKind(3, 'ulog', 'text/x-candump'), { code: 'PITWALL_ERR_UPLOAD_TYPE', message: /declares a candump log; upload 3 is for a ulog log/ })
})

t.test('the bytes must be the kind: a ULog\'s magic (across chunk boundaries), a candump log\'s text and first frame line', async (t) => {
  const ulog = new LogContentCheck('ulog', 0)
  t.doesNotThrow(() => { ulog.check(ULOG_MAGIC.subarray(0, 3), 0); ulog.check(Uint8Array.of(...ULOG_MAGIC.subarray(3), 1, 0, 0), 3) }, 'split over two buffers')
  t.throws(() => new LogContentCheck('ulog', 0).check(Buffer.from('(1700000000.000000) can0 123#00\n'), 0), { code: 'PITWALL_ERR_UPLOAD_TYPE', message: /not a ULog: byte 0 is 0x28/ })
  t.doesNotThrow(() => new LogContentCheck('ulog', 4096).check(Buffer.from('anything past the header'), 4096), 'a resumed chunk past the magic')

  const candump = new LogContentCheck('candump', 0)
  t.doesNotThrow(() => {
    candump.check(Buffer.from('# a comment\n\n(1700000000.000000) can0 1'), 0)
    candump.check(Buffer.from('23#DEADBEEF\n(1700000000.000100) can0 124#00\n'), 40)
  }, 'a comment, a blank line, then a frame split over two buffers')
  t.throws(() => new LogContentCheck('candump', 0).check(ULOG_MAGIC, 0), { code: 'PITWALL_ERR_UPLOAD_TYPE', message: /not a candump log: byte 4 is 0x01, not text/ }, 'binary bytes')
  t.throws(() => new LogContentCheck('candump', 0).check(Buffer.from('hello world\n'), 0), { code: 'PITWALL_ERR_UPLOAD_TYPE', message: /not a candump log: not a candump -l line/ }, 'text, not frames')
  t.throws(() => new LogContentCheck('candump', 500).check(Uint8Array.of(0x41, 0x00), 500), { code: 'PITWALL_ERR_UPLOAD_TYPE', message: /byte 501 is 0x00/ }, 'a resumed chunk is still text')
  const oneLine = new LogContentCheck('candump', 0)
  oneLine.check(Buffer.from('(1700000000.000000) can0 123#00'), 0)
  t.doesNotThrow(() => oneLine.finish(), 'one frame without a newline, checked when the body ends')
  const empty = new LogContentCheck('candump', 0)
  empty.check(Buffer.from('# only a comment\n'), 0)
  t.throws(() => empty.finish(), { code: 'PITWALL_ERR_UPLOAD_TYPE', message: /holds no frame line/ })
  const endless = new LogContentCheck('candump', 0)
  t.throws(() => { for (let i = 0; i < 100; i++) endless.check(Buffer.alloc(1024, 0x41), i * 1024) }, { message: /no frame line in its first 65536 bytes/ }, 'a head without a line end is not buffered for ever')
})

t.test('a log window runs forwards, at most a day', async (t) => {
  const f = { from: '--from', to: '--to', kind: '--kind' }
  t.doesNotThrow(() => checkLogWindow(0, 3_600_000, f))
  t.throws(() => checkLogWindow(5000, 5000, f), { code: 'PITWALL_ERR_BAD_REQUEST', message: /^--to .* is not after --from / })
  t.throws(() => checkLogWindow(0, 25 * 3_600_000, f), { code: 'PITWALL_ERR_BAD_REQUEST', message: /--from\.\.--to spans 1500 minutes; a log may span at most 24 h/ })
})
