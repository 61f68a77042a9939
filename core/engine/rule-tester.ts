// A rule tester, as ESLint has one: a rule is run against real binaries with
// no kernel, from a table of cases that must plan and cases that must fail
// with a given code. Checker, selector and hooker are pure functions of a
// binary's bytes, so this is all they need.
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GoBinary } from '../binary/go-binary';
import type { ErrorCode } from '../errors';
import { RuleEngine, type RuleOutcome } from './engine';
import type { LoadedRule } from './rule-loader';
import type { GotracePlugin } from './plugin';

export interface ValidCase {
  readonly binary: string;
  readonly name?: string;
  /** The hooker the selector must pick. */
  readonly hooker?: string;
  /** Probes the plan must contain, as `kind symbol` (e.g. `entry main.Divide`). */
  readonly probes?: readonly string[];
  /** Extra checks on the outcome. */
  readonly check?: (o: RuleOutcome) => void;
}

export interface InvalidCase {
  readonly binary: string;
  readonly name?: string;
  readonly code: ErrorCode;
}

const binaries = new Map<string, GoBinary>();
function open(path: string): GoBinary {
  let b = binaries.get(path);
  if (!b) binaries.set(path, (b = new GoBinary(path, readFileSync(path))));
  return b;
}

export class RuleTester {
  private readonly engine: RuleEngine;

  constructor(plugins: readonly GotracePlugin[]) {
    this.engine = new RuleEngine(plugins);
  }

  /** Plans `rule` for one binary: what `run` asserts on, exposed for custom tests. */
  plan(rule: LoadedRule, binary: string): RuleOutcome {
    return this.engine.plan(open(binary), rule.rule, rule.file);
  }

  run(rule: LoadedRule, cases: { valid: readonly ValidCase[]; invalid: readonly InvalidCase[] }): void {
    describe(`rule ${rule.rule.id}`, () => {
      for (const c of cases.valid) {
        it(`plans on ${c.name ?? c.binary}`, () => {
          const o = this.plan(rule, c.binary);
          assert.equal(o.status, 'planned', o.error?.message);
          if (c.hooker) assert.equal(o.selection?.selector.hooker, c.hooker);
          const have = new Set(o.plan!.probes.map((p) => `${p.kind} ${p.symbol}`));
          for (const want of c.probes ?? []) assert.ok(have.has(want), `missing probe ${want}; have ${[...have].join(', ')}`);
          assert.ok(o.plan!.probes.every((p) => Number.isInteger(p.fileOffset) && p.fileOffset > 0));
          c.check?.(o);
        });
      }
      for (const c of cases.invalid) {
        it(`fails with ${c.code} on ${c.name ?? c.binary}`, () => {
          const o = this.plan(rule, c.binary);
          assert.equal(o.status, 'failed');
          assert.equal(o.error?.code, c.code, o.error?.message);
          assert.match(o.error!.message, new RegExp(rule.rule.id.replace(/[/]/g, '\\/')));
        });
      }
    });
  }
}
