/** Fault injection (./scenario-tests.ts): a dealer's endpoint down, and answering 500. */
import t from 'tap'
import { testScenarios } from './scenario-tests.js'

testScenarios(t, ['dealer-down', 'dealer-500'])
