import t from 'tap'
import { FaultSpecError, drawFaults, parseFaultSpec } from '../../sim/faults.js'
import { SeededRandom } from '../../sim/prng.js'

t.test('parses fault probabilities', async (t) => {
  t.same(parseFaultSpec('overheat=0.05,battery12v=0.02, mil=1'), { overheat: 0.05, battery12v: 0.02, mil: 1 })
  t.same(parseFaultSpec(''), {})
})

t.test('rejects a bad spec naming the token', async (t) => {
  const cases: Array<[string, string, RegExp]> = [
    ['overheat=0.05,overhet=0.1', 'overhet=0.1', /unknown fault 'overhet' in 'overhet=0.1' \(known: overheat, battery12v/],
    ['mil=lots', 'mil=lots', /probability 'lots' in 'mil=lots' is not a number from 0 to 1/],
    ['tyreleak=1.5', 'tyreleak=1.5', /probability '1.5'/],
    ['brakewear', 'brakewear', /expected fault=probability, found 'brakewear'/],
    ['mil=0.1,mil=0.2', 'mil=0.2', /fault 'mil' given twice/]
  ]
  for (const [spec, token, message] of cases) {
    const error = t.throws(() => parseFaultSpec(spec), message)
    t.type(error, FaultSpecError)
    t.equal((error as FaultSpecError).token, token)
  }
})

t.test('draws faults per vehicle from its seed', async (t) => {
  t.same(drawFaults({ overheat: 1, mil: 0 }, new SeededRandom(1)), ['overheat'])
  const draw = (seed: number): string[] => drawFaults({ overheat: 0.5, tyreleak: 0.5 }, new SeededRandom(seed))
  t.same(draw(7), draw(7))
  let withOverheat = 0
  for (let seed = 0; seed < 1000; seed++) if (draw(seed).includes('overheat')) withOverheat++
  t.ok(withOverheat > 420 && withOverheat < 580, `${withOverheat} of 1000 vehicles overheat at p = 0.5`)
})
