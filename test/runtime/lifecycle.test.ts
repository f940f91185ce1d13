import t from 'tap'
import { Lifecycle, type Startable } from '../../runtime/lifecycle.js'

const quiet = { debug: () => {}, error: () => {} }

function recording (steps: string[], name: string, fail?: 'start' | 'stop'): Startable {
  return {
    start: async () => { steps.push(`start ${name}`); if (fail === 'start') throw new Error(`${name} cannot start`) },
    stop: async () => { steps.push(`stop ${name}`); if (fail === 'stop') throw new Error(`${name} cannot stop`) }
  }
}

t.test('stops in reverse order of start, resources and components alike', async (t) => {
  const steps: string[] = []
  const parts = new Lifecycle(quiet)
  const pool = await parts.open('storage', async () => { steps.push('open storage'); return 'pool' }, (p) => { steps.push(`close ${p}`) })
  t.equal(pool, 'pool', 'open gives back what it opened')
  await parts.start('broker', recording(steps, 'broker'))
  await parts.start('http', recording(steps, 'http'))
  await parts.stop()
  t.same(steps, ['open storage', 'start broker', 'start http', 'stop http', 'stop broker', 'close pool'])
  await parts.stop()
  t.equal(steps.length, 6, 'a second stop does nothing')
})

t.test('after a start that fails, one stop ends what had started and not the failed one', async (t) => {
  const steps: string[] = []
  const parts = new Lifecycle(quiet)
  const start = async (): Promise<void> => {
    await parts.start('storage', recording(steps, 'storage'))
    await parts.start('keys', recording(steps, 'keys'))
    await parts.start('http', recording(steps, 'http', 'start'))
    await parts.start('never', recording(steps, 'never'))
  }
  await t.rejects(start().catch(async (err) => { await parts.stop(); throw err }), /http cannot start/)
  t.same(steps, ['start storage', 'start keys', 'start http', 'stop keys', 'stop storage'])
})

t.test('a stop that fails is logged and the rest still stop', async (t) => {
  const steps: string[] = []
  const failed: string[] = []
  const parts = new Lifecycle({ debug: () => {}, error: (o) => { failed.push((o as { component: string }).component) } })
  await parts.start('storage', recording(steps, 'storage'))
  await parts.start('broker', recording(steps, 'broker', 'stop'))
  await parts.start('nothing to do', {})
  await parts.stop()
  t.same(steps, ['start storage', 'start broker', 'stop broker', 'stop storage'])
  t.same(failed, ['broker'])
})
