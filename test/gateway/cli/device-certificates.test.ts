/**
 * `pitwall device add --cert` and `pitwall device cert add|list|revoke`: what
 * an operator registers for mutual TLS, and what is refused before anything
 * is stored. The binary runs a registration and a refusal; the other
 * commands run in this process (test/helpers/cli.ts).
 */
import t from 'tap'
import { createTestDatabase } from '../../helpers/backends.js'
import { pitwall, pitwallInProcess } from '../../helpers/cli.js'
import { TestPki } from '../../helpers/pki.js'

const VIN = 'WPWCERT0000000001'

t.test('register, list and revoke a vehicle\'s client certificates', async (t) => {
  const pki = TestPki.create()
  const db = await createTestDatabase({ migrated: true })
  t.teardown(async () => { pki.remove(); await db.drop() })
  const at = ['--database-url', db.url, '--tls-ca', pki.caCert]

  const wrongVin = await pitwallInProcess('device', 'add', VIN, '--cert', pki.client('WPWCERT0000000002').cert, ...at)
  t.equal(wrongVin.code, 1)
  t.match(wrongVin.stderr, `[PITWALL_ERR_CERTIFICATE_INVALID] the certificate (CN=WPWCERT0000000002) does not name ${VIN}`)
  t.equal((await pitwallInProcess('device', 'list', '--database-url', db.url)).stdout, '', 'a refused certificate leaves no vehicle behind')

  const first = pki.client(VIN)
  const added = await pitwall('device', 'add', VIN, '--cert', first.cert, ...at)
  t.equal(added.code, 0, added.stderr)
  t.match(added.stdout, /client certificate [0-9a-f]{64} registered \(CN=WPWCERT0000000001, until /)
  const rotated = await pitwallInProcess('device', 'add', VIN, '--rotate', '--cert', first.cert, ...at)
  t.equal(rotated.code, 0, 'rotating the secret of a vehicle that keeps its certificate works, and prints the new secret')
  t.match(rotated.stdout, /MQTT password \(device secret, shown only now\): \S+/)
  const other = 'WPWCERT0000000003'
  const stolen = await pitwallInProcess('device', 'add', other, '--cert', first.cert, ...at)
  t.match(stolen.stderr, /\[PITWALL_ERR_CERTIFICATE_INVALID\] (the certificate \(CN=WPWCERT0000000001\) does not name|certificate [0-9a-f]{64} is registered already)/)
  t.notMatch((await pitwallInProcess('device', 'list', '--database-url', db.url)).stdout, other, 'a refused registration leaves no vehicle behind')
  const expired = await pitwallInProcess('device', 'cert', 'add', VIN, pki.client(VIN, { expired: true }).cert, ...at)
  t.match(expired.stderr, /expired on 2020-01-02/)
  const foreign = TestPki.create('Foreign CA')
  t.teardown(() => foreign.remove())
  const notOurs = await pitwallInProcess('device', 'cert', 'add', VIN, foreign.client(VIN).cert, ...at)
  t.match(notOurs.stderr, /not issued by the client CA \(issuer CN=Foreign CA\)/)
  t.match((await pitwallInProcess('device', 'cert', 'add', 'WPWCERT0000000009', pki.client('WPWCERT0000000009').cert, ...at)).stderr, /\[PITWALL_ERR_VEHICLE_UNKNOWN\] no vehicle WPWCERT0000000009/)

  const second = await pitwallInProcess('device', 'cert', 'add', VIN.toLowerCase(), pki.client(VIN).cert, ...at)
  t.equal(second.code, 0, second.stderr)
  const listed = JSON.parse((await pitwallInProcess('device', 'cert', 'list', VIN, '--json', '--database-url', db.url)).stdout) as Array<{ sha256: string, revokedAt: string | null }>
  t.equal(listed.length, 2)
  t.ok(listed.every((c) => c.revokedAt === null))

  const one = await pitwallInProcess('device', 'cert', 'revoke', VIN, '--sha256', listed[0]?.sha256 as string, '--database-url', db.url)
  t.match(one.stdout, `1 client certificate of ${VIN} revoked`)
  const rest = await pitwallInProcess('device', 'cert', 'revoke', VIN, '--database-url', db.url)
  t.match(rest.stdout, `1 client certificate of ${VIN} revoked`)
  const revokedAgain = await pitwallInProcess('device', 'cert', 'add', VIN, first.cert, ...at)
  t.match(revokedAgain.stderr, /\[PITWALL_ERR_CERTIFICATE_INVALID\] certificate [0-9a-f]{64} of WPWCERT0000000001 was revoked: a revoked certificate stays refused; issue a new one/)
  const rotateRevoked = await pitwallInProcess('device', 'add', VIN, '--rotate', '--cert', first.cert, ...at)
  t.match(rotateRevoked.stderr, /was revoked/, 'refused before the secret is rotated')
  const none = await pitwall('device', 'cert', 'revoke', VIN, '--database-url', db.url)
  t.equal(none.code, 1)
  t.match(none.stderr, `${VIN} has no active client certificate`)
  t.match((await pitwallInProcess('device', 'cert', 'revoke', VIN, '--sha256', 'abc', '--database-url', db.url)).stderr, /--sha256 must be 64 hexadecimal digits/)
})
