/**
 * A fresh PostgreSQL database per run and a registered bench fleet in it,
 * through the storage API (VehicleStore.add, as `pitwall device add` does).
 *
 * Secret hashes are scrypt with N = 16 instead of the gateway's 1024, in the
 * format gateway/credentials.ts stores (`scrypt$N$r$p$salt$hash`, which
 * carries its parameters, so the gateway verifies them as it would any
 * older hash). At N = 1024 registering 10,000 vehicles and verifying them
 * at connect would take ~35 s each on 2 cores; this bench measures memory,
 * not scrypt. Each vehicle still has its own salt and hash, so the
 * gateway's verified-secret cache holds one entry per vehicle, as in
 * production.
 */
import { randomBytes, scrypt } from 'node:crypto'
import pg from 'pg'
import { generateSecret } from '../../gateway/credentials.js'
import type { VehicleCredential } from '../../sim/credentials.js'
import { openStorage } from '../../storage/index.js'

const BENCH_SCRYPT = { N: 16, r: 8, p: 1 }
const KEY_LEN = 32
const REGISTER_CONCURRENCY = 8

export interface BenchDatabase {
  url: string
  name: string
  drop (): Promise<void>
}

async function admin<T> (adminUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl })
  await client.connect()
  try {
    return await work(client)
  } finally {
    await client.end()
  }
}

export async function createBenchDatabase (adminUrl: string): Promise<BenchDatabase> {
  const name = `pitwall_bench_scaling_${process.pid}_${randomBytes(4).toString('hex')}`
  await admin(adminUrl, async (c) => await c.query(`CREATE DATABASE ${name}`))
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    name,
    drop: async () => { await admin(adminUrl, async (c) => await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)) }
  }
}

async function benchHash (secret: string): Promise<string> {
  const salt = randomBytes(16)
  const key = await new Promise<Buffer>((resolve, reject) => {
    scrypt(secret, salt, KEY_LEN, BENCH_SCRYPT, (err, derived) => { if (err) reject(err); else resolve(derived) })
  })
  return ['scrypt', BENCH_SCRYPT.N, BENCH_SCRYPT.r, BENCH_SCRYPT.p, salt.toString('base64url'), key.toString('base64url')].join('$')
}

/** VINs PWBSCALE000000000, PWBSCALE000000001, ... (ISO 3779 characters: no I, O or Q). */
export function benchVins (count: number): string[] {
  return Array.from({ length: count }, (_, i) => `PWBSCALE${String(i).padStart(9, '0')}`)
}

/** Registers `count` vehicles (migrating the database first); returns their credentials. */
export async function registerBenchFleet (databaseUrl: string, count: number): Promise<VehicleCredential[]> {
  const storage = await openStorage({ databaseUrl, dataDir: 'memory://', poolSize: REGISTER_CONCURRENCY })
  try {
    const fleet = benchVins(count).map((vin) => ({ vin, secret: generateSecret() }))
    let next = 0
    await Promise.all(Array.from({ length: REGISTER_CONCURRENCY }, async () => {
      while (next < fleet.length) {
        const vehicle = fleet[next++] as VehicleCredential
        await storage.vehicles.add({ vin: vehicle.vin, model: 'bench' }, await benchHash(vehicle.secret))
      }
    }))
    return fleet
  } finally {
    await storage.close()
  }
}
