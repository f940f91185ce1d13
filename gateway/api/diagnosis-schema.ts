/**
 * The response schema of a diagnostic command's `diagnosis`
 * (actions/commands/diagnosis.ts, decoders/diagnostics/response.ts): the
 * serializer answers exactly what a schema names, so it follows those types
 * field by field (test/gateway/api/openapi.test.ts checks a decoded answer
 * arrives whole).
 */
import { arrayOf, objectOf, orNull, out, type JsonSchema } from './openapi.js'

const texts = arrayOf(out.text)
const value = objectOf({ name: out.text, unit: out.text, value: orNull(out.number), label: out.text }, ['label'])
const did = objectOf({ did: out.integer, name: out.text, hex: out.text, text: out.text, values: arrayOf(value) }, ['name', 'text', 'values'])
const dtc = objectOf({ code: out.text, text: out.text, status: out.integer, statusFlags: texts, severity: out.integer, recordNumber: out.integer },
  ['status', 'statusFlags', 'severity', 'recordNumber'])
const dtcData = objectOf({
  dtc,
  records: arrayOf(objectOf({ recordNumber: out.integer, hex: out.text, identifierCount: out.integer, dids: arrayOf(did) }, ['identifierCount', 'dids']))
})

export const decodedResponseSchema: JsonSchema = objectOf({
  ok: out.boolean,
  summary: out.text,
  raw: out.text,
  error: out.text,
  negative: objectOf({ service: out.integer, nrc: out.integer, name: out.text, text: out.text }),
  note: out.text,
  dtcs: arrayOf(dtc),
  dtcCount: out.integer,
  snapshot: dtcData,
  extendedData: dtcData,
  dids: arrayOf(did),
  pids: arrayOf(objectOf({ pid: out.integer, name: out.text, hex: out.text, values: arrayOf(value) })),
  vehicleInfo: objectOf({
    infoType: out.integer,
    name: out.text,
    items: texts,
    vin: out.text,
    calibrationIds: texts,
    cvns: texts,
    supported: arrayOf(out.integer)
  }, ['vin', 'calibrationIds', 'cvns', 'supported']),
  cleared: out.boolean
}, ['error', 'negative', 'note', 'dtcs', 'dtcCount', 'snapshot', 'extendedData', 'dids', 'pids', 'vehicleInfo', 'cleared'])

export const diagnosisSchema: JsonSchema = objectOf({
  request: objectOf({ data: out.text, description: out.text, target: out.integer, timeoutMs: out.integer, clearsDtcs: out.boolean }),
  answers: arrayOf(objectOf({ ecu: out.integer, data: out.text, elapsedMs: out.integer, decoded: decodedResponseSchema }))
})
