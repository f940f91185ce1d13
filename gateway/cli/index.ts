#!/usr/bin/env node
/** The `pitwall` binary: the program of program.ts on this process's arguments. */
import { exitWithError } from './output.js'
import { pitwallProgram } from './program.js'

pitwallProgram().parseAsync(process.argv).catch((err: unknown) => { exitWithError('pitwall', err) })
