#!/usr/bin/env node
// Writes `gotrace support`'s table into README.md between the support markers,
// so the README's matrix is generated from the shipped rules and tables.
const { execFileSync } = require('node:child_process');
const { readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const out = execFileSync(process.execPath, [join(root, 'dist/core/cli/main.js'), 'support'], { encoding: 'utf8' });
const readme = join(root, 'README.md');
const text = readFileSync(readme, 'utf8');
const next = text.replace(/<!-- support:start -->[\s\S]*<!-- support:end -->/, `<!-- support:start -->\n\`\`\`\n${out.trimEnd()}\n\`\`\`\n<!-- support:end -->`);
writeFileSync(readme, next);
