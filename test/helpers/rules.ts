/** A stored-rule fixture: coolant over 110 °C, 10 s to open and to clear; override what a test needs. */
import type { RuleDefinition } from '../../rules/model.js'

export const overheatRule = (id: string, overrides: Partial<RuleDefinition> = {}): RuleDefinition => ({
  id,
  name: `${id} rule`,
  severity: 'major',
  enabled: true,
  scope: { models: [], firmware: [] },
  when: { kind: 'compare', signal: 'Vehicle.Powertrain.CombustionEngine.ECT', op: '>', value: 110 },
  forS: 10,
  clearForS: 10,
  reopenWithinS: 600,
  version: `${id}-v1`,
  ...overrides
})
