/**
 * `pitwall dealers` as an operator runs it: the CLI against an embedded
 * data directory whose host this test keeps running (as a gateway would),
 * so each command connects to it. Secrets are printed by the command that
 * made them and never read back. The binary runs the first command and one
 * refusal; the rest run in this process (test/helpers/cli.ts), one data
 * directory for the file.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { openStorage, poolOf } from '../../../storage/index.js'
import { pitwall, pitwallInProcess } from '../../helpers/cli.js'

const dataDir = join(mkdtempSync(join(tmpdir(), 'pitwall-dealers-cli-')), 'data')
const storage = await openStorage({ dataDir })
t.teardown(() => storage.close())
const at = ['--data-dir', dataDir]

t.test('dealers are registered, listed, shown, changed, switched off and on, their secrets rotated and vehicles assigned', async (t) => {
  const vin = 'WDB12345678905678'
  await storage.vehicles.add({ vin }, 'scrypt$x')

  const added = await pitwall('dealers', 'add', 'nord', '--name', 'Autohaus Nord', '--lat', '52.52', '--lon', '13.405', '--brands', 'BMW,MINI',
    '--webhook-url', 'https://dms.nord.example/pitwall', '--json', ...at)
  t.equal(added.code, 0, added.stderr)
  const { dealer, webhookSecret } = JSON.parse(added.stdout) as { dealer: Record<string, unknown>, webhookSecret: string }
  t.match(dealer, { id: 'nord', name: 'Autohaus Nord', lat: 52.52, lon: 13.405, brands: ['BMW', 'MINI'], webhookUrl: 'https://dms.nord.example/pitwall', hasSecret: true, active: true })
  t.match(webhookSecret, /^whsec_[A-Za-z0-9_-]{43}$/)

  const text = await pitwallInProcess('dealers', 'add', 'sued', '--name', 'Autohaus Süd', '--lat', '48.137', '--lon', '11.575', ...at)
  t.equal(text.stdout, 'sued\tAutohaus Süd\t48.137,11.575\tall brands\tinbox only\tactive\n', 'no webhook: no secret line')

  const list = await pitwallInProcess('dealers', 'list', ...at)
  t.equal(list.stdout, 'nord\tAutohaus Nord\t52.52,13.405\tBMW,MINI\thttps://dms.nord.example/pitwall\tactive\n' +
    'sued\tAutohaus Süd\t48.137,11.575\tall brands\tinbox only\tactive\n')
  const show = await pitwallInProcess('dealers', 'show', 'nord', ...at)
  t.match(show.stdout, /^nord\tAutohaus Nord\tactive\n {2}position\t52\.52,13\.405\n {2}brands\tBMW, MINI\n {2}webhook\thttps:\/\/dms\.nord\.example\/pitwall \(secret set\)\n/)
  t.notOk([list.stdout, show.stdout, (await pitwallInProcess('dealers', 'show', 'nord', '--json', ...at)).stdout].some((out) => out.includes(webhookSecret)),
    'list and show never print the secret')

  const hooked = await pitwallInProcess('dealers', 'update', 'sued', '--webhook-url', 'https://dms.sued.example/in', '--brands', 'Audi', ...at)
  t.equal(hooked.code, 0, hooked.stderr)
  t.match(hooked.stdout, /^sued\tAutohaus Süd\t48\.137,11\.575\tAudi\thttps:\/\/dms\.sued\.example\/in\tactive\nwebhook secret \(shown only now; give it to the dealer to verify Pitwall-Signature\): whsec_[A-Za-z0-9_-]{43}\n$/)
  const unhooked = await pitwallInProcess('dealers', 'update', 'sued', '--no-webhook', '--json', ...at)
  t.match(JSON.parse(unhooked.stdout), { dealer: { webhookUrl: null, hasSecret: false }, webhookSecret: null })

  const rotated = await pitwallInProcess('dealers', 'rotate-secret', 'nord', ...at)
  t.equal(rotated.code, 0, rotated.stderr)
  t.match(rotated.stdout, /^whsec_[A-Za-z0-9_-]{43}\n$/, 'the secret alone on stdout, for a script to capture')
  t.match(rotated.stderr, /cannot be shown again/)
  t.not(rotated.stdout.trim(), webhookSecret)
  const stored = await poolOf(storage).query<{ webhook_secret: string }>('SELECT webhook_secret FROM dealers WHERE id = $1', ['nord'])
  t.equal(stored.rows[0]?.webhook_secret, rotated.stdout.trim(), 'in force at once')

  t.match((await pitwallInProcess('dealers', 'deactivate', 'sued', ...at)).stdout, /\tinactive\n$/)
  t.equal((await pitwallInProcess('dealers', 'list', '--inactive', ...at)).stdout.split('\t')[0], 'sued')
  t.match(JSON.parse((await pitwallInProcess('dealers', 'activate', 'sued', '--json', ...at)).stdout), { id: 'sued', active: true })

  const dealerOf = async (): Promise<string | null> =>
    (await poolOf(storage).query<{ dealer_id: string | null }>('SELECT dealer_id FROM vehicles WHERE vin = $1', [vin])).rows[0]?.dealer_id ?? null
  t.equal((await pitwallInProcess('dealers', 'assign', vin.toLowerCase(), 'nord', ...at)).stdout, `${vin}\tnord\n`)
  t.equal(await dealerOf(), 'nord')
  t.equal((await pitwallInProcess('dealers', 'assign', vin, '--none', ...at)).stdout, `${vin}\tno own dealer\n`)
  t.equal(await dealerOf(), null)
})

t.test('mistakes are refused with a message saying what was wrong, and change nothing', async (t) => {
  t.equal((await pitwallInProcess('dealers', 'add', 'west', '--name', 'West', '--lat', '51', '--lon', '7', ...at)).code, 0)
  // the dealers the first test left, and west: no refusal below may change one or add one
  const dealers = await storage.dealers.list()

  const refused = async (args: string[], message: RegExp, cli = pitwallInProcess): Promise<void> => {
    const r = await cli(...args, ...at)
    t.equal(r.code, 1, args.join(' '))
    t.match(r.stderr, message)
    t.equal(r.stdout, '', 'nothing printed on stdout')
  }
  // each refusal changes nothing: they run side by side (the binary's start is seconds on a loaded machine)
  await Promise.all([
    refused(['token', 'create', '--name', 'Nobody', '--role', 'dealer', '--dealer', 'nobody'], /\[PITWALL_ERR_DEALER_UNKNOWN\] no dealer nobody/, pitwall),
    refused(['dealers', 'add', 'ost', '--name', 'Ost', '--lat', 'north', '--lon', '13'], /--lat <deg>.*"north" is not a number of degrees/),
    refused(['dealers', 'add', 'ost', '--name', 'Ost', '--lat', '95', '--lon', '13'], /pitwall: \[PITWALL_ERR_DEALER_INVALID\] dealer ost: lat 95 is outside -90\.\.90/),
    refused(['dealers', 'add', 'ost', '--lat', '52', '--lon', '13'], /required option '--name <name>' not specified/),
    refused(['dealers', 'add', 'west', '--name', 'West', '--lat', '51', '--lon', '7'], /\[PITWALL_ERR_DEALER_EXISTS\] dealer west is already registered/),
    refused(['dealers', 'update', 'west'], /nothing to change/),
    refused(['dealers', 'update', 'west', '--webhook-url', 'https://x.example/', '--no-webhook'], /give one of --webhook-url and --no-webhook/),
    refused(['dealers', 'show', 'nobody'], /\[PITWALL_ERR_DEALER_UNKNOWN\] no dealer nobody/),
    refused(['dealers', 'rotate-secret', 'west'], /\[PITWALL_ERR_DEALER_INVALID\] dealer west has no webhook URL; set one before a secret/),
    refused(['dealers', 'assign', 'WDB12345678909999', 'west'], /\[PITWALL_ERR_VEHICLE_UNKNOWN\] no vehicle WDB12345678909999/),
    refused(['dealers', 'assign', 'WDB12345678909999'], /give one of a dealer id and --none/),
    refused(['dealers', 'list', '--active', '--inactive'], /at most one of --active and --inactive/)
  ])
  const branded = await pitwallInProcess('device', 'add', 'WDB12345678907777', '--brand', ' BMW ', '--json', ...at)
  t.equal(branded.code, 0, branded.stderr)
  t.match((await storage.vehicles.list()).find((v) => v.vin === 'WDB12345678907777'), { brand: 'BMW' }, 'device add --brand: the make dealer routing prefers')
  await refused(['device', 'add', 'WDB12345678908888', '--brand', ' '], /--brand must not be empty/)
  t.notOk((await storage.vehicles.list()).some((v) => v.vin === 'WDB12345678908888'), 'and no vehicle was registered with a secret never shown')
  t.same((await storage.apiTokens.list()).length, 0, 'no token for a dealer that is not registered')
  t.same((await storage.dealers.list()).filter((d) => d.id === 'west' || d.id === 'ost').map((d) => [d.id, d.webhookUrl]), [['west', null]])
  t.same(await storage.dealers.list(), dealers, 'every dealer as it was')
})
