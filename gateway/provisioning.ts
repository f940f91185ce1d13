/** Registering vehicles: a fresh secret per device, shown once, stored hashed. */
import type { VehicleStore } from '../storage/vehicles.js'
import { generateSecret, hashSecret } from './credentials.js'
import { VIN_PATTERN } from '../proto/topics.js'
import { PitwallError } from '../runtime/errors.js'

export class ProvisioningError extends PitwallError {
  constructor (message: string) {
    super('PITWALL_ERR_BAD_VIN', message)
  }
}

export interface DeviceCredentials {
  vin: string
  secret: string
}

export async function provisionDevice (
  vehicles: VehicleStore,
  device: { vin: string, model?: string | undefined, firmware?: string | undefined },
  rotate = false
): Promise<DeviceCredentials> {
  const vin = device.vin.toUpperCase()
  if (!VIN_PATTERN.test(vin)) {
    throw new ProvisioningError(`"${device.vin}" is not a VIN: 17 characters of A-Z and 0-9, without I, O or Q (ISO 3779)`)
  }
  const secret = generateSecret()
  await vehicles.add({ vin, model: device.model, firmware: device.firmware }, await hashSecret(secret), rotate)
  return { vin, secret }
}
