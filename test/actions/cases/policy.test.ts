/**
 * What the case base accepts, without a database: normalised content,
 * bounded pages and searches, and the case a resolved fault becomes.
 */
import t from 'tap'
import type { FaultForCase } from '../../../actions/cases/model.js'
import { caseFromFault, pageLimit, searchText, validateCase, validateCases } from '../../../actions/cases/policy.js'

t.test('a case is trimmed, its DTCs become unique J2012 codes and its hours are rounded as stored', async (t) => {
  t.same(validateCase({ id: 'case-a', title: ' A ', symptoms: ' hot ', dtcs: ['p0301', 'P0301-1A'], steps: [' drain '], repairHours: 0.755 }),
    { id: 'case-a', title: 'A', symptoms: 'hot', dtcs: ['P0301'], steps: ['drain'], parts: [], repairHours: 0.76 })
  t.throws(() => validateCases([{ id: 'case-a', title: 'A' }, { id: 'case-a', title: 'B' }]), { code: 'PITWALL_ERR_CASE_INVALID', message: 'case case-a is given twice' })
})

t.test('searches and pages stay within bounds', async (t) => {
  t.equal(searchText(' P0301-1A misfire '), 'P0301 misfire', 'a DTC with its failure type searches for its code')
  t.throws(() => searchText(' '), { code: 'PITWALL_ERR_CASE_QUERY' })
  t.equal(pageLimit(undefined, 20), 20)
  t.throws(() => pageLimit(101, 20), { code: 'PITWALL_ERR_CASE_QUERY' })
})

t.test('only a resolved fault becomes a case, with the rule as title and the note as its step', async (t) => {
  const fault: FaultForCase = {
    state: 'resolved', ruleName: 'Overheat', ruleDescription: null, evidence: [], resolutionNote: 'Replaced the fan.', dtcs: [0x0217],
    action: { type: 'dealer_prestage', parts: [{ number: null, description: 'fan', quantity: 1 }], repairHours: 2, fix: 'fan' }
  }
  t.same(caseFromFault(7, fault, { id: 'case-f', by: 'eve' }),
    { id: 'case-f', title: 'Overheat', symptoms: 'Overheat.', dtcs: ['P0217'], steps: ['Replaced the fan.'], parts: [{ number: null, description: 'fan', quantity: 1 }], repairHours: 2 })
  t.throws(() => caseFromFault(7, undefined, { id: 'case-f', by: 'eve' }), { code: 'PITWALL_ERR_FAULT_UNKNOWN' })
  t.throws(() => caseFromFault(7, { ...fault, state: 'open' }, { id: 'case-f', by: 'eve' }), { code: 'PITWALL_ERR_FAULT_NOT_RESOLVED' })
})
