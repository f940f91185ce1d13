import { CommanderError } from 'commander'
import t from 'tap'
import { runFleetCommand } from '../../sim/fleet-command.js'

t.test('rejects a bad --inject spec naming the token, without running', async (t) => {
  const stderr = process.stderr.write
  let output = ''
  // commander reports usage errors on stderr; keep them out of the test log
  process.stderr.write = ((chunk: string) => { output += chunk; return true }) as typeof process.stderr.write
  try {
    await t.rejects(runFleetCommand(['--credentials', 'fleet.json', '--inject', 'overheat=0.05,tyreleek=0.1']), CommanderError)
  } finally {
    process.stderr.write = stderr
  }
  t.match(output, /unknown fault 'tyreleek' in 'tyreleek=0.1'/)
})
