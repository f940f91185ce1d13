/** Fault injection (./scenario-tests.ts): the nodes' Redis stopped and started again, and a dealer's endpoint answering slowly. */
import t from 'tap'
import { testScenarios } from './scenario-tests.js'

testScenarios(t, ['redis-restarted', 'dealer-slow'])
