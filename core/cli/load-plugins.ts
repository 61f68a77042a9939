// Finds protocol plugins: every folder under plugins/ with an index that
// exports `plugin`. Adding a protocol is adding a folder; core names none.
import 'reflect-metadata';
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { container, type DependencyContainer } from 'tsyringe';
import { registerPlugin, registeredPlugins, type GotracePlugin } from '../engine/plugin';
import { GotraceError } from '../errors';

/** dist/plugins, next to dist/core where this file runs from. */
export const PLUGINS_DIR = resolve(__dirname, '..', '..', 'plugins');

export function loadPlugins(dir = PLUGINS_DIR, into: DependencyContainer = container.createChildContainer()): GotracePlugin[] {
  if (!existsSync(dir)) return [];
  for (const ent of readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
    const index = join(dir, ent.name, 'index.js');
    if (!existsSync(index)) continue;
    let mod: { plugin?: GotracePlugin };
    try {
      mod = require(index) as { plugin?: GotracePlugin };
    } catch (e) {
      throw new GotraceError('ERR_PLUGIN_INVALID', `plugin folder ${ent.name}: its index failed to load: ${(e as Error).message}`, { cause: e });
    }
    if (!mod.plugin) throw new GotraceError('ERR_PLUGIN_INVALID', `plugin folder ${ent.name}: index.js does not export 'plugin'`);
    registerPlugin(into, mod.plugin);
  }
  return registeredPlugins(into);
}
