/**
 * `pitwall dealers add|list|show|update|activate|deactivate|rotate-secret|assign`:
 * the dealer registry from the command line, on storage directly (a running
 * gateway routes the next alert by what is stored). A webhook secret is
 * printed once, by the command that generated it (add, update setting a
 * first webhook URL, rotate-secret), and never read back; the CLI does not
 * take a secret as an argument, where it would show in process lists and
 * shell history. A webhook URL is checked as the gateway checks it
 * (PITWALL_WEBHOOK_ALLOW from the environment, as `pitwall start` reads it).
 */
import { InvalidArgumentError, type Command } from 'commander'
import type { Dealer, DealerChange, DealerInput } from '../../actions/dealer-alerts/model.js'
import { checkNewDealer, dealerUpdate } from '../../actions/dealer-alerts/policy.js'
import { WebhookAddressRule } from '../../actions/dealer-alerts/webhook-address.js'
import type { DealerWithSecret } from '../../storage/dealers.js'
import { print } from './output.js'
import { configFrom, storageFlags, withStorage, type StorageFlags } from './storage-flags.js'
import { commaList } from './values.js'

function degrees (value: string): number {
  const n = Number(value)
  if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`"${value}" is not a number of degrees`)
  return n
}

/** Refuses a webhook URL the gateway would not deliver to (actions/dealer-alerts/webhook-address.ts). */
async function checkWebhookUrl (id: string, url: string | null | undefined, flags: StorageFlags): Promise<void> {
  if (typeof url !== 'string') return
  const rule = new WebhookAddressRule({ allow: configFrom({ ...flags, logLevel: 'silent' }).webhookAllow })
  await rule.check(url, `dealer ${id}`)
}

function dealerLine (d: Dealer): string {
  return `${d.id}\t${d.name}\t${d.lat},${d.lon}\t${d.brands.length === 0 ? 'all brands' : d.brands.join(',')}\t` +
    `${d.webhookUrl ?? 'inbox only'}\t${d.active ? 'active' : 'inactive'}`
}

export function registerDealerCommands (program: Command): void {
  const dealers = program.command('dealers').description('the dealer registry: workshops, their brands and webhooks, and each vehicle\'s own dealer')

  /** The dealer, and the secret this call generated on a line that says it is shown once. */
  const printWithSecret = (r: DealerWithSecret, json: boolean | undefined): void => {
    if (json === true) { print(JSON.stringify(r)); return }
    print(dealerLine(r.dealer))
    if (r.webhookSecret !== null) print(`webhook secret (shown only now; give it to the dealer to verify Pitwall-Signature): ${r.webhookSecret}`)
  }

  storageFlags(dealers.command('add').description('register a dealer (with --webhook-url, a webhook secret is generated and printed once)'))
    .argument('<id>', 'dealer id: 1-64 letters, digits, \'.\', \'_\' or \'-\'')
    .requiredOption('--name <name>', 'the workshop\'s name')
    .requiredOption('--lat <deg>', 'latitude (WGS-84)', degrees)
    .requiredOption('--lon <deg>', 'longitude (WGS-84)', degrees)
    .option('--brands <list>', 'brands serviced, comma-separated (default: all)', commaList)
    .option('--webhook-url <url>', 'https URL alerts are POSTed to (http and non-public hosts only as PITWALL_WEBHOOK_ALLOW lists; default: inbox only)')
    .option('--json', 'print {"dealer","webhookSecret"} as JSON')
    .action(async (id: string, flags: StorageFlags & { name: string, lat: number, lon: number, brands?: string[], webhookUrl?: string, json?: boolean }) => {
      const input: DealerInput = { id, name: flags.name, lat: flags.lat, lon: flags.lon, brands: flags.brands, webhookUrl: flags.webhookUrl }
      const dealer = checkNewDealer(input)
      await checkWebhookUrl(id, dealer.webhookUrl, flags)
      const r = await withStorage(flags, async (st) => await st.dealers.add(dealer))
      printWithSecret(r, flags.json)
    })

  storageFlags(dealers.command('list').description('registered dealers (never a webhook secret)'))
    .option('--active', 'only active dealers').option('--inactive', 'only deactivated dealers')
    .option('--json', 'JSON output')
    .action(async (flags: StorageFlags & { active?: boolean, inactive?: boolean, json?: boolean }) => {
      if (flags.active === true && flags.inactive === true) throw new InvalidArgumentError('give at most one of --active and --inactive')
      const active = flags.active === true ? true : flags.inactive === true ? false : undefined
      const all = await withStorage(flags, async (st) => await st.dealers.list({ active }))
      if (flags.json === true) print(JSON.stringify(all))
      else for (const d of all) print(dealerLine(d))
    })

  storageFlags(dealers.command('show').description('one dealer (whether a webhook secret is set, never the secret)'))
    .argument('<id>', 'dealer id').option('--json', 'JSON output')
    .action(async (id: string, flags: StorageFlags & { json?: boolean }) => {
      const d = await withStorage(flags, async (st) => await st.dealers.get(id))
      if (flags.json === true) { print(JSON.stringify(d)); return }
      print(`${d.id}\t${d.name}\t${d.active ? 'active' : 'inactive'}`)
      print(`  position\t${d.lat},${d.lon}`)
      print(`  brands\t${d.brands.length === 0 ? 'all brands' : d.brands.join(', ')}`)
      print(`  webhook\t${d.webhookUrl === null ? 'none (inbox only)' : `${d.webhookUrl} (secret ${d.hasSecret ? 'set' : 'missing'})`}`)
      print(`  registered\t${d.createdAt.toISOString()}\tchanged ${d.updatedAt.toISOString()}`)
    })

  storageFlags(dealers.command('update').description('change a dealer\'s fields (a first webhook URL gets a secret, printed once)'))
    .argument('<id>', 'dealer id')
    .option('--name <name>').option('--lat <deg>', 'latitude', degrees).option('--lon <deg>', 'longitude', degrees)
    .option('--brands <list>', 'brands serviced, comma-separated; "" for all brands', commaList)
    .option('--webhook-url <url>', 'https URL alerts are POSTed to (http and non-public hosts only as PITWALL_WEBHOOK_ALLOW lists)')
    .option('--no-webhook', 'stop webhooks (the secret is dropped); the dealer works from the inbox')
    .option('--json', 'print {"dealer","webhookSecret"} as JSON')
    .action(async (id: string, flags: StorageFlags & { name?: string, lat?: number, lon?: number, brands?: string[], webhookUrl?: string, webhook: boolean, json?: boolean }) => {
      if (flags.webhookUrl !== undefined && !flags.webhook) throw new InvalidArgumentError('give one of --webhook-url and --no-webhook')
      const change: DealerChange = {
        ...(flags.name === undefined ? {} : { name: flags.name }),
        ...(flags.lat === undefined ? {} : { lat: flags.lat }),
        ...(flags.lon === undefined ? {} : { lon: flags.lon }),
        ...(flags.brands === undefined ? {} : { brands: flags.brands }),
        ...(flags.webhookUrl === undefined ? {} : { webhookUrl: flags.webhookUrl }),
        ...(flags.webhook ? {} : { webhookUrl: null })
      }
      if (Object.keys(change).length === 0) throw new InvalidArgumentError('nothing to change: give --name, --lat, --lon, --brands, --webhook-url or --no-webhook')
      const update = dealerUpdate(id, change)
      await checkWebhookUrl(id, update.webhookUrl, flags)
      printWithSecret(await withStorage(flags, async (st) => await st.dealers.update(id, update)), flags.json)
    })

  for (const verb of ['activate', 'deactivate'] as const) {
    const describe = verb === 'activate' ? 'put a dealer back into alert routing' : 'take a dealer out of alert routing (its inbox stays)'
    storageFlags(dealers.command(verb).description(describe)).argument('<id>', 'dealer id').option('--json', 'print the dealer as JSON')
      .action(async (id: string, flags: StorageFlags & { json?: boolean }) => {
        const d = await withStorage(flags, async (st) => verb === 'activate' ? await st.dealers.activate(id) : await st.dealers.deactivate(id))
        print(flags.json === true ? JSON.stringify(d) : dealerLine(d))
      })
  }

  storageFlags(dealers.command('rotate-secret').description('replace the webhook secret at once and print the new one (shown once)'))
    .argument('<id>', 'dealer id').option('--json', 'print {"dealerId","webhookSecret"} as JSON')
    .action(async (id: string, flags: StorageFlags & { json?: boolean }) => {
      const secret = await withStorage(flags, async (st) => await st.dealers.rotateWebhookSecret(id))
      if (flags.json === true) { print(JSON.stringify({ dealerId: id, webhookSecret: secret })); return }
      // the note on stderr, the secret alone on stdout: SECRET=$(pitwall dealers rotate-secret ID)
      process.stderr.write(`new webhook secret of ${id}, in force now; keep it, it cannot be shown again\n`)
      print(secret)
    })

  storageFlags(dealers.command('assign').description('set a vehicle\'s own dealer (alerts and service reminders go to it)'))
    .argument('<vin>', 'the vehicle').argument('[dealer]', 'dealer id')
    .option('--none', 'the vehicle has no own dealer: alerts go to the nearest one')
    .action(async (vin: string, dealerId: string | undefined, flags: StorageFlags & { none?: boolean }) => {
      if ((dealerId === undefined) === (flags.none !== true)) throw new InvalidArgumentError('give one of a dealer id and --none')
      const upper = vin.toUpperCase()
      await withStorage(flags, async (st) => { await st.vehicles.assignDealer(upper, dealerId ?? null) })
      print(dealerId === undefined ? `${upper}\tno own dealer` : `${upper}\t${dealerId}`)
    })
}
