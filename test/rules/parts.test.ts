/**
 * Structured parts as rule files, case packs and the case API give them:
 * {number, description, quantity}, or the older plain description; what is
 * refused names the rule or case, the part and the field.
 */
import t from 'tap'
import { parseCasePack } from '../../actions/cases/pack.js'
import { validateCase } from '../../actions/cases/policy.js'
import { parseRules } from '../../rules/load.js'
import { MAX_PART_DESCRIPTION, MAX_PARTS, partText, readParts } from '../../rules/parts.js'
import { ruleToFile } from '../../rules/to-file.js'

const refuse = (field: string, what: string): never => { throw new Error(`${field} ${what}`) }
const prestage = (parts: string): string =>
  `rules:\n  - id: overheat\n    severity: major\n    when: { signal: Vehicle.Speed, op: '>', value: 1 }\n    action: { type: dealer_prestage, repairHours: 1, parts: ${parts} }\n`

t.test('a part: number, description and quantity; a plain description is a part without a number, one of it', async (t) => {
  t.same(readParts([{ number: ' 1K0 959 455 DT ', description: ' radiator fan ', quantity: 2 }, 'fan relay', { description: 'coolant G13 1 l', number: null }], 'parts', refuse), [
    { number: '1K0 959 455 DT', description: 'radiator fan', quantity: 2 },
    { number: null, description: 'fan relay', quantity: 1 },
    { number: null, description: 'coolant G13 1 l', quantity: 1 }
  ])
  t.same(readParts([{ number: '', description: 'wiper blade' }], 'parts', refuse), [{ number: null, description: 'wiper blade', quantity: 1 }], 'an empty number is none')
  t.same(['8E0-121-113', 'N 910 845 01', 'A000.420_51/20'].map((number) => readParts([{ number, description: 'x' }], 'parts', refuse)[0]?.number), ['8E0-121-113', 'N 910 845 01', 'A000.420_51/20'])
  t.equal(partText({ number: '8E0-698-151', description: 'brake pad set', quantity: 2 }), '2 × brake pad set (8E0-698-151)')
  t.equal(partText({ number: null, description: 'fan relay', quantity: 1 }), 'fan relay', 'as the plain form read before')
})

t.test('what is refused, and where', async (t) => {
  const refused: Array<[unknown, string]> = [
    ['fan relay', 'parts must be a list of parts'],
    [[''], 'parts[0] is empty'],
    [['   '], 'parts[0] is empty'],
    [[{ number: 'X1' }], 'parts[0] needs the field "description"'],
    [[{ description: 'fan', qty: 2 }], 'parts[0] has an unknown field "qty" (a part has number, description and quantity)'],
    [[{ description: 'x'.repeat(MAX_PART_DESCRIPTION + 1) }], `parts[0].description is ${MAX_PART_DESCRIPTION + 1} characters; at most ${MAX_PART_DESCRIPTION}`],
    [['fan', { description: 'fan', quantity: 0 }], 'parts[1].quantity must be a whole number from 1 to 999, got 0'],
    [[{ description: 'fan', quantity: 1.5 }], 'parts[0].quantity must be a whole number from 1 to 999, got 1.5'],
    [[{ description: 'fan', quantity: 1000 }], 'parts[0].quantity must be a whole number from 1 to 999, got 1000'],
    [[{ description: 'fan', quantity: '2' }], 'parts[0].quantity must be a whole number from 1 to 999, got "2"'],
    [[{ number: 'PW 1831;DROP', description: 'fan' }], 'parts[0].number "PW 1831;DROP" is not a part number: letters and digits, with single spaces, dots, slashes, hyphens or underscores between them (e.g. 1K0 959 455 DT)'],
    [[{ number: 'PW--1831', description: 'fan' }], 'parts[0].number "PW--1831" is not a part number'],
    [[{ number: 'P'.repeat(41), description: 'fan' }], 'parts[0].number is 41 characters; at most 40'],
    [[{ number: 7, description: 'fan' }], 'parts[0].number must be text'],
    [[42], 'parts[0] must be a part ({number, description, quantity}) or a description'],
    [[{ number: 'pw-1', description: 'fan' }, { number: 'PW-1', description: 'fan again' }], 'parts[1].number "PW-1" is listed already as parts[0]: give one entry with the quantity needed'],
    [Array.from({ length: MAX_PARTS + 1 }, () => 'bolt'), `parts has ${MAX_PARTS + 1} parts; at most ${MAX_PARTS}`]
  ]
  for (const [raw, message] of refused) t.throws(() => readParts(raw, 'parts', refuse), { message: new RegExp(`^${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`) }, message)
})

t.test('a rule file: both forms load, a bad part names the rule and field, and the file written back loads to the same version', async (t) => {
  const [rule] = parseRules(prestage('[{ number: PW-1831-010, description: radiator fan assembly }, { description: coolant G13 1 l, quantity: 2 }, fan relay]'), 'r.yaml')
  t.same(rule?.action, {
    type: 'dealer_prestage',
    repairHours: 1,
    fix: '',
    parts: [{ number: 'PW-1831-010', description: 'radiator fan assembly', quantity: 1 }, { number: null, description: 'coolant G13 1 l', quantity: 2 }, { number: null, description: 'fan relay', quantity: 1 }]
  })
  const text = JSON.stringify({ rules: [ruleToFile(rule as NonNullable<typeof rule>)] })
  t.equal(parseRules(text, 'r.json')[0]?.version, rule?.version, 'saved from the console unchanged, the rule keeps its version')
  t.same((ruleToFile(rule as NonNullable<typeof rule>).action as { parts: unknown }).parts,
    [{ number: 'PW-1831-010', description: 'radiator fan assembly' }, { description: 'coolant G13 1 l', quantity: 2 }, { description: 'fan relay' }], 'written back without the defaults')
  const legacy = parseRules(prestage('[radiator fan assembly, fan relay]'), 'r.yaml')[0]?.action
  t.match(legacy, { parts: [{ number: null, description: 'radiator fan assembly', quantity: 1 }, { number: null, description: 'fan relay', quantity: 1 }] }, 'a pack of the older form still loads')

  t.throws(() => parseRules(prestage('[{ description: fan, quantity: 0 }]'), 'r.yaml'),
    { code: 'PITWALL_ERR_RULE_FILE', message: 'r.yaml: rule overheat: action.parts[0].quantity must be a whole number from 1 to 999, got 0', at: { path: ['rules', 0, 'action', 'parts', 0, 'quantity'] } })
  t.throws(() => parseRules(prestage('[{ number: PW-1 }]'), 'r.yaml'), { code: 'PITWALL_ERR_RULE_FILE', message: 'r.yaml: rule overheat: action.parts[0] needs the field "description"' })
  t.throws(() => parseRules(prestage('[{ description: fan, count: 2 }]'), 'r.yaml'), { code: 'PITWALL_ERR_RULE_FILE', message: 'r.yaml: rule overheat: action.parts[0] has an unknown field "count"' })
  t.throws(() => parseRules(prestage('[[fan]]'), 'r.yaml'), { code: 'PITWALL_ERR_RULE_FILE', message: /^r\.yaml: rule overheat: action\.parts\[0\] must be string,object/ })
})

t.test('a case: both forms, the same refusals as a rule, in a pack and from the API alike', async (t) => {
  t.same(validateCase({ id: 'case-fan', title: 'Fan', parts: ['fan relay', { number: 'PW-6121-004', description: 'fan relay socket', quantity: 2 }] }).parts,
    [{ number: null, description: 'fan relay', quantity: 1 }, { number: 'PW-6121-004', description: 'fan relay socket', quantity: 2 }])
  t.throws(() => validateCase({ id: 'case-fan', title: 'Fan', parts: [{ description: 'fan', quantity: -1 }] }),
    { code: 'PITWALL_ERR_CASE_INVALID', message: 'case "case-fan": parts[0].quantity must be a whole number from 1 to 999, got -1' })
  t.throws(() => validateCase({ id: 'case-fan', title: 'Fan', parts: [{ number: 'ä-1', description: 'fan' }] }),
    { code: 'PITWALL_ERR_CASE_INVALID', message: /parts\[0\]\.number "ä-1" is not a part number/ })
  t.throws(() => parseCasePack('cases:\n  - id: case-a\n    title: A\n    parts: [{ description: fan, quantity: 1000 }]\n', 'a.yaml'),
    { code: 'PITWALL_ERR_CASE_PACK', message: 'a.yaml: case "case-a": parts[0].quantity must be a whole number from 1 to 999, got 1000' })
  t.throws(() => parseCasePack('cases:\n  - id: case-a\n    title: A\n    parts: [{ description: fan, qty: 2 }]\n', 'a.yaml'),
    { code: 'PITWALL_ERR_CASE_PACK', message: 'a.yaml: case case-a: parts[0] has an unknown field "qty"' })
})
