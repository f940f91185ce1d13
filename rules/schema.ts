/**
 * The JSON schema of a rule file (YAML or JSON): { rules: [ ... ] }, and
 * optionally { maintenance: [ ... ] } beside or instead of `rules` (service
 * intervals and slow trends, read by service-reminders/load.ts). Shapes only; what
 * needs the catalog or the DTC grammar (signal names, codes, status flags)
 * is checked by load.ts and service-reminders/load.ts.
 */
import { partsInputSchema } from './parts.js'

const duration = { anyOf: [{ type: 'number', minimum: 0 }, { type: 'string', pattern: '^\\d+(\\.\\d+)?\\s*(ms|s|min|m|h|d)$' }] }
const op = { enum: ['>', '>=', '<', '<=', '==', '!='] }
const pair = { type: 'array', items: { type: 'number' }, minItems: 2, maxItems: 2 }
const id = { type: 'string', pattern: '^[a-z0-9][a-z0-9._-]{0,99}$' }
const scope = {
  type: 'object',
  additionalProperties: false,
  properties: {
    models: { type: 'array', items: { type: 'string' } },
    firmware: { type: 'array', items: { type: 'string' } }
  }
}
/** "below" / "above": equality is meaningless for a fitted slope or a mean */
const trendTest = { type: 'object', required: ['op', 'value'], additionalProperties: false, properties: { op: { enum: ['<', '<=', '>', '>='] }, value: { type: 'number' } } }

/**
 * One maintenance item: a service interval (`every`, whichever limit comes
 * first) or a slow trend over daily aggregates of stored samples (`trend`);
 * service-reminders/load.ts checks that exactly one of the two is given.
 */
const maintenanceSchema = {
  type: 'object',
  required: ['id', 'task'],
  additionalProperties: false,
  properties: {
    id,
    name: { type: 'string', maxLength: 200 },
    description: { type: 'string', maxLength: 4000 },
    enabled: { type: 'boolean' },
    scope,
    /** what the dealer should do */
    task: { type: 'string', minLength: 1, maxLength: 4000 },
    parts: { type: 'array', items: { type: 'string', minLength: 1 } },
    every: {
      type: 'object',
      minProperties: 1,
      additionalProperties: false,
      properties: {
        km: { type: 'number', exclusiveMinimum: 0 },
        hours: { type: 'number', exclusiveMinimum: 0 },
        days: { type: 'integer', minimum: 1 },
        months: { type: 'integer', minimum: 1 }
      }
    },
    dueSoon: {
      type: 'object',
      additionalProperties: false,
      properties: {
        km: { type: 'number', minimum: 0 },
        hours: { type: 'number', minimum: 0 },
        days: { type: 'integer', minimum: 0 }
      }
    },
    trend: {
      type: 'object',
      required: ['signal', 'aggregate', 'window', 'minDays'],
      additionalProperties: false,
      properties: {
        signal: { type: 'string' },
        minus: { type: 'string' },
        aggregate: { enum: ['min', 'avg', 'max'] },
        where: { type: 'object', required: ['signal', 'op', 'value'], additionalProperties: false, properties: { signal: { type: 'string' }, op, value: { type: 'number' } } },
        window: duration,
        minDays: { type: 'integer', minimum: 1 },
        slope: trendTest,
        last: trendTest
      }
    }
  }
}

export const ruleFileSchema = {
  $id: 'pitwall-rules',
  type: 'object',
  required: ['rules'],
  additionalProperties: false,
  properties: {
    rules: { type: 'array', items: { $ref: '#/$defs/rule' } },
    maintenance: { type: 'array', items: { $ref: '#/$defs/maintenance' } }
  },
  $defs: {
    maintenance: maintenanceSchema,
    rule: {
      type: 'object',
      required: ['id', 'severity', 'when'],
      additionalProperties: false,
      properties: {
        id: { type: 'string', pattern: '^[a-z0-9][a-z0-9._-]{0,99}$' },
        name: { type: 'string', maxLength: 200 },
        description: { type: 'string', maxLength: 4000 },
        severity: { enum: ['critical', 'major', 'minor', 'info'] },
        enabled: { type: 'boolean' },
        scope: {
          type: 'object',
          additionalProperties: false,
          properties: {
            models: { type: 'array', items: { type: 'string' } },
            firmware: { type: 'array', items: { type: 'string' } }
          }
        },
        when: { $ref: '#/$defs/condition' },
        for: duration,
        clear: { $ref: '#/$defs/condition' },
        clearFor: duration,
        reopenWithin: duration,
        action: { $ref: '#/$defs/action' },
        case: { type: 'string', maxLength: 100 }
      }
    },
    condition: {
      type: 'object',
      minProperties: 1,
      oneOf: [
        { required: ['signal', 'minus', 'op', 'value'], additionalProperties: false, properties: { signal: { type: 'string' }, minus: { type: 'string' }, op, value: { type: 'number' } } },
        { required: ['signal', 'op', 'value'], additionalProperties: false, properties: { signal: { type: 'string' }, op, value: { type: 'number' } } },
        { required: ['signal', 'between'], additionalProperties: false, properties: { signal: { type: 'string' }, between: pair } },
        { required: ['signal', 'outside'], additionalProperties: false, properties: { signal: { type: 'string' }, outside: pair } },
        {
          required: ['signal', 'rate'],
          additionalProperties: false,
          properties: {
            signal: { type: 'string' },
            rate: { type: 'object', required: ['op', 'value'], additionalProperties: false, properties: { op, value: { type: 'number' }, per: duration } }
          }
        },
        { required: ['signal', 'stale'], additionalProperties: false, properties: { signal: { type: 'string' }, stale: duration } },
        { required: ['dtc'], additionalProperties: false, properties: { dtc: { type: 'string' }, status: { type: 'array', items: { type: 'string' } } } },
        {
          required: ['geofence'],
          additionalProperties: false,
          properties: {
            geofence: {
              type: 'object',
              required: ['lat', 'lon', 'radiusM'],
              additionalProperties: false,
              properties: { lat: { type: 'number', minimum: -90, maximum: 90 }, lon: { type: 'number', minimum: -180, maximum: 180 }, radiusM: { type: 'number', exclusiveMinimum: 0 }, outside: { type: 'boolean' } }
            }
          }
        },
        { required: ['count', 'atLeast', 'within'], additionalProperties: false, properties: { count: { $ref: '#/$defs/condition' }, atLeast: { type: 'integer', minimum: 1, maximum: 1000 }, within: duration } },
        { required: ['all'], additionalProperties: false, properties: { all: { type: 'array', minItems: 1, items: { $ref: '#/$defs/condition' } } } },
        { required: ['any'], additionalProperties: false, properties: { any: { type: 'array', minItems: 1, items: { $ref: '#/$defs/condition' } } } },
        { required: ['not'], additionalProperties: false, properties: { not: { $ref: '#/$defs/condition' } } }
      ]
    },
    action: {
      type: 'object',
      required: ['type'],
      oneOf: [
        {
          additionalProperties: false,
          required: ['type', 'command'],
          properties: {
            type: { const: 'remote_fix' },
            command: { enum: ['ota', 'remote_action'] },
            package: { type: 'string' },
            version: { type: 'string' },
            name: { type: 'string' },
            params: { type: 'object', additionalProperties: { type: 'string' } },
            approval: { enum: ['auto', 'engineer'] }
          }
        },
        {
          additionalProperties: false,
          required: ['type', 'parts'],
          properties: {
            type: { const: 'dealer_prestage' },
            parts: partsInputSchema,
            repairHours: { type: 'number', minimum: 0 },
            fix: { type: 'string' }
          }
        },
        { additionalProperties: false, required: ['type'], properties: { type: { const: 'rescue' } } },
        { additionalProperties: false, required: ['type', 'task'], properties: { type: { const: 'service_reminder' }, task: { type: 'string' } } }
      ]
    }
  }
} as const
