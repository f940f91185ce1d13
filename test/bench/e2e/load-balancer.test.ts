/** The bench's stand-in for a TCP load balancer in front of a cluster (bench/e2e/load-balancer.ts). */
import t from 'tap'
import { roundRobin } from '../../../bench/e2e/load-balancer.js'

const vehicles = Array.from({ length: 10 }, (_, i) => `V${i}`)

t.test('spreads vehicles over the nodes evenly, within one of each other', async (t) => {
  const counts = new Map<string, number>()
  for (const { node } of roundRobin(vehicles, ['a', 'b', 'c'])) counts.set(node, (counts.get(node) ?? 0) + 1)
  t.same([...counts.values()].sort(), [3, 3, 4])
})

t.test('a round with another offset sends every vehicle to another node (what the takeover phase relies on)', async (t) => {
  for (const nodes of [['a', 'b'], ['a', 'b', 'c']]) {
    const first = roundRobin(vehicles, nodes)
    const again = roundRobin(vehicles, nodes, 1)
    t.ok(first.every((x, i) => x.vehicle === again[i]?.vehicle && x.node !== again[i]?.node), `${nodes.length} nodes`)
  }
  const third = roundRobin(vehicles, ['a', 'b', 'c'], 2)
  t.ok(third.every((x, i) => x.node !== roundRobin(vehicles, ['a', 'b', 'c'], 1)[i]?.node), 'offset 2 is a third node again')
})

t.test('refuses an empty cluster instead of sending vehicles nowhere', async (t) => {
  t.throws(() => roundRobin(vehicles, []), /no node/)
})
