/**
 * What an API token may be, without a database: a name, a known role, a
 * dealer id for a dealer token and for no other, an expiry in the future;
 * and which text can be a token at all.
 */
import t from 'tap'
import { hasTokenShape, isApiRole, tokenGrant } from '../../../actions/api-tokens/policy.js'

const NOW = new Date('2026-05-01T08:00:00Z')

t.test('a token is granted with its name and dealer id trimmed', async (t) => {
  t.same(tokenGrant({ name: ' alice ', role: 'engineer' }, NOW), { name: 'alice', role: 'engineer', dealerId: undefined, expiresAt: undefined })
  const expiresAt = new Date(NOW.getTime() + 3_600_000)
  t.same(tokenGrant({ name: 'Autohaus Nord inbox', role: 'dealer', dealerId: ' dealer-nord ', expiresAt }, NOW),
    { name: 'Autohaus Nord inbox', role: 'dealer', dealerId: 'dealer-nord', expiresAt })
})

t.test('a token expiring now or before is refused', async (t) => {
  t.throws(() => tokenGrant({ name: 'dave', role: 'operator', expiresAt: new Date(Date.now() - 1000) }),
    { code: 'PITWALL_ERR_API_TOKEN_INVALID', message: /expires at .* which is not in the future/ })
  t.throws(() => tokenGrant({ name: 'dave', role: 'operator', expiresAt: NOW }, NOW),
    { code: 'PITWALL_ERR_API_TOKEN_INVALID', message: 'API token "dave": expires at 2026-05-01T08:00:00.000Z, which is not in the future' })
})

t.test('a dealer token needs its dealer id, and only a dealer token has one', async (t) => {
  t.throws(() => tokenGrant({ name: 'no dealer', role: 'dealer' }),
    { code: 'PITWALL_ERR_API_TOKEN_INVALID', message: /"no dealer": a dealer token needs the dealer id/ })
  t.throws(() => tokenGrant({ name: 'blank dealer', role: 'dealer', dealerId: '  ' }), { code: 'PITWALL_ERR_API_TOKEN_INVALID', message: /needs the dealer id/ })
  t.throws(() => tokenGrant({ name: 'eve', role: 'engineer', dealerId: 'dealer-nord' }),
    { code: 'PITWALL_ERR_API_TOKEN_INVALID', message: /only a dealer token has a dealer id/ })
  t.throws(() => tokenGrant({ name: 'long', role: 'dealer', dealerId: 'd'.repeat(101) }),
    { code: 'PITWALL_ERR_API_TOKEN_INVALID', message: 'API token "long": dealer id is 101 characters; at most 100' })
})

t.test('a token needs a name and a known role', async (t) => {
  t.throws(() => tokenGrant({ name: ' ', role: 'engineer' }), { code: 'PITWALL_ERR_API_TOKEN_INVALID', message: /name is required/ })
  t.throws(() => tokenGrant({ name: 'n'.repeat(101), role: 'engineer' }), { code: 'PITWALL_ERR_API_TOKEN_INVALID', message: /name is 101 characters; at most 100/ })
  // a role from outside the type, as a CLI or config file could give it
  t.throws(() => tokenGrant({ name: 'mallory', role: 'admin' as 'engineer' }),
    { code: 'PITWALL_ERR_API_TOKEN_INVALID', message: /role "admin" is not one of engineer, operator, dealer/ })
  t.ok(isApiRole('dealer'))
  t.notOk(isApiRole('admin'))
})

t.test('only pwt_ and 43 base64url characters can be a token', async (t) => {
  t.ok(hasTokenShape(`pwt_${'A'.repeat(43)}`))
  t.ok(hasTokenShape(`pwt_${'a-_9'.repeat(10)}abc`))
  for (const text of ['', 'not-a-token', 'A'.repeat(43), `pwt_${'A'.repeat(42)}`, `pwt_${'A'.repeat(44)}`, `pwt_${'!'.repeat(43)}`, `PWT_${'A'.repeat(43)}`]) {
    t.notOk(hasTokenShape(text), JSON.stringify(text))
  }
})
