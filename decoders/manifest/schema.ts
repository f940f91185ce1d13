/**
 * The JSON schema of a decoder manifest file (YAML or JSON). Shapes only;
 * what needs the DBCs or the catalog (does the message exist, does the unit
 * match) is checked by resolve.ts.
 */
const duration = { anyOf: [{ type: 'number', minimum: 0 }, { type: 'string', pattern: '^\\d+(\\.\\d+)?\\s*(ms|s|min|m|h|d)$' }] }
/** Dotted like VSS (Vehicle.Powertrain.CombustionEngine.Speed); an OEM branch of its own is fine. */
export const CATALOG_NAME_PATTERN = '^[A-Za-z][A-Za-z0-9_]*(\\.[A-Za-z0-9_]+){0,15}$'
const catalogName = { type: 'string', maxLength: 200, pattern: CATALOG_NAME_PATTERN }
const policy = {
  minInterval: duration,
  deadband: { type: 'number', minimum: 0 },
  maxInterval: duration
}

/** One field of a maker DID's data (decoders/diagnostics/maker-dids.ts). */
const didField = {
  bytes: { type: 'integer', minimum: 1, maximum: 4092 },
  type: { enum: ['unsigned', 'signed', 'ascii', 'hex'] },
  scale: { type: 'number' },
  offset: { type: 'number' },
  unit: { type: 'string', maxLength: 32 },
  labels: { type: 'object', maxProperties: 256, propertyNames: { pattern: '^-?\\d{1,15}$' }, additionalProperties: { type: 'string', maxLength: 100 } }
}

export const manifestSchema = {
  type: 'object',
  required: ['model', 'buses'],
  additionalProperties: false,
  properties: {
    model: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[^\\u0000-\\u001f\\u007f]+$' },
    description: { type: 'string', maxLength: 4000 },
    strict: { type: 'boolean' },
    vssAttribute: { type: 'boolean' },
    buses: {
      type: 'array',
      minItems: 1,
      maxItems: 16,
      items: {
        type: 'object',
        required: ['bus', 'dbc'],
        additionalProperties: false,
        properties: {
          bus: { type: 'integer', minimum: 0, maximum: 65535 },
          dbc: { type: 'string', minLength: 1, maxLength: 1024 },
          name: { type: 'string', maxLength: 100 }
        }
      }
    },
    signals: {
      type: 'array',
      maxItems: 20000,
      items: {
        type: 'object',
        required: ['from', 'signal'],
        additionalProperties: false,
        properties: {
          from: { type: 'string', pattern: '^[^.\\s]+\\.[^.\\s]+$', maxLength: 400 },
          bus: { type: 'integer', minimum: 0, maximum: 65535 },
          signal: catalogName,
          ...policy
        }
      }
    },
    catalog: {
      type: 'array',
      maxItems: 20000,
      items: {
        type: 'object',
        required: ['name', 'unit'],
        additionalProperties: false,
        properties: {
          name: catalogName,
          unit: { type: 'string', maxLength: 32 },
          vss: catalogName,
          description: { type: 'string', maxLength: 4000 }
        }
      }
    },
    defaults: { type: 'object', additionalProperties: false, properties: policy },
    dids: {
      type: 'array',
      maxItems: 4096,
      items: {
        type: 'object',
        required: ['did', 'name'],
        additionalProperties: false,
        properties: {
          // YAML reads 0x4001 as a number; JSON has no hex, so "0x4001" is taken too
          did: { anyOf: [{ type: 'integer', minimum: 0, maximum: 0xffff }, { type: 'string', pattern: '^0[xX][0-9A-Fa-f]{1,4}$' }] },
          name: { type: 'string', minLength: 1, maxLength: 100, pattern: '^[^\\u0000-\\u001f\\u007f]+$' },
          // shorthand for a DID of one field: its fields' keys beside the name
          ...didField,
          fields: { type: 'array', minItems: 1, maxItems: 64, items: { type: 'object', required: ['name', 'bytes'], additionalProperties: false, properties: { name: { type: 'string', minLength: 1, maxLength: 100 }, ...didField } } }
        }
      }
    }
  }
} as const
