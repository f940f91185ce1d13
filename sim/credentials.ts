/**
 * The fleet's credentials file: a JSON array of { vin, secret }, as the
 * gateway provisions them.
 */
import { readFile } from 'node:fs/promises'

export interface VehicleCredential {
  vin: string
  secret: string
}

export async function loadCredentials (file: string): Promise<VehicleCredential[]> {
  let parsed: unknown
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'))
  } catch (error) {
    throw new Error(`credentials ${file}: ${(error as Error).message}`)
  }
  return parseCredentials(parsed, file)
}

export function parseCredentials (parsed: unknown, source: string): VehicleCredential[] {
  if (!Array.isArray(parsed)) throw new Error(`credentials ${source}: expected a JSON array of {"vin", "secret"}`)
  const seen = new Set<string>()
  return parsed.map((entry: unknown, i) => {
    const record = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>
    const { vin, secret } = record
    if (typeof vin !== 'string' || vin === '') throw new Error(`credentials ${source}[${i}]: "vin" must be a non-empty string`)
    if (typeof secret !== 'string' || secret === '') throw new Error(`credentials ${source}[${i}] (${vin}): "secret" must be a non-empty string`)
    if (seen.has(vin)) throw new Error(`credentials ${source}[${i}]: VIN ${vin} appears twice`)
    seen.add(vin)
    return { vin, secret }
  })
}
