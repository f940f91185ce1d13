/**
 * Keeps the running rule engine in step with the rules table: loads the
 * enabled rules at start, then polls a cheap change token and reloads only
 * when it moved (`pitwall rules apply/enable/disable` from any process). The
 * engine keeps the state of rules that did not change.
 */
import type { RuleEngine } from '../rules/engine.js'
import { PeriodicPass } from '../runtime/periodic-pass.js'
import type { RuleStore } from '../storage/rules.js'
import type { Logger } from './logger.js'

export class RuleReloader {
  private revision: string | undefined
  // one check at a time: a slow database must not stack them up
  private readonly passes = new PeriodicPass(async () => { await this.check() }, (err) => {
    this.log.error({ err: err.message }, 'rule reload failed; keeping the rules in force')
  })

  /**
   * `before` runs ahead of every check: the manifest reloader, so that the
   * catalog holds every signal a rule may name before the rules compile.
   */
  constructor (
    private readonly store: RuleStore,
    private readonly engine: RuleEngine,
    private readonly log: Logger,
    private readonly pollMs: number,
    private readonly before?: () => Promise<void>
  ) {}

  /** Loads now; resolves once the engine has the current rules. */
  async start (): Promise<void> {
    await this.check()
    this.passes.start(this.pollMs)
  }

  async stop (): Promise<void> {
    await this.passes.stop()
  }

  /**
   * Checks now rather than at the next poll; resolves once a check that
   * began after this call has finished, so rules committed before it are in
   * force (or were reported as left out).
   */
  async refresh (): Promise<void> {
    this.passes.kick()
    await this.passes.idle()
  }

  private async check (): Promise<void> {
    const catalogBefore = this.engine.catalogSize
    await this.before?.()
    const revision = await this.store.revision()
    // a grown catalog can make a skipped rule compile
    if (revision === this.revision && this.engine.catalogSize === catalogBefore) return
    const rules = await this.store.active()
    const { skipped } = this.engine.setRules(rules)
    this.revision = revision
    for (const s of skipped) this.log.error({ rule: s.id, reason: s.reason }, 'rule left out: it names a signal this gateway\'s catalog does not have')
    this.log.info({ rules: this.engine.ruleCount, skipped: skipped.length, revision }, 'rules loaded')
  }
}
