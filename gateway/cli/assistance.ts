/**
 * `pitwall assistance list|answer`: dealers' questions to the engineers
 * about their alerts, on storage directly. An answer is given once; the
 * dealer's webhook (sent by a running gateway) says it was answered.
 */
import { InvalidArgumentError, type Command } from 'commander'
import { ASSISTANCE_STATES, type AssistanceRequest, type AssistanceState } from '../../actions/assistance/model.js'
import { AssistanceService } from '../../actions/assistance/service.js'
import { print } from './output.js'
import { storageFlags, withStorage, type StorageFlags } from './storage-flags.js'
import { integer, me } from './values.js'

function state (value: string): AssistanceState {
  if (!(ASSISTANCE_STATES as readonly string[]).includes(value)) throw new InvalidArgumentError(`"${value}" is not one of ${ASSISTANCE_STATES.join(', ')}`)
  return value as AssistanceState
}

const oneLine = (text: string): string => text.replace(/\s+/g, ' ')

function requestLine (r: AssistanceRequest): string {
  return `${r.id}\t${r.state}\t${r.dealerId}\talert ${r.alertId}\t${r.vin}\t${oneLine(r.subject)}\tasked ${r.askedAt.toISOString()} by ${r.askedBy}\t${oneLine(r.question)}`
}

export function registerAssistanceCommands (program: Command): void {
  const assistance = program.command('assistance').description('dealers\' requests for technical assistance on their alerts, and the engineers\' answers')

  storageFlags(assistance.command('list').description('assistance requests, newest first (the engineers\' queue: --state open)'))
    .option('--state <state>', `only this state (${ASSISTANCE_STATES.join(', ')})`, state)
    .option('--dealer <id>', 'only this dealer\'s')
    .option('--limit <n>', 'at most this many', integer, 100)
    .option('--json', 'JSON output')
    .action(async (flags: StorageFlags & { state?: AssistanceState, dealer?: string, limit: number, json?: boolean }) => {
      const list = await withStorage(flags, async (st) => await st.assistance.list({ state: flags.state, dealerId: flags.dealer, limit: flags.limit }))
      if (flags.json === true) print(JSON.stringify(list))
      else for (const r of list) print(requestLine(r))
    })

  storageFlags(assistance.command('answer').description('answer an open assistance request (once), optionally pointing to a case'))
    .argument('<id>', 'assistance request id', integer)
    .requiredOption('--answer <text>', 'what the workshop should do')
    .option('--case <id>', 'the case that holds the fix (must exist)')
    .option('--by <name>', 'the engineer answering (default: the OS user)')
    .option('--json', 'print the request as JSON')
    .action(async (id: number, flags: StorageFlags & { answer: string, case?: string, by?: string, json?: boolean }) => {
      const answered = await withStorage(flags, async (st) => await new AssistanceService(st.assistance, { info: () => {} }).answer(id, flags.answer, me(flags.by), flags.case))
      if (flags.json === true) { print(JSON.stringify(answered)); return }
      print(requestLine(answered))
      print(`  answered by ${answered.answeredBy ?? '?'}${answered.caseId === null ? '' : ` (case ${answered.caseId})`}: ${oneLine(answered.answer ?? '')}`)
    })
}
