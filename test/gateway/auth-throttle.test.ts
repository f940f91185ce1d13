/**
 * The failed-authentication tracker (gateway/auth-throttle.ts) on a stepped
 * clock: free failures, then a refusal that doubles up to the cap, forgotten
 * after a quiet spell, and a bounded number of keys however many fail.
 */
import t from 'tap'
import { AuthThrottle, RecentSuccesses, sourceKey } from '../../gateway/auth-throttle.js'

function clock (): { now: () => number, advance: (ms: number) => void } {
  let at = 1_000_000
  return { now: () => at, advance: (ms) => { at += ms } }
}

t.test('free failures, then a refusal that doubles up to the longest', async (t) => {
  const c = clock()
  const throttle = new AuthThrottle({ failuresBeforeBackoff: 3, maxBackoffMs: 5000, now: c.now })
  t.same([throttle.fail('a'), throttle.fail('a')].map((f) => f.retryAfterMs), [0, 0], 'the first failures are free')
  t.equal(throttle.retryAfterMs('a'), 0)
  t.match(throttle.fail('a'), { retryAfterMs: 1000, refusalStarted: true, failures: 3 }, 'the third starts a 1 s refusal')
  t.equal(throttle.retryAfterMs('a'), 1000)
  c.advance(400)
  t.equal(throttle.retryAfterMs('a'), 600, 'asking again does not lengthen it')
  c.advance(600)
  t.equal(throttle.retryAfterMs('a'), 0, 'over once its time is up')
  const waits = []
  for (let i = 0; i < 4; i++) {
    waits.push(throttle.fail('a').retryAfterMs)
    c.advance(throttle.retryAfterMs('a'))
  }
  t.same(waits, [2000, 4000, 5000, 5000], 'each further failure doubles it, up to maxBackoffMs')
  t.equal(throttle.retryAfterMs('b'), 0, 'another key is unaffected')
})

t.test('a refusal is reported as started once, not per failure during it', async (t) => {
  const c = clock()
  const throttle = new AuthThrottle({ failuresBeforeBackoff: 1, maxBackoffMs: 60_000, now: c.now })
  t.equal(throttle.fail('a').refusalStarted, true)
  // a verification that was in flight when the refusal started
  t.equal(throttle.fail('a').refusalStarted, false)
  c.advance(60_000)
  t.equal(throttle.fail('a').refusalStarted, true, 'the next refusal is a new one')
})

t.test('a key is forgotten maxBackoffMs after its last failure or refusal; success forgets only its own', async (t) => {
  const c = clock()
  const throttle = new AuthThrottle({ failuresBeforeBackoff: 2, maxBackoffMs: 10_000, now: c.now })
  throttle.fail('a')
  throttle.fail('a')
  t.equal(throttle.failures('a'), 2)
  c.advance(1000 + 9_999) // its 1 s refusal, then the quiet spell
  t.equal(throttle.failures('a'), 2, 'still remembered just before')
  c.advance(1)
  t.equal(throttle.failures('a'), 0, 'forgotten after the quiet spell')
  t.equal(throttle.fail('a').retryAfterMs, 0, 'and its free failures are back')

  throttle.fail('b')
  throttle.fail('b')
  throttle.succeed('a')
  t.equal(throttle.failures('a'), 0)
  t.equal(throttle.failures('b'), 2, 'a success does not reset another key')
  t.ok(throttle.retryAfterMs('b') > 0)
})

t.test('spraying many keys keeps at most maxKeys, dropping the quietest', async (t) => {
  const c = clock()
  const throttle = new AuthThrottle({ failuresBeforeBackoff: 1, maxBackoffMs: 60_000, maxKeys: 100, now: c.now })
  throttle.fail('early')
  for (let i = 0; i < 10_000; i++) throttle.fail(`spray-${i}`)
  t.equal(throttle.size, 100)
  t.equal(throttle.failures('early'), 0, 'the quietest was dropped')
  t.equal(throttle.failures('spray-9999'), 1, 'the latest are kept')
  c.advance(120_000)
  throttle.fail('late')
  t.equal(throttle.size, 1, 'expired keys are swept when a new one arrives')
})

t.test('recent successes expire and are bounded', async (t) => {
  const c = clock()
  const known = new RecentSuccesses(1000, 2, c.now)
  known.add('v1@a')
  known.add('v2@a')
  known.add('v3@a')
  t.same(['v1@a', 'v2@a', 'v3@a'].map((k) => known.has(k)), [false, true, true], 'past the cap the oldest goes')
  c.advance(1000)
  t.equal(known.has('v3@a'), false, 'expired')
})

t.test('source keys: IPv4-mapped as IPv4, IPv6 by its /64', async (t) => {
  t.equal(sourceKey('::ffff:10.1.2.3'), '10.1.2.3')
  t.equal(sourceKey('2001:db8:1:2:aaaa::1'), sourceKey('2001:db8:1:2:bbbb::9'))
  t.not(sourceKey('2001:db8:1:2::1'), sourceKey('2001:db8:1:3::1'))
  t.equal(sourceKey('unknown'), 'unknown')
})
