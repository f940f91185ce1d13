/** `pitwall device add|list`: vehicle credentials (a secret is shown once). */
import { InvalidArgumentError, type Command } from 'commander'
import { provisionDevice } from '../provisioning.js'
import { print } from './output.js'
import { storageFlags, withStorage, type StorageFlags } from './storage-flags.js'

export function registerDeviceCommands (program: Command): void {
  const device = program.command('device').description('manage vehicle credentials')

  storageFlags(device.command('add').description('register a vehicle and print its secret (shown once)'))
    .argument('<vin>', 'the vehicle identification number (17 characters)')
    .option('--model <model>', 'vehicle model')
    .option('--firmware <version>', 'T-box firmware version')
    .option('--brand <brand>', 'make, e.g. BMW: dealer routing prefers dealers of this brand')
    .option('--rotate', 'replace the secret of an already registered vehicle')
    .option('--json', 'print {"vin","secret"} as JSON for scripts')
    .action(async (vin: string, flags: StorageFlags & { model?: string, firmware?: string, brand?: string, rotate?: boolean, json?: boolean }) => {
      // before anything is stored: a refused brand must not leave a vehicle whose secret was never shown
      if (flags.brand !== undefined && flags.brand.trim() === '') throw new InvalidArgumentError('--brand must not be empty')
      await withStorage(flags, async (storage) => {
        const creds = await provisionDevice(storage.vehicles, { vin, model: flags.model, firmware: flags.firmware }, flags.rotate === true)
        if (flags.brand !== undefined) await storage.vehicles.setBrand(creds.vin, flags.brand)
        if (flags.json === true) {
          process.stdout.write(JSON.stringify(creds) + '\n')
        } else {
          process.stdout.write(`vehicle ${creds.vin} registered\n` +
            `MQTT client id and username: ${creds.vin}\n` +
            `MQTT password (device secret, shown only now): ${creds.secret}\n`)
        }
      })
    })

  storageFlags(device.command('list').description('list registered vehicles'))
    .option('--json', 'JSON output')
    .action(async (flags: StorageFlags & { json?: boolean }) => {
      const list = await withStorage(flags, async (storage) => await storage.vehicles.list())
      if (flags.json === true) print(JSON.stringify(list))
      else for (const v of list) print(`${v.vin}\t${v.model ?? '-'}\t${v.firmware ?? '-'}\t${v.manifest === null ? 'no manifest' : `manifest ${v.model ?? ''}@${v.manifest.version}`}\t${v.lastSeenAt?.toISOString() ?? 'never seen'}`)
    })
}
