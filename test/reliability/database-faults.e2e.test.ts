/** Fault injection (./scenario-tests.ts): PostgreSQL stopped and started again, and the batches table held locked. */
import t from 'tap'
import { testScenarios } from './scenario-tests.js'

testScenarios(t, ['database-stopped', 'database-slow'])
