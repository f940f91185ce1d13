/**
 * `pitwall dealers add|update --webhook-url` refuses what the gateway would
 * not deliver to (plain http, non-public addresses) naming the URL and why,
 * and accepts it when PITWALL_WEBHOOK_ALLOW, read from the environment as
 * `pitwall start` reads it, lists the host.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { openStorage } from '../../../storage/index.js'
import { pitwall } from '../../helpers/cli.js'

t.test('a webhook URL the gateway would not deliver to is refused; the allow list in the environment admits it', async (t) => {
  const dataDir = join(mkdtempSync(join(tmpdir(), 'pitwall-dealers-webhook-cli-')), 'data')
  const storage = await openStorage({ dataDir })
  t.teardown(() => storage.close())
  const at = ['--data-dir', dataDir]
  delete process.env.PITWALL_WEBHOOK_ALLOW

  const refused = async (args: string[], message: string): Promise<void> => {
    const r = await pitwall(...args, ...at)
    t.equal(r.code, 1, args.join(' '))
    t.equal(r.stderr, `pitwall: [PITWALL_ERR_WEBHOOK_ADDRESS] ${message}\n`)
    t.equal(r.stdout, '', 'no secret printed')
  }
  await Promise.all([
    refused(['dealers', 'add', 'ost', '--name', 'Ost', '--lat', '52', '--lon', '13', '--webhook-url', 'http://10.0.0.5/in'],
      'dealer ost: webhook URL "http://10.0.0.5/in" is refused: http is allowed only for hosts in PITWALL_WEBHOOK_ALLOW (use https)'),
    refused(['dealers', 'add', 'ost', '--name', 'Ost', '--lat', '52', '--lon', '13', '--webhook-url', 'https://169.254.169.254/latest/'],
      'dealer ost: webhook URL "https://169.254.169.254/latest/" is refused: 169.254.169.254 is a cloud metadata address (list 169.254.169.254 itself in PITWALL_WEBHOOK_ALLOW to allow it)'),
    refused(['dealers', 'update', 'ost', '--webhook-url', 'https://0177.0.0.1/in'],
      'dealer ost: webhook URL "https://0177.0.0.1/in" is refused: 127.0.0.1 is a loopback address (list the host or a range holding 127.0.0.1 in PITWALL_WEBHOOK_ALLOW to allow it)')
  ])
  t.same(await storage.dealers.list(), [], 'nothing registered')

  process.env.PITWALL_WEBHOOK_ALLOW = '10.0.0.0/8'
  t.teardown(() => { delete process.env.PITWALL_WEBHOOK_ALLOW })
  const added = await pitwall('dealers', 'add', 'ost', '--name', 'Ost', '--lat', '52', '--lon', '13', '--webhook-url', 'http://10.0.0.5/in', '--json', ...at)
  t.equal(added.code, 0, added.stderr)
  t.match(JSON.parse(added.stdout), { dealer: { id: 'ost', webhookUrl: 'http://10.0.0.5/in', hasSecret: true }, webhookSecret: /^whsec_/ })
})
