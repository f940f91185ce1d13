import { existsSync, readdirSync, readFileSync } from 'node:fs'
import t from 'tap'
import { summarizeUlogTopics } from '../../../gateway/cli/decode.js'
import { collect, fixture, FIXTURE_DIR } from './helpers.js'

/**
 * Every ULog fixture against pyulog's own reading of it
 * (`expected/<log>.counts.json`: per topic instance, the number of data
 * messages and the first and last timestamp). A reader that loses messages,
 * in either order, fails here by topic.
 */
const expectedDir = FIXTURE_DIR + 'expected/'
const logs = existsSync(expectedDir) ? readdirSync(FIXTURE_DIR).filter((f) => f.endsWith('.ulg')).sort() : []

interface PyulogCounts {
  topics: Record<string, { messages: number, first_timestamp_us: number, last_timestamp_us: number }>
}

if (logs.length === 0) {
  t.skip(`ULog fixtures with pyulog counts not present in ${expectedDir}`, async () => {})
}

for (const log of logs) {
  t.test(`${log}: every topic instance has pyulog's message count and first/last timestamp`, async (t) => {
    const expected = JSON.parse(readFileSync(expectedDir + log.replace(/\.ulg$/, '.counts.json'), 'utf8')) as PyulogCounts
    const want = Object.fromEntries(Object.entries(expected.topics).map(([name, c]) => [name, [c.messages, c.first_timestamp_us, c.last_timestamp_us]]))
    for (const order of ['time', 'file'] as const) {
      const { reader, rows, error } = await collect(fixture(log), { order })
      t.equal(error, undefined, `${order} order reads to the end`)
      t.match(reader.stats, { corrupt: false, unknownMessages: 0, skippedDataMessages: 0, skippedBytes: 0 }, `${order} order: nothing skipped`)
      t.same(reader.stats.warnings, [])
      t.equal(reader.stats.truncated, undefined, `${order} order: not cut`)
      // pyulog lists a topic only once it has data; a subscription never written to is not a topic there
      const got = Object.fromEntries([...reader.stats.topics].filter(([, c]) => c.messages > 0).map(([name, c]) => [name, [c.messages, c.firstUs, c.lastUs]]))
      t.same(got, want, `${order} order: ${Object.keys(want).length} topic instances`)
      // The samples themselves: each topic's first field appears once per message.
      const firstField = new Map<string, number>()
      const perTopic = new Map<string, number>()
      for (const r of rows) {
        const first = firstField.get(r.channel.message) ?? r.channel.index
        firstField.set(r.channel.message, first)
        if (r.channel.index === first) perTopic.set(r.channel.message, (perTopic.get(r.channel.message) ?? 0) + 1)
      }
      const withFields = Object.fromEntries(Object.entries(want).filter(([name]) => (reader.stats.topics.get(name)?.numericFields ?? 0) > 0).map(([name, c]) => [name, c[0]]))
      t.same(Object.fromEntries(perTopic), withFields, `${order} order: every message's samples emitted`)
    }
    const summary = await summarizeUlogTopics(FIXTURE_DIR + log)
    t.same(Object.fromEntries(Object.entries(summary.topics).map(([name, c]) => [name, [c.messages, c.first_timestamp_us, c.last_timestamp_us]])), want,
      'pitwall decode --ulog --topics prints the same counts')
  })
}
