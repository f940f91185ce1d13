/**
 * The `pitwall` command line as a commander program, a file per command
 * group (as gateway/api/ has a file per resource). index.ts runs it as the
 * binary; tests also run it in this process, one fresh program a command.
 * The simulator and the demo are a client of the gateway with their own
 * entry (sim/cli.ts).
 */
import { Command } from 'commander'
import { registerCampaignCommands } from './campaigns.js'
import { registerCaseCommands } from './cases.js'
import { registerCommandCommands } from './commands.js'
import { registerDiagnosticsCommands } from './diagnostics.js'
import { registerDealerCommands } from './dealers.js'
import { registerRescueCommands } from './rescue.js'
import { registerAssistanceCommands } from './assistance.js'
import { registerDecodeCommand } from './decode.js'
import { registerDeviceCommands } from './devices.js'
import { registerFaultCommands } from './faults.js'
import { registerKeyCommands } from './keys.js'
import { registerKpiCommand } from './kpis.js'
import { registerQualityCommand } from './quality.js'
import { registerReprojectCommand } from './reproject.js'
import { registerStorageCommand } from './storage.js'
import { registerMaintenanceCommands } from './service-reminders.js'
import { registerManifestCommands } from './manifests.js'
import { registerOtaPackageCommands } from './ota-packages.js'
import { registerRuleCommands } from './rules.js'
import { registerStartCommand } from './start.js'
import { registerTokenCommands } from './tokens.js'

export function pitwallProgram (): Command {
  const program = new Command()
  program.name('pitwall').description('Connected-vehicle telemetry and remote-diagnostics gateway')

  // the order of `pitwall --help`
  registerStartCommand(program)
  registerDeviceCommands(program)
  registerRuleCommands(program)
  registerFaultCommands(program)
  registerMaintenanceCommands(program)
  registerKeyCommands(program)
  registerOtaPackageCommands(program)
  registerCommandCommands(program)
  registerDiagnosticsCommands(program)
  registerCampaignCommands(program)
  registerTokenCommands(program)
  registerCaseCommands(program)
  registerKpiCommand(program)
  registerQualityCommand(program)
  registerDealerCommands(program)
  registerRescueCommands(program)
  registerAssistanceCommands(program)
  registerManifestCommands(program)
  registerDecodeCommand(program)
  registerReprojectCommand(program)
  registerStorageCommand(program)
  return program
}
