/**
 * `pitwall keys generate|export|list`: the Ed25519 keys the gateway signs
 * commands with, in the key directory (no database).
 */
import type { Command } from 'commander'
import { exportPublicKeys, generateCommandKey, loadCommandKeys } from '../../actions/commands/keys.js'
import { print } from './output.js'
import { defaultKeysDir } from './storage-flags.js'

function keyDirFlags (cmd: Command): Command {
  return cmd
    .option('--dir <dir>', 'key directory (default: DATA_DIR/command-keys)')
    .option('--data-dir <dir>', 'data directory (PITWALL_DATA_DIR)')
}

export function registerKeyCommands (program: Command): void {
  const keys = program.command('keys').description('Ed25519 keys the gateway signs commands with')
  keyDirFlags(keys.command('generate').description('add a signing key (the newest signs; provision T-boxes with its public key first)'))
    .action(async (flags: { dir?: string, dataDir?: string }) => {
      const key = await generateCommandKey(flags.dir ?? defaultKeysDir(flags))
      print(key.keyId)
    })
  keyDirFlags(keys.command('export').description('the public keys a T-box must trust, as PEM, one per key id'))
    .option('--json', '{"keyId": "PEM"} as JSON')
    .action(async (flags: { dir?: string, dataDir?: string, json?: boolean }) => {
      const pems = await exportPublicKeys(flags.dir ?? defaultKeysDir(flags))
      if (flags.json === true) print(JSON.stringify(Object.fromEntries(pems)))
      else for (const [id, pem] of pems) print(`# ${id}\n${pem.trimEnd()}`)
    })
  keyDirFlags(keys.command('list').description('key ids, the active one first'))
    .action(async (flags: { dir?: string, dataDir?: string }) => {
      const loaded = await loadCommandKeys(flags.dir ?? defaultKeysDir(flags))
      print(`${loaded.active.keyId}\tactive`)
      for (const id of loaded.publicKeys.keys()) if (id !== loaded.active.keyId) print(`${id}\ttrusted`)
    })
}
