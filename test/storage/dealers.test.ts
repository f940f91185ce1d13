/**
 * The dealer registry and the dealer inbox on both backends: validation with
 * stable codes, secrets that never read back, a dealer seeing only its own
 * alerts, and the forward-only lifecycle with its timeline.
 */
import t from 'tap'
import type { DealerAlert, DealerAlertStatus, DealerChange, DealerInput } from '../../actions/dealer-alerts/model.js'
import { alertMove, checkNewDealer, dealerUpdate, type AlertMoveInput } from '../../actions/dealer-alerts/policy.js'
import { DealerAlertService } from '../../actions/dealer-alerts/service.js'
import { DealerAlertStore } from '../../storage/dealer-alerts.js'
import { DealerStore } from '../../storage/dealers.js'
import { postgresReachable, SKIP_POSTGRES, type Backend } from '../helpers/backends.js'
import { openTestStorage, PLACES, recordingLog, seedFault } from '../actions/dealer-fixtures.js'
import { poolOf } from '../../storage/index.js'

for (const backend of ['pglite', 'postgres'] as Backend[]) {
  t.test(`on ${backend}`, { skip: backend === 'postgres' && !(await postgresReachable()) ? SKIP_POSTGRES : false }, async (t) => {
    const storage = await openTestStorage(t, backend)
    const dealers = new DealerStore(poolOf(storage))
    const inbox = new DealerAlertStore(poolOf(storage))
    // as the API and the CLI do: the policy checks, the store writes
    const add = async (input: DealerInput): Promise<unknown> => await dealers.add(checkNewDealer(input))
    const update = async (id: string, change: DealerChange): Promise<unknown> => await dealers.update(id, dealerUpdate(id, change))
    const move = async (dealerId: string, alertId: number, to: DealerAlertStatus, input: AlertMoveInput): Promise<DealerAlert> =>
      await inbox.transition(dealerId, alertId, alertMove(alertId, to, input))

    t.test('a dealer is registered, read back without its secret, listed, updated and deactivated', async (t) => {
      const { dealer, webhookSecret } = await dealers.add(checkNewDealer({
        id: 'DE-MUC-01', name: ' Autohaus München ', ...PLACES.munich, brands: ['BMW', 'MINI', 'BMW'], webhookUrl: 'https://dms.example/hooks?token=abc'
      }))
      t.match(dealer, { id: 'DE-MUC-01', name: 'Autohaus München', ...PLACES.munich, brands: ['BMW', 'MINI'], webhookUrl: 'https://dms.example/hooks?token=abc', hasSecret: true, active: true })
      t.match(webhookSecret, /^whsec_[A-Za-z0-9_-]{43}$/, 'a webhook without a secret gets a generated one, shown once')
      t.notOk('webhookSecret' in dealer)
      const read = await dealers.get('DE-MUC-01')
      t.same(read, dealer)
      t.notOk(JSON.stringify(await dealers.list()).includes(webhookSecret as string), 'list never carries the secret')

      const given = 'x'.repeat(40)
      const inboxOnly = await dealers.add({ id: 'DE-STR-01', name: 'Autohaus Stuttgart', ...PLACES.stuttgart })
      t.same([inboxOnly.dealer.webhookUrl, inboxOnly.dealer.hasSecret, inboxOnly.webhookSecret], [null, false, null])
      const withUrl = await dealers.update('DE-STR-01', dealerUpdate('DE-STR-01', { webhookUrl: 'http://10.1.2.3:8080/pitwall', webhookSecret: given }))
      t.same([withUrl.dealer.webhookUrl, withUrl.dealer.hasSecret, withUrl.webhookSecret], ['http://10.1.2.3:8080/pitwall', true, given])
      const renamed = await dealers.update('DE-STR-01', dealerUpdate('DE-STR-01', { name: 'Autohaus Stuttgart-Mitte', brands: [] }))
      t.same([renamed.dealer.name, renamed.dealer.webhookUrl, renamed.dealer.hasSecret, renamed.webhookSecret], ['Autohaus Stuttgart-Mitte', 'http://10.1.2.3:8080/pitwall', true, null],
        'fields not given stay; no secret is shown when none was set')
      const rotated = await dealers.rotateWebhookSecret('DE-STR-01')
      t.not(rotated, given)
      const dropped = await dealers.update('DE-STR-01', dealerUpdate('DE-STR-01', { webhookUrl: null }))
      t.same([dropped.dealer.webhookUrl, dropped.dealer.hasSecret], [null, false], 'no URL, no secret')
      await t.rejects(dealers.rotateWebhookSecret('DE-STR-01'), { code: 'PITWALL_ERR_DEALER_INVALID', message: 'dealer DE-STR-01 has no webhook URL; set one before a secret' })

      const off = await dealers.deactivate('DE-STR-01')
      t.equal(off.active, false)
      t.same((await dealers.list({ active: true })).map((d) => d.id), ['DE-MUC-01'])
      t.same((await dealers.list({ active: false })).map((d) => d.id), ['DE-STR-01'])
      t.equal((await dealers.activate('DE-STR-01')).active, true)
    })

    t.test('bad input is refused with PITWALL_ERR_DEALER_INVALID naming every problem', async (t) => {
      const base = { id: 'bad-1', name: 'Werkstatt', lat: 48, lon: 11 }
      await t.rejects(add({ ...base, lat: 95 }), { code: 'PITWALL_ERR_DEALER_INVALID', message: 'dealer bad-1: lat 95 is outside -90..90' })
      await t.rejects(add({ ...base, lon: -181, lat: Number.NaN }), { code: 'PITWALL_ERR_DEALER_INVALID', message: 'dealer bad-1: lat NaN is outside -90..90; lon -181 is outside -180..180' })
      await t.rejects(add({ ...base, webhookUrl: 'ftp://dms.example/in' }),
        { code: 'PITWALL_ERR_DEALER_INVALID', message: 'dealer bad-1: webhook URL "ftp://dms.example/in" is not an http(s) URL' })
      await t.rejects(add({ ...base, webhookUrl: 'dms.example/in' }), { code: 'PITWALL_ERR_DEALER_INVALID', message: /is not an http\(s\) URL/ })
      await t.rejects(add({ ...base, webhookUrl: 'https://dms.example/in', webhookSecret: 'short' }),
        { code: 'PITWALL_ERR_DEALER_INVALID', message: 'dealer bad-1: webhook secret has 5 characters; at least 32 needed' })
      await t.rejects(add({ ...base, webhookSecret: 'y'.repeat(40) }),
        { code: 'PITWALL_ERR_DEALER_INVALID', message: 'dealer bad-1: a webhook secret without a webhook URL' })
      await t.rejects(add({ ...base, id: 'has space', name: ' ' }),
        { code: 'PITWALL_ERR_DEALER_INVALID', message: 'dealer has space: id "has space" is not 1-64 letters, digits, \'.\', \'_\' or \'-\'; name must be 1-200 characters' })
      await t.rejects(add({ ...base, id: 'me' }), { code: 'PITWALL_ERR_DEALER_INVALID', message: /id "me" is reserved/ })
      await t.rejects(add({ ...base, brands: ['BMW', ''] }), { code: 'PITWALL_ERR_DEALER_INVALID', message: 'dealer bad-1: brand "" must be 1-64 characters' })
      await t.rejects(update('bad-1', { lat: -91 }), { code: 'PITWALL_ERR_DEALER_INVALID', message: /lat -91 is outside/ })
      t.same((await dealers.list()).filter((d) => d.id === 'bad-1'), [], 'nothing was stored')

      await add(base)
      await t.rejects(add(base), { code: 'PITWALL_ERR_DEALER_EXISTS', message: 'dealer bad-1 is already registered (update it instead)' })
      await t.rejects(update('bad-1', { webhookSecret: 'z'.repeat(40) }), { code: 'PITWALL_ERR_DEALER_INVALID', message: 'dealer bad-1: a webhook secret without a webhook URL' })
      const firstUrl = await dealers.update('bad-1', dealerUpdate('bad-1', { webhookUrl: 'https://dms.example/bad-1' }))
      t.match(firstUrl.webhookSecret, /^whsec_[A-Za-z0-9_-]{43}$/, 'a first URL without a secret gets a generated one, shown once')
      const movedUrl = await dealers.update('bad-1', dealerUpdate('bad-1', { webhookUrl: 'https://dms.example/bad-1/v2' }))
      t.same([movedUrl.dealer.hasSecret, movedUrl.webhookSecret], [true, null], 'a new URL keeps the stored secret')
      t.same((await dealers.update('bad-1', dealerUpdate('bad-1', { webhookSecret: 'z'.repeat(40) }))).webhookSecret, 'z'.repeat(40), 'a secret for the stored URL')
      const calls: Array<() => Promise<unknown>> = [async () => await dealers.get('nobody'), async () => await dealers.update('nobody', dealerUpdate('nobody', { name: 'x' })),
        async () => await dealers.deactivate('nobody'), async () => await dealers.rotateWebhookSecret('nobody')]
      for (const call of calls) await t.rejects(call(), { code: 'PITWALL_ERR_DEALER_UNKNOWN', message: 'no dealer nobody' })
    })

    t.test("a vehicle's own dealer and brand", async (t) => {
      await dealers.add({ id: 'own-1', name: 'Own', ...PLACES.berlin })
      const f = await seedFault(storage)
      await storage.vehicles.assignDealer(f.vin, 'own-1')
      await storage.vehicles.setBrand(f.vin, ' BMW ')
      t.same((await poolOf(storage).query('SELECT dealer_id, brand FROM vehicles WHERE vin = $1', [f.vin])).rows, [{ dealer_id: 'own-1', brand: 'BMW' }])
      await t.rejects(storage.vehicles.assignDealer(f.vin, 'nobody'), { code: 'PITWALL_ERR_DEALER_UNKNOWN', message: 'no dealer nobody' })
      await t.rejects(storage.vehicles.assignDealer('WBA00000000000000', 'own-1'), { code: 'PITWALL_ERR_VEHICLE_UNKNOWN', message: /no vehicle WBA00000000000000/ })
      await t.rejects(storage.vehicles.setBrand('WBA00000000000000', 'BMW'), { code: 'PITWALL_ERR_VEHICLE_UNKNOWN' })
      await t.rejects(storage.vehicles.setBrand(f.vin, '  '), { code: 'PITWALL_ERR_DEALER_INVALID', message: /brand must not be empty/ })
      await storage.vehicles.assignDealer(f.vin, null)
      await storage.vehicles.setBrand(f.vin, null)
      t.same((await poolOf(storage).query('SELECT dealer_id, brand FROM vehicles WHERE vin = $1', [f.vin])).rows, [{ dealer_id: null, brand: null }])
    })

    t.test('a dealer sees, reads and moves only its own alerts', async (t) => {
      await dealers.add({ id: 'inbox-a', name: 'A', ...PLACES.munich })
      await dealers.add({ id: 'inbox-b', name: 'B', ...PLACES.berlin })
      const service = new DealerAlertService({ alerts: storage.dealerAlerts, dealers: storage.dealers, log: recordingLog() })
      const f = await seedFault(storage)
      await storage.vehicles.assignDealer(f.vin, 'inbox-a')
      const [mine] = await service.raiseForFault(f.faultId, 'prestage')
      const id = mine?.id as number

      t.same((await inbox.list('inbox-a')).map((a) => a.id), [id])
      t.same(await inbox.list('inbox-b'), [], "B's inbox is empty")
      t.equal((await inbox.get('inbox-a', id)).id, id)
      const notFound = { code: 'PITWALL_ERR_DEALER_ALERT_UNKNOWN', message: `dealer inbox-b has no alert ${id}` }
      await t.rejects(inbox.get('inbox-b', id), notFound, "another dealer's alert reads as not found")
      await t.rejects(inbox.timeline('inbox-b', id), notFound)
      await t.rejects(move('inbox-b', id, 'acknowledged', { by: 'mallory' }), notFound, 'and cannot be moved')
      t.equal((await inbox.get('inbox-a', id)).status, 'new', 'untouched')
      await t.rejects(inbox.get('inbox-a', 999_999), { code: 'PITWALL_ERR_DEALER_ALERT_UNKNOWN', message: 'dealer inbox-a has no alert 999999' })
    })

    t.test('alerts move forward only, each step with its time and who; repaired says whether it was a first-time fix', async (t) => {
      await dealers.add({ id: 'life-a', name: 'Life', ...PLACES.munich })
      const service = new DealerAlertService({ alerts: storage.dealerAlerts, dealers: storage.dealers, log: recordingLog() })
      const raise = async (): Promise<number> => {
        const f = await seedFault(storage)
        await storage.vehicles.assignDealer(f.vin, 'life-a')
        return (await service.raiseForFault(f.faultId, 'prestage'))[0]?.id as number
      }
      const id = await raise()
      t.match(await move('life-a', id, 'acknowledged', { by: 'anna' }), { status: 'acknowledged' })
      t.match(await move('life-a', id, 'parts_staged', { by: 'anna', note: 'coil on shelf 4' }), { status: 'parts_staged' })
      await t.rejects(move('life-a', id, 'acknowledged', { by: 'anna' }), {
        code: 'PITWALL_ERR_DEALER_ALERT_TRANSITION',
        message: `alert ${id} is parts_staged; it cannot move to acknowledged (alerts only move forward: new → acknowledged → parts_staged → appointment_booked → repaired → closed)`
      })
      await t.rejects(move('life-a', id, 'parts_staged', { by: 'anna' }), { code: 'PITWALL_ERR_DEALER_ALERT_TRANSITION', message: /is parts_staged; it cannot move to parts_staged/ })
      await t.rejects(move('life-a', id, 'repaired', { by: 'ben' }),
        { code: 'PITWALL_ERR_DEALER_ALERT_INVALID', message: `alert ${id}: repaired needs firstTimeFix (was it fixed at the first visit?)` })
      await t.rejects(move('life-a', id, 'appointment_booked', { by: 'ben', firstTimeFix: true }),
        { code: 'PITWALL_ERR_DEALER_ALERT_INVALID', message: /firstTimeFix belongs to repaired/ })
      await t.rejects(move('life-a', id, 'fixed' as never, { by: 'ben' }),
        { code: 'PITWALL_ERR_DEALER_ALERT_INVALID', message: "'fixed' is not an alert status (new, acknowledged, parts_staged, appointment_booked, repaired, closed)" })
      await t.rejects(move('life-a', id, 'appointment_booked', { by: ' ' }), { code: 'PITWALL_ERR_DEALER_ALERT_INVALID', message: /who moves it/ })
      await move('life-a', id, 'appointment_booked', { by: 'ben' })
      t.match(await move('life-a', id, 'repaired', { by: 'carl', firstTimeFix: true }), { status: 'repaired', firstTimeFix: true })
      t.match(await move('life-a', id, 'closed', { by: 'anna' }), { status: 'closed', firstTimeFix: true })
      await t.rejects(move('life-a', id, 'closed', { by: 'anna' }), { code: 'PITWALL_ERR_DEALER_ALERT_TRANSITION', message: /is closed; it cannot move to closed/ })

      const timeline = await inbox.timeline('life-a', id)
      t.same(timeline.map((e) => [e.status, e.by]), [
        ['new', 'pitwall'], ['acknowledged', 'anna'], ['parts_staged', 'anna'], ['appointment_booked', 'ben'], ['repaired', 'carl'], ['closed', 'anna']
      ])
      t.same(timeline.map((e) => e.detail), [{ routing: { via: 'own', distanceKm: null } }, null, { note: 'coil on shelf 4' }, null, { firstTimeFix: true }, null])
      for (let i = 1; i < timeline.length; i++) {
        t.ok((timeline[i]?.time as Date) >= (timeline[i - 1]?.time as Date), `${timeline[i]?.status} is not before ${timeline[i - 1]?.status}`)
      }
      const alert = await inbox.get('life-a', id)
      t.same(timeline.at(-1)?.time, alert.updatedAt, 'the alert carries the time of its last step')

      // steps may be skipped (a rescue needs no parts), never retraced
      const other = await raise()
      t.match(await move('life-a', other, 'repaired', { by: 'carl', firstTimeFix: false }), { status: 'repaired', firstTimeFix: false })
      t.same((await inbox.timeline('life-a', other)).map((e) => e.status), ['new', 'repaired'])
      t.same((await inbox.list('life-a', { status: 'repaired' })).map((a) => a.id), [other])
      t.same((await inbox.list('life-a', { status: ['closed', 'repaired'] })).map((a) => a.id), [other, id], 'newest first')
      t.same((await inbox.list('life-a', { beforeId: other })).map((a) => a.id), [id], 'paging')
      t.same(await inbox.list('life-a', { kind: 'rescue' }), [])
    })
  })
}
