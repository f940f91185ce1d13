/** Fault injection (./scenario-tests.ts): the gateway killed with SIGKILL and restarted, and one of two nodes killed. */
import t from 'tap'
import { testScenarios } from './scenario-tests.js'

testScenarios(t, ['gateway-sigkill', 'node-killed'])
