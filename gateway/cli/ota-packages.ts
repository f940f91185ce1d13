/** `pitwall packages add|list`: the OTA package registry commands and campaigns name. */
import type { Command } from 'commander'
import { checkOtaPackage } from '../../actions/ota-packages/policy.js'
import { print } from './output.js'
import { storageFlags, withStorage, type StorageFlags } from './storage-flags.js'
import { me } from './values.js'

export function registerOtaPackageCommands (program: Command): void {
  const packages = program.command('packages').description('OTA packages commands and campaigns may name')
  storageFlags(packages.command('add').description('register an OTA package version'))
    .requiredOption('--package <name>').requiredOption('--version <version>').requiredOption('--url <url>', 'where the T-box downloads it')
    .requiredOption('--sha256 <hex>', 'SHA-256 of the file').requiredOption('--size <bytes>', 'file size', Number)
    .option('--by <name>', 'who registers it (default: the OS user)')
    .action(async (flags: StorageFlags & { package: string, version: string, url: string, sha256: string, size: number, by?: string }) => {
      const spec = { package: flags.package, version: flags.version, url: flags.url, sha256: flags.sha256.toLowerCase(), size: flags.size, addedBy: me(flags.by) }
      checkOtaPackage(spec)
      const p = await withStorage(flags, async (st) => await st.otaPackages.add(spec))
      print(`${p.package}@${p.version}`)
    })
  storageFlags(packages.command('list').description('registered OTA packages')).option('--json', 'JSON output')
    .action(async (flags: StorageFlags & { json?: boolean }) => {
      const all = await withStorage(flags, async (st) => await st.otaPackages.list())
      if (flags.json === true) print(JSON.stringify(all))
      else for (const p of all) print(`${p.package}@${p.version}\t${p.size} B\t${p.url}`)
    })
}
