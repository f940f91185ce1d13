/**
 * Decoder manifest files (YAML or JSON) and the DBC files they name -> a
 * ManifestSource. Errors name the file and the field:
 *   demo.yaml: signals[3].minInterval must be a duration
 *   demo.yaml: buses[0].dbc names powertrain.dbc, which cannot be read: ENOENT ...
 * DBC paths are relative to the manifest's folder.
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { basename, dirname, resolve } from 'node:path'
import { Ajv, type ErrorObject } from 'ajv'
import { parseDocument, readDocument } from '../document.js'
import { parseDuration } from '../duration.js'
import { MAX_INTEGER_FIELD_BYTES, MAX_MAKER_DID_BYTES, makerDidLength, type MakerDid, type MakerDidField, type MakerDidFieldType } from '../diagnostics/maker-dids.js'
import { ManifestError, type ManifestDbc, type ManifestSource, type ManifestSpec, type StoragePolicy } from './model.js'
import { manifestSchema } from './schema.js'

/** A DBC file larger than this is not a DBC (the largest opendbc file is 1.3 MB). */
export const MAX_DBC_BYTES = 16 * 1024 * 1024

const validate = new Ajv({ allErrors: false, strict: false }).compile(manifestSchema)
const manifestError = (message: string): ManifestError => new ManifestError(message)

export function dbcOf (name: string, bytes: Uint8Array): ManifestDbc {
  return { name, bytes, sha256: createHash('sha256').update(bytes).digest('hex') }
}

/** Reads a manifest file and every DBC it names. */
export function loadManifestFile (path: string): ManifestSource {
  const spec = parseManifest(readDocument(path, manifestError), path)
  const dbcs = new Map<string, ManifestDbc>()
  spec.buses.forEach((bus, i) => {
    if (dbcs.has(bus.dbc)) return
    const file = resolve(dirname(path), bus.dbc)
    let bytes: Uint8Array
    try {
      bytes = readFileSync(file)
    } catch (err) {
      throw new ManifestError(`${path}: buses[${i}].dbc names ${bus.dbc}, which cannot be read: ${(err as Error).message}`)
    }
    if (bytes.length > MAX_DBC_BYTES) throw new ManifestError(`${path}: buses[${i}].dbc ${bus.dbc} is ${bytes.length} bytes, more than a DBC file can be (${MAX_DBC_BYTES})`)
    dbcs.set(bus.dbc, dbcOf(basename(bus.dbc), bytes))
  })
  return { origin: path, spec, dbcs }
}

/** A manifest's text -> its spec (shapes checked, defaults filled, durations in seconds). */
export function parseManifest (text: string, origin: string): ManifestSpec {
  return manifestSpecOf(parseDocument(text, origin, manifestError), origin)
}

type Raw = Record<string, unknown>

/** Data (from a file or a request body) -> its spec; throws ManifestError naming `origin` and the field. */
export function manifestSpecOf (data: unknown, origin: string): ManifestSpec {
  if (!validate(data)) throw new ManifestError(`${origin}: ${describe(validate.errors?.[0])}`)
  const raw = data as unknown as Raw
  const fail = (field: string, what: string): never => { throw new ManifestError(`${origin}: ${field} ${what}`) }
  const buses = (raw.buses as Raw[]).map((b) => ({ bus: b.bus as number, dbc: b.dbc as string, ...(b.name === undefined ? {} : { name: b.name as string }) }))
  const seenBus = new Set<number>()
  buses.forEach((b, i) => {
    if (seenBus.has(b.bus)) fail(`buses[${i}].bus`, `gives bus ${b.bus} a second DBC`)
    seenBus.add(b.bus)
  })
  const catalog = ((raw.catalog as Raw[] | undefined) ?? []).map((c) => ({
    name: c.name as string,
    unit: c.unit as string,
    ...(c.vss === undefined ? {} : { vss: c.vss as string }),
    ...(c.description === undefined ? {} : { description: c.description as string })
  }))
  const seenName = new Set<string>()
  catalog.forEach((c, i) => {
    if (seenName.has(c.name)) fail(`catalog[${i}].name`, `adds ${c.name} a second time`)
    seenName.add(c.name)
  })
  const signals = ((raw.signals as Raw[] | undefined) ?? []).map((s, i) => ({
    from: s.from as string,
    ...(s.bus === undefined ? {} : { bus: s.bus as number }),
    signal: s.signal as string,
    policy: policyOf(s, `signals[${i}]`, fail)
  }))
  const dids = raw.dids === undefined ? undefined : didsOf(raw.dids as Raw[], fail)
  return {
    model: raw.model as string,
    ...(raw.description === undefined ? {} : { description: raw.description as string }),
    strict: raw.strict === true,
    vssAttribute: raw.vssAttribute !== false,
    buses,
    signals,
    catalog,
    defaults: policyOf((raw.defaults as Raw | undefined) ?? {}, 'defaults', fail),
    ...(dids === undefined ? {} : { dids })
  }
}

/** ISO 14229-1 / SAE J1979 fix these DIDs' layout: a manifest cannot describe them otherwise. */
function standardDid (did: number): boolean {
  return did === 0xf186 || did === 0xf190 || (did >= 0xf400 && did <= 0xf4ff)
}

function didsOf (raw: Raw[], fail: (field: string, what: string) => never): MakerDid[] {
  const seen = new Set<number>()
  const names = new Set<string>()
  return raw.map((d, i) => {
    const at = `dids[${i}]`
    const did = typeof d.did === 'string' ? Number.parseInt(d.did.slice(2), 16) : d.did as number
    const hex = `0x${did.toString(16).toUpperCase().padStart(4, '0')}`
    if (standardDid(did)) fail(`${at}.did`, `${hex} is a standard DID (ISO 14229-1 / SAE J1979) whose layout Pitwall already knows`)
    if (seen.has(did)) fail(`${at}.did`, `describes ${hex} a second time`)
    seen.add(did)
    const name = (d.name as string).trim()
    // names are what an engineer asks for (pitwall diagnostics read-did VIN "cell voltages"): one DID each
    if (names.has(name.toLowerCase())) fail(`${at}.name`, `${JSON.stringify(name)} names a second DID`)
    names.add(name.toLowerCase())
    const inline = d.bytes !== undefined
    if (inline === (d.fields !== undefined)) fail(at, 'needs either bytes (a DID of one field) or fields, not both')
    const fields = inline
      ? [fieldOf({ ...d, name }, at, fail)]
      : (d.fields as Raw[]).map((f, j) => fieldOf(f, `${at}.fields[${j}]`, fail))
    if (!inline) {
      const fieldNames = new Set<string>()
      fields.forEach((f, j) => {
        if (fieldNames.has(f.name)) fail(`${at}.fields[${j}].name`, `${JSON.stringify(f.name)} is used twice in DID ${hex}`)
        fieldNames.add(f.name)
      })
    }
    const def: MakerDid = { did, name, fields }
    if (makerDidLength(def) > MAX_MAKER_DID_BYTES) fail(at, `is ${makerDidLength(def)} bytes long, more than a 0x22 answer can carry (${MAX_MAKER_DID_BYTES})`)
    return def
  })
}

function fieldOf (f: Raw, at: string, fail: (field: string, what: string) => never): MakerDidField {
  const bytes = f.bytes as number
  const numeric = f.scale !== undefined || f.offset !== undefined || f.labels !== undefined
  const type = (f.type as MakerDidFieldType | undefined) ?? (bytes <= MAX_INTEGER_FIELD_BYTES || numeric ? 'unsigned' : 'hex')
  const integer = type === 'unsigned' || type === 'signed'
  if (integer && bytes > MAX_INTEGER_FIELD_BYTES) fail(`${at}.bytes`, `is ${bytes}: an ${type} field is at most ${MAX_INTEGER_FIELD_BYTES} bytes (larger integers are not exact); use type hex`)
  if (!integer && numeric) fail(at, `is ${type}: scale, offset and labels are for unsigned or signed fields`)
  if (f.scale === 0) fail(`${at}.scale`, 'is 0, which would read every value as the offset')
  return {
    name: f.name as string,
    bytes,
    type,
    scale: (f.scale as number | undefined) ?? 1,
    offset: (f.offset as number | undefined) ?? 0,
    unit: (f.unit as string | undefined) ?? '',
    ...(f.labels === undefined ? {} : { labels: f.labels as Record<string, string> })
  }
}

function policyOf (raw: Raw, field: string, fail: (field: string, what: string) => never): StoragePolicy {
  const seconds = (key: string): number | undefined => {
    const value = raw[key]
    if (value === undefined) return undefined
    return parseDuration(value as string | number) ?? fail(`${field}.${key}`, `is not a duration: ${JSON.stringify(value)}`)
  }
  const policy: StoragePolicy = {}
  const minIntervalS = seconds('minInterval')
  const maxIntervalS = seconds('maxInterval')
  if (minIntervalS !== undefined) policy.minIntervalS = minIntervalS
  if (maxIntervalS !== undefined) policy.maxIntervalS = maxIntervalS
  if (raw.deadband !== undefined) policy.deadband = raw.deadband as number
  if (minIntervalS !== undefined && maxIntervalS !== undefined && maxIntervalS < minIntervalS) {
    fail(`${field}.maxInterval`, `(${maxIntervalS} s) is shorter than minInterval (${minIntervalS} s)`)
  }
  return policy
}

/** "signals[2].deadband must be >= 0", "has an unknown field "dbcs"" */
function describe (error: ErrorObject | undefined): string {
  if (error === undefined) return 'is not a decoder manifest'
  const at = error.instancePath.split('/').slice(1).reduce((s, part) => /^\d+$/.test(part) ? `${s}[${part}]` : s === '' ? part : `${s}.${part}`, '')
  const where = at === '' ? 'the manifest' : at
  if (error.keyword === 'additionalProperties') return `${where} has an unknown field ${JSON.stringify(error.params.additionalProperty)}`
  if (error.keyword === 'required') return `${where} needs the field ${JSON.stringify(error.params.missingProperty)}`
  if (error.keyword === 'pattern' && at.endsWith('from')) return `${where} must be Message.Signal`
  return `${where} ${error.message ?? 'is invalid'}`
}
