/**
 * What a script sees when a `pitwall` command fails: the stable code in the
 * message, and an exit status that says whether trying again can help.
 */
import t from 'tap'
import { freePort } from '../../../runtime/free-port.js'
import { pitwall, pitwallWithEnv } from '../../helpers/cli.js'

t.test('a database that cannot be reached exits 75 (EX_TEMPFAIL): try again later', async (t) => {
  const res = await pitwall('device', 'list', '--database-url', `postgres://postgres@127.0.0.1:${await freePort()}/pitwall`)
  t.equal(res.code, 75, res.stderr)
  t.match(res.stderr, /^pitwall: /)
})

t.test('a refusal exits 1 and names its code', async (t) => {
  const res = await pitwall('device', 'add', 'NOT-A-VIN', '--data-dir', 'memory://')
  t.equal(res.code, 1)
  t.match(res.stderr, /^pitwall: \[PITWALL_ERR_BAD_VIN\] /)
})

t.test('a retention the gateway cannot keep stops `pitwall start` before anything runs, naming the setting', async (t) => {
  const res = await pitwallWithEnv({ PITWALL_RETENTION_SAMPLES_DAYS: '0.5' }, 'start', '--data-dir', 'memory://', '--mqtt-port', '0', '--http-port', '0')
  t.equal(res.code, 1, res.stderr)
  t.match(res.stderr, /^pitwall: \[PITWALL_ERR_CONFIG\] invalid configuration: retentionSamplesDays \(PITWALL_RETENTION_SAMPLES_DAYS\) must be integer/)
  t.equal(res.stdout, '', 'no log line: nothing started')
})
