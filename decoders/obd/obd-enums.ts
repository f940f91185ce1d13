/** Enumerated values of SAE J1979 service 01 PIDs, by value. */

/** SAE J1979 PID 0x03 fuel system status, bytes A (system 1) and B (system 2). */
export const FUEL_SYSTEM_STATUS: ReadonlyMap<number, string> = new Map([
  [0x00, 'notPresent'],
  [0x01, 'openLoopInsufficientEngineTemperature'],
  [0x02, 'closedLoopOxygenSensorFeedback'],
  [0x04, 'openLoopEngineLoadOrFuelCut'],
  [0x08, 'openLoopSystemFailure'],
  [0x10, 'closedLoopFeedbackFault']
])

/** SAE J1979 PID 0x12 commanded secondary air status. */
export const SECONDARY_AIR_STATUS: ReadonlyMap<number, string> = new Map([
  [0x01, 'upstream'],
  [0x02, 'downstreamOfCatalyst'],
  [0x04, 'outsideAtmosphereOrOff'],
  [0x08, 'pumpOnForDiagnostics']
])

/** SAE J1979 PID 0x1C OBD requirements the vehicle was certified to (14-16, 22, 27 are reserved). */
export const OBD_STANDARD: ReadonlyMap<number, string> = new Map([
  [1, 'OBD-II (CARB)'],
  [2, 'OBD (EPA)'],
  [3, 'OBD and OBD-II'],
  [4, 'OBD-I'],
  [5, 'not OBD compliant'],
  [6, 'EOBD'],
  [7, 'EOBD and OBD-II'],
  [8, 'EOBD and OBD'],
  [9, 'EOBD, OBD and OBD-II'],
  [10, 'JOBD'],
  [11, 'JOBD and OBD-II'],
  [12, 'JOBD and EOBD'],
  [13, 'JOBD, EOBD and OBD-II'],
  [17, 'EMD'],
  [18, 'EMD+'],
  [19, 'HD OBD-C'],
  [20, 'HD OBD'],
  [21, 'WWH OBD'],
  [23, 'HD EOBD-I'],
  [24, 'HD EOBD-I N'],
  [25, 'HD EOBD-II'],
  [26, 'HD EOBD-II N'],
  [28, 'OBDBr-1'],
  [29, 'OBDBr-2'],
  [30, 'KOBD'],
  [31, 'IOBD I'],
  [32, 'IOBD II'],
  [33, 'HD EOBD-VI']
])

/** SAE J1979 PID 0x51 fuel type. */
export const FUEL_TYPE: ReadonlyMap<number, string> = new Map([
  [0, 'notAvailable'],
  [1, 'gasoline'],
  [2, 'methanol'],
  [3, 'ethanol'],
  [4, 'diesel'],
  [5, 'lpg'],
  [6, 'cng'],
  [7, 'propane'],
  [8, 'electric'],
  [9, 'bifuelGasoline'],
  [10, 'bifuelMethanol'],
  [11, 'bifuelEthanol'],
  [12, 'bifuelLpg'],
  [13, 'bifuelCng'],
  [14, 'bifuelPropane'],
  [15, 'bifuelElectric'],
  [16, 'bifuelElectricAndCombustion'],
  [17, 'hybridGasoline'],
  [18, 'hybridEthanol'],
  [19, 'hybridDiesel'],
  [20, 'hybridElectric'],
  [21, 'hybridElectricAndCombustion'],
  [22, 'hybridRegenerative'],
  [23, 'bifuelDiesel']
])

export const IGNITION_TYPE: ReadonlyMap<number, string> = new Map([[0, 'spark'], [1, 'compression']])

export const OFF_ON: ReadonlyMap<number, string> = new Map([[0, 'off'], [1, 'on']])
