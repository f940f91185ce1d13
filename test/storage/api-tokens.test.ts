/**
 * API tokens on both backends: only the SHA-256 is stored; unknown,
 * revoked, expired and malformed tokens are refused. The checks on a new
 * token (roles, dealer scope, expiry) are the policy's:
 * test/actions/api-tokens/policy.test.ts.
 */
import { createHash } from 'node:crypto'
import t from 'tap'
import { ApiTokenStore } from '../../storage/api-tokens.js'
import { openStorage, type Storage, poolOf } from '../../storage/index.js'
import { createTestDatabase, postgresReachable, SKIP_POSTGRES, type Backend } from '../helpers/backends.js'

const sha256 = (text: string): Buffer => createHash('sha256').update(text).digest()

for (const backend of ['pglite', 'postgres'] as Backend[]) {
  t.test(`on ${backend}`, { skip: backend === 'postgres' && !(await postgresReachable()) ? SKIP_POSTGRES : false }, async (t) => {
    const db = backend === 'postgres' ? await createTestDatabase() : undefined
    const storage: Storage = await openStorage({ databaseUrl: db?.url, dataDir: 'memory://' })
    t.teardown(async () => { await storage.close(); await db?.drop() })
    const tokens = new ApiTokenStore(poolOf(storage))

    t.test('a new token authenticates as its role; the database holds its hash, not the token', async (t) => {
      const { token, info } = await tokens.create({ name: 'alice', role: 'engineer' })
      t.match(token, /^pwt_[A-Za-z0-9_-]{43}$/, 'prefix and 32 random bytes in base64url')
      t.match(info, { name: 'alice', role: 'engineer', dealerId: null, expiresAt: null, revokedAt: null, lastUsedAt: null })
      t.same(await tokens.authenticate(token), { id: info.id, role: 'engineer', dealerId: null, name: 'alice' })

      const rows = await poolOf(storage).query<{ token_hash: Buffer, row: string }>('SELECT token_hash, api_tokens::text AS row FROM api_tokens WHERE id = $1', [info.id])
      t.same(rows.rows[0]?.token_hash, sha256(token))
      t.notOk(rows.rows[0]?.row.includes(token.slice(4)), 'the token appears nowhere in the row')

      const listed = (await tokens.list()).find((i) => i.id === info.id)
      t.ok(listed?.lastUsedAt instanceof Date, 'using a token records when')
      t.notOk(JSON.stringify(await tokens.list()).includes('hash'), 'list never carries a hash')

      const second = await tokens.create({ name: 'alice', role: 'engineer' })
      t.not(second.token, token, 'every token is new')
    })

    t.test('unknown and malformed tokens are refused', async (t) => {
      const { token } = await tokens.create({ name: 'bob', role: 'operator' })
      const last = token.at(-1) === 'A' ? 'B' : 'A'
      t.equal(await tokens.authenticate(token.slice(0, -1) + last), undefined, 'one character changed')
      t.equal(await tokens.authenticate(token.slice(4)), undefined, 'without its prefix')
      t.equal(await tokens.authenticate(token + 'A'), undefined, 'too long')
      t.equal(await tokens.authenticate(''), undefined)
      t.equal(await tokens.authenticate(`pwt_${'!'.repeat(43)}`), undefined)
      t.equal(await tokens.authenticate(`pwt_${'A'.repeat(43)}`), undefined, 'well-formed but never issued')
    })

    t.test('a revoked token is refused from then on; revoking twice keeps the first time', async (t) => {
      const { token, info } = await tokens.create({ name: 'carol', role: 'engineer' })
      t.ok(await tokens.authenticate(token))
      const revoked = await tokens.revoke(info.id)
      t.ok(revoked.revokedAt instanceof Date)
      t.equal(await tokens.authenticate(token), undefined)
      t.same((await tokens.revoke(info.id)).revokedAt, revoked.revokedAt)
      await t.rejects(tokens.revoke(987_654), { code: 'PITWALL_ERR_API_TOKEN_UNKNOWN', message: 'no API token 987654' })
    })

    t.test('a token works until it expires', async (t) => {
      const { token, info } = await tokens.create({ name: 'dave', role: 'operator', expiresAt: new Date(Date.now() + 3_600_000) })
      t.ok(await tokens.authenticate(token), 'before its expiry')
      // the clock moves on: the same row, its expiry now behind us
      await poolOf(storage).query("UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE id = $1", [info.id])
      t.equal(await tokens.authenticate(token), undefined, 'after it')
    })

    t.test('a dealer token carries its dealer id; the schema refuses one without', async (t) => {
      const { token, info } = await tokens.create({ name: 'Autohaus Nord inbox', role: 'dealer', dealerId: 'dealer-nord' })
      t.same(await tokens.authenticate(token), { id: info.id, role: 'dealer', dealerId: 'dealer-nord', name: 'Autohaus Nord inbox' })
      // the schema holds the policy's rule for anything that writes the table directly
      await t.rejects(poolOf(storage).query("INSERT INTO api_tokens (name, role, token_hash) VALUES ('x', 'dealer', $1)", [sha256('x')]), { code: '23514' })
    })
  })
}
