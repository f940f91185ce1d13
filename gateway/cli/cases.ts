/** `pitwall cases apply|search`: the case base of known faults and their fixes. */
import type { Command } from 'commander'
import { CaseBase } from '../../actions/cases/case-base.js'
import { loadCasePack } from '../../actions/cases/pack.js'
import { print } from './output.js'
import { storageFlags, withStorage, type StorageFlags } from './storage-flags.js'
import { me } from './values.js'

export function registerCaseCommands (program: Command): void {
  const cases = program.command('cases').description('the case base: known faults and their fixes')
  storageFlags(cases.command('apply').description('add or update the cases of a YAML or JSON case pack')).argument('<file>').option('--by <name>')
    .action(async (file: string, flags: StorageFlags & { by?: string }) => {
      const inputs = loadCasePack(file)
      const r = await withStorage(flags, async (st) => await new CaseBase(st.cases).apply(inputs, me(flags.by)))
      print(JSON.stringify(r))
    })
  storageFlags(cases.command('search').description('full-text search (words, "phrases", -not, or a DTC like P0301)')).argument('<query>').option('--json', 'JSON output')
    .action(async (query: string, flags: StorageFlags & { json?: boolean }) => {
      const hits = await withStorage(flags, async (st) => await new CaseBase(st.cases).search(query))
      if (flags.json === true) print(JSON.stringify(hits))
      else for (const h of hits) print(`${h.case.id}\t${h.case.title}`)
    })
}
