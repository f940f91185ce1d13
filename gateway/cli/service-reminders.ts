/** `pitwall maintenance check|service|reminders`: service intervals, slow-trend rules and the reminders they raise. */
import type { Command } from 'commander'
import { print } from './output.js'
import { storageFlags, withStorage, type StorageFlags } from './storage-flags.js'
import { me } from './values.js'

export function registerMaintenanceCommands (program: Command): void {
  const maintenance = program.command('maintenance').description('service intervals and slow-trend rules: service reminders for the dealer')

  storageFlags(maintenance.command('check').description('evaluate a maintenance file now and update the service reminders'))
    .argument('<file>', 'a rule file with a maintenance: section')
    .option('--json', 'the changes as JSON')
    .action(async (file: string, flags: StorageFlags & { json?: boolean }) => {
      const { loadReminderDefinitions } = await import('../../rules/service-reminders/load.js')
      const { checkServiceReminders } = await import('../service-reminders.js')
      const defs = loadReminderDefinitions(file)
      const changes = await withStorage(flags, async (storage) => await checkServiceReminders(storage.serviceReminders, defs))
      if (flags.json === true) print(JSON.stringify(changes))
      else for (const c of changes) print(`${c.change}\t${c.reminder.vin}\t${c.reminder.ruleId}\t${c.reminder.kind}`)
    })

  storageFlags(maintenance.command('service').description('record a service done on a vehicle (closes the reminders it covers)'))
    .argument('<vin>', 'the vehicle')
    .requiredOption('--covers <ids...>', 'maintenance item ids the service took care of')
    .option('--description <text>', 'what was done', '')
    .option('--odometer <km>', 'odometer at the service (default: the latest stored reading)', Number)
    .option('--hours <h>', 'engine hours at the service (default: the latest stored reading)', Number)
    .option('--by <name>', 'who records it (default: the OS user)')
    .action(async (vin: string, flags: StorageFlags & { covers: string[], description: string, odometer?: number, hours?: number, by?: string }) => {
      const result = await withStorage(flags, async (storage) => await storage.serviceReminders.recordService({
        vin, time: new Date(), odometerKm: flags.odometer, engineHours: flags.hours, covers: flags.covers, description: flags.description, by: me(flags.by)
      }))
      print(`service recorded for ${vin}; ${result.closedReminders} reminder(s) closed`)
    })

  storageFlags(maintenance.command('reminders').description('list service reminders'))
    .option('--vin <vin>', 'one vehicle')
    .option('--state <state>', 'open, done or dismissed')
    .option('--json', 'JSON output')
    .action(async (flags: StorageFlags & { vin?: string, state?: string, json?: boolean }) => {
      const list = await withStorage(flags, async (storage) => await storage.serviceReminders.reminders({ vin: flags.vin, state: flags.state as 'open' | undefined }))
      if (flags.json === true) print(JSON.stringify(list))
      else for (const r of list) print(`${r.id}\t${r.vin}\t${r.ruleId}\t${r.kind}\t${r.state}\t${r.dueAt?.toISOString() ?? '-'}\t${r.dueKm ?? '-'} km`)
    })
}
