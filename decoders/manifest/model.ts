/**
 * A decoder manifest: how one vehicle model's telemetry is decoded. For each
 * CAN bus the DBC that describes it; which DBC signals become catalog signals
 * (stored, and read by rules) under which names; the storage policy of each;
 * and the signals the model adds to the catalog. Versioned per model, stored
 * in the database, one version active per model (storage/manifests.ts).
 */
import { PitwallError } from '../../runtime/errors.js'
import type { MakerDid } from '../diagnostics/maker-dids.js'

/** How often a decoded signal is stored (rules always see every sample). */
export interface StoragePolicy {
  /** at most one stored sample per this many seconds */
  minIntervalS?: number | undefined
  /** a sample is stored only when it differs from the last stored one by at least this (in the signal's unit) */
  deadband?: number | undefined
  /** ... unless this many seconds passed since the last stored one (a heartbeat for a steady value) */
  maxIntervalS?: number | undefined
}

export interface ManifestBus {
  /** CanBlock.bus */
  bus: number
  /** the DBC: a path relative to the manifest file, or the name it was stored under */
  dbc: string
  /** e.g. "powertrain" */
  name?: string | undefined
}

/** A DBC signal that becomes a catalog signal. */
export interface ManifestSignal {
  /** `Message.Signal` in the DBC of `bus` (or of the only bus that has it) */
  from: string
  bus?: number | undefined
  /** the catalog name it is stored and read by rules under */
  signal: string
  policy: StoragePolicy
}

/** A signal the model adds to the catalog. */
export interface ManifestCatalogSignal {
  name: string
  unit: string
  vss?: string | undefined
  description?: string | undefined
}

export interface ManifestSpec {
  /** vehicles.model of the vehicles it decodes */
  model: string
  description?: string | undefined
  /** parse its DBCs strictly: refuse every assumption instead of warning */
  strict: boolean
  /** map DBC signals that carry the string attribute VssSignal (adding unknown names to the catalog) */
  vssAttribute: boolean
  buses: ManifestBus[]
  signals: ManifestSignal[]
  catalog: ManifestCatalogSignal[]
  /** the policy of every signal that does not set its own */
  defaults: StoragePolicy
  /** the maker's UDS data identifiers its ECUs answer (0x22, freeze frames), named and laid out; absent in manifests stored before DIDs were */
  dids?: MakerDid[] | undefined
}

/** A DBC file as a manifest carries it: its bytes and their SHA-256 (hex), by which storage keeps it once. */
export interface ManifestDbc {
  name: string
  bytes: Uint8Array
  sha256: string
}

/** A manifest and the DBC files it names, from a file or a request, not yet checked against the catalog. */
export interface ManifestSource {
  /** for messages: the manifest's path, or where else it came from */
  origin: string
  spec: ManifestSpec
  /** keyed by ManifestBus.dbc */
  dbcs: ReadonlyMap<string, ManifestDbc>
}

/** A warning about a manifest: a DBC's (with its position) or the manifest's own. */
export interface ManifestWarning {
  kind: string
  /** `file:line:column: text` or `manifest.yaml: text` */
  text: string
}

export class ManifestError extends PitwallError {
  constructor (message: string) {
    super('PITWALL_ERR_MANIFEST_INVALID', message)
  }
}
