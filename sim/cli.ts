#!/usr/bin/env node
/**
 * The `pitwall-sim` command: simulated T-boxes, a client of the gateway as
 * the tests and the benchmarks are (the gateway never imports sim/).
 *
 *   pitwall-sim demo                                   a gateway and a fleet, with live counts
 *   pitwall-sim fleet --credentials fleet.json ...     a fleet against any gateway
 */
import { Command } from 'commander'
import { exitWithError } from '../gateway/cli/output.js'
import { createDemoCommand } from './demo-command.js'
import { createFleetCommand } from './fleet-command.js'

const program = new Command()
program.name('pitwall-sim').description('Simulated T-boxes for a Pitwall gateway: a demo, or a fleet against any gateway')
program.addCommand(createDemoCommand())
program.addCommand(createFleetCommand())

program.parseAsync(process.argv).catch((err: unknown) => { exitWithError('pitwall-sim', err) })
