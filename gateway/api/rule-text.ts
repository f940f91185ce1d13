/**
 * One rule as an engineer edits it in the console (YAML or JSON text, or a
 * JSON object): parsed, then checked by the rule file's own loader
 * (rules/load.ts), so the API refuses exactly what `pitwall rules apply`
 * refuses. A refusal lists each problem with the path of its field
 * (`when.all[1].op`) and, for text, the line and column it is on, so an
 * editor can show it in place; a YAML or JSON syntax error is located the
 * same way.
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument, stringify, type Document, type Node } from 'yaml'
import { parseRules, RuleFileError, type RuleSignals } from '../../rules/load.js'
import type { RuleDefinition } from '../../rules/model.js'
import { ruleToFile } from '../../rules/to-file.js'
import { PitwallError } from '../../runtime/errors.js'

export const RULE_TEXT_FORMATS = ['yaml', 'json'] as const
export type RuleTextFormat = typeof RULE_TEXT_FORMATS[number]

export interface RuleProblem {
  /** the field within the rule, e.g. "when.all[1].op"; "" for the rule (or the text) as a whole */
  path: string
  message: string
  /** 1-based, in the text; absent for a rule sent as an object */
  line?: number
  column?: number
}

/** A rule that does not parse or check: PITWALL_ERR_RULE_FILE (400) with every problem located. */
export class RuleTextError extends PitwallError {
  constructor (message: string, readonly problems: RuleProblem[]) {
    super('PITWALL_ERR_RULE_FILE', message)
  }
}

/** The JSON schema of a problem list in a 400 answer. */
export const ruleProblemsSchema = {
  type: 'array',
  items: {
    type: 'object',
    required: ['path', 'message'],
    additionalProperties: false,
    properties: {
      path: { type: 'string', description: 'the field within the rule, e.g. when.all[1].op; empty for the rule or text as a whole' },
      message: { type: 'string' },
      line: { type: 'integer', description: '1-based line in the text' },
      column: { type: 'integer', description: '1-based column in the text' }
    }
  }
} as const

export interface RuleInput {
  /** YAML or JSON text of one rule, or the rule as an object */
  source: string | Record<string, unknown>
  format: RuleTextFormat
  /** names the input in messages, e.g. "body.text" */
  field: string
  signals: RuleSignals
  /** the id when the rule names none; `idMustBe`: a different one is refused */
  id: string
  idMustBe?: boolean
  /** when the rule does not say (enable/disable switch it apart from the text) */
  enabled: boolean
}

/** The rule the input describes, validated against `signals`; a RuleTextError otherwise. */
export function parseRuleInput (input: RuleInput): RuleDefinition {
  const { field } = input
  const located = typeof input.source === 'string' ? parseText(input.source, input.format, field) : { data: input.source as unknown, doc: undefined }
  const { data, doc } = located
  const problem = (path: string, message: string): RuleTextError =>
    new RuleTextError(`${field}: ${path === '' ? '' : `${path} `}${message}`, [{ path, message, ...where(doc, path === '' ? [] : [path]) }])
  if (data === null || typeof data !== 'object' || Array.isArray(data)) throw problem('', 'must be one rule: a mapping with id, severity, when, …')
  const rule = { ...data as Record<string, unknown> }
  if ('rules' in rule) throw problem('rules', 'is a rule file\'s list; give the one rule itself (id, severity, when, …)')
  if (rule.id === undefined) rule.id = input.id
  else if (input.idMustBe === true && rule.id !== input.id) throw problem('id', `is ${JSON.stringify(rule.id)}; this rule's id is ${JSON.stringify(input.id)}`)
  rule.enabled ??= input.enabled
  try {
    const [def] = parseRules(JSON.stringify({ rules: [rule] }), field, input.signals)
    return def as RuleDefinition
  } catch (err) {
    if (!(err instanceof RuleFileError)) throw err
    // the loader's path starts at the file's rules[0]
    const path = err.at?.path.slice(2) ?? []
    throw new RuleTextError(err.message, [{ path: pathText(path), message: err.at?.problem ?? err.message, ...where(doc, path) }])
  }
}

/** A stored rule as the console's editor shows it. */
export function ruleText (def: RuleDefinition): string {
  return stringify(ruleToFile(def), { lineWidth: 0 })
}

interface Located {
  data: unknown
  /** the YAML document (JSON is YAML too) with its line counter, to locate fields */
  doc: { document: Document, lines: LineCounter } | undefined
}

function parseText (text: string, format: RuleTextFormat, field: string): Located {
  const lines = new LineCounter()
  const document = parseDocument(text, { lineCounter: lines })
  if (format === 'json') {
    let data: unknown
    try {
      data = JSON.parse(text)
    } catch (err) {
      const message = `not valid JSON: ${(err as Error).message}`
      throw new RuleTextError(`${field}: ${message}`, [{ path: '', message, ...jsonPosition(text, (err as Error).message) }])
    }
    // JSON is YAML's flow style: the YAML parse only locates fields
    return { data, doc: document.errors.length === 0 ? { document, lines } : undefined }
  }
  const error = document.errors[0]
  if (error !== undefined) {
    const message = `not valid YAML: ${(error.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '')}`
    const at = error.linePos?.[0]
    throw new RuleTextError(`${field}: ${message}${at === undefined ? '' : ` (line ${at.line}, column ${at.col})`}`,
      [{ path: '', message, ...(at === undefined ? {} : { line: at.line, column: at.col }) }])
  }
  return { data: document.toJS(), doc: { document, lines } }
}

/** JSON.parse's position: "at position 11" (Node 20) or "(line 3 column 1)" (Node 22). */
function jsonPosition (text: string, message: string): { line?: number, column?: number } {
  const lineColumn = /line (\d+) column (\d+)/.exec(message)
  if (lineColumn !== null) return { line: Number(lineColumn[1]), column: Number(lineColumn[2]) }
  const position = /position (\d+)/.exec(message)
  if (position === null) return {}
  const before = text.slice(0, Number(position[1])).split('\n')
  return { line: before.length, column: (before[before.length - 1]?.length ?? 0) + 1 }
}

/** ['when', 'all', 1, 'op'] → "when.all[1].op" */
function pathText (path: ReadonlyArray<string | number>): string {
  return path.reduce<string>((text, part) => typeof part === 'number' ? `${text}[${part}]` : text === '' ? part : `${text}.${part}`, '')
}

/**
 * The line and column of the deepest part of `path` the text has: a field's
 * key (so an unknown or wrong field is marked where it is written), an
 * item, or, for a field that is missing, the mapping that should hold it.
 */
function where (doc: Located['doc'], path: ReadonlyArray<string | number>): { line?: number, column?: number } {
  if (doc === undefined) return {}
  let node: unknown = doc.document.contents
  let offset = (node as Node | null)?.range?.[0]
  for (const part of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && p.key.value === part)
      if (pair === undefined) break
      offset = (pair.key as Node).range?.[0] ?? offset
      node = pair.value
    } else if (isSeq(node) && typeof part === 'number' && node.items[part] !== undefined) {
      node = node.items[part]
      offset = (node as Node).range?.[0] ?? offset
    } else {
      break
    }
  }
  if (offset === undefined) return {}
  const { line, col } = doc.lines.linePos(offset)
  return { line, column: col }
}
