/** Which vehicles a rule or a maintenance item applies to. */
export interface Scope {
  models: string[]
  firmware: string[]
}

export interface VehicleScopeInfo {
  model?: string | undefined
  firmware?: string | undefined
}

/** Empty lists match every vehicle; an entry ending in * matches by prefix (e.g. "2.4.*"). */
export function inScope (scope: Scope, info: VehicleScopeInfo): boolean {
  const matches = (patterns: string[], value: string | undefined): boolean =>
    patterns.length === 0 || (value !== undefined && patterns.some((p) => p.endsWith('*') ? value.startsWith(p.slice(0, -1)) : p === value))
  return matches(scope.models, info.model) && matches(scope.firmware, info.firmware)
}
