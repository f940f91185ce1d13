/**
 * Case packs without a database: the demo pack parses, and a bad pack is
 * refused naming the file, the case and the field.
 */
import t from 'tap'
import { DEMO_CASE_PACK, loadCasePack, parseCasePack } from '../../../actions/cases/pack.js'

t.test('the demo case pack parses, and bad packs are refused naming the case and field', async (t) => {
  const cases = loadCasePack(DEMO_CASE_PACK)
  t.ok(cases.length >= 5)
  t.ok(cases.some((c) => c.id === 'case-misfire-cylinder-1' && c.dtcs?.includes('P0301')))
  t.throws(() => parseCasePack('cases:\n  - id: case-a\n    title: A\n    step: [x]\n', 'a.yaml'),
    { code: 'PITWALL_ERR_CASE_PACK', message: 'a.yaml: case case-a: has an unknown field "step"' })
  t.throws(() => parseCasePack('cases:\n  - id: case-a\n    symptoms: hot\n', 'a.yaml'),
    { code: 'PITWALL_ERR_CASE_PACK', message: 'a.yaml: case case-a: needs the field "title"' })
  t.throws(() => parseCasePack('cases:\n  - id: case-a\n    title: A\n    dtcs: [P9301]\n', 'a.yaml'),
    { code: 'PITWALL_ERR_CASE_PACK', message: /^a\.yaml: case "case-a": dtcs\[0\]: .*first digit '9'/ })
  t.throws(() => parseCasePack('cases:\n  - id: Case A\n    title: A\n', 'a.yaml'),
    { code: 'PITWALL_ERR_CASE_PACK', message: /case "Case A": id must be a slug/ })
  t.throws(() => parseCasePack('cases:\n  - id: case-a\n    title: A\n  - id: case-a\n    title: B\n', 'a.yaml'),
    { code: 'PITWALL_ERR_CASE_PACK', message: 'a.yaml: case case-a: id is used by an earlier case in the file' })
  t.throws(() => parseCasePack('cases: [', 'a.yaml'), { code: 'PITWALL_ERR_CASE_PACK', message: /a\.yaml: not valid YAML/ })
  t.throws(() => loadCasePack('/nonexistent/cases.yaml'), { code: 'PITWALL_ERR_CASE_PACK', message: /\/nonexistent\/cases\.yaml: cannot read/ })
})
