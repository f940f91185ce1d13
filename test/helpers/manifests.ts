/** A decoder manifest compiled from one DBC text on bus 0, for tests of what decoding and thinning do with it. */
import { compileManifest, type CompiledManifest } from '../../decoders/manifest/compile.js'
import { dbcOf } from '../../decoders/manifest/load.js'
import { resolveManifest } from '../../decoders/manifest/resolve.js'
import { SignalCatalog } from '../../decoders/signal-catalog.js'

export interface TestManifestSignal {
  /** MESSAGE.SIGNAL in the DBC */
  from: string
  /** the catalog signal it feeds */
  signal: string
  policy: Record<string, number>
}

/** Model "M", manifest 1 version 1, `dbc` on bus 0 as a.dbc; `catalog` grows with what it adds. */
export function manifestOf (dbc: string, signals: TestManifestSignal[], catalog = new SignalCatalog()): CompiledManifest {
  const source = {
    origin: 'test',
    spec: { model: 'M', strict: false, vssAttribute: false, buses: [{ bus: 0, dbc: 'a.dbc' }], signals, catalog: [], defaults: {} },
    dbcs: new Map([['a.dbc', dbcOf('a.dbc', new TextEncoder().encode(dbc))]])
  }
  return compileManifest(resolveManifest(source, catalog), catalog, { id: 1, model: 'M', version: 1 }, 1)
}
