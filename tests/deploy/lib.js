// Shared helpers of the deploy tests: find kubectl, render the kustomizations,
// read the base's files directly where kubectl is absent.
'use strict';
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');
const YAML = require('yaml');

const SKIP = 77;  // ctest SKIP_RETURN_CODE

function which(name) {
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    const p = path.join(dir, name);
    try { fs.accessSync(p, fs.constants.X_OK); return p; } catch (_) { /* next */ }
  }
  return null;
}

function kubectl() {
  return process.env.KUBECTL || which('kubectl');
}

function parseDocs(text, origin) {
  return YAML.parseAllDocuments(text).map((doc) => {
    if (doc.errors.length) throw new Error(`${origin}: ${doc.errors[0].message}`);
    return doc.toJSON();
  }).filter((o) => o !== null);
}

// `kubectl kustomize DIR` as a list of objects.
function render(dir) {
  const out = execFileSync(kubectl(), ['kustomize', dir], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return parseDocs(out, `kubectl kustomize ${dir}`);
}

// The objects a kustomization lists in `resources`, read as they are (no
// patches, generators or transformers): the fallback without kubectl.
function readResources(dir) {
  const k = YAML.parse(fs.readFileSync(path.join(dir, 'kustomization.yaml'), 'utf8'));
  const objects = [];
  for (const r of k.resources || []) {
    const p = path.join(dir, r);
    if (fs.statSync(p).isDirectory()) objects.push(...readResources(p));
    else objects.push(...parseDocs(fs.readFileSync(p, 'utf8'), p));
  }
  return objects;
}

function id(o) {
  return `${o.kind}/${(o.metadata || {}).name}`;
}

// Collects failures; prints a closing "N passed, N failed" line.
class Checks {
  constructor() { this.passed = 0; this.failed = 0; }
  check(ok, what, detail) {
    if (ok) { this.passed++; return true; }
    this.failed++;
    console.log(`FAIL ${what}${detail ? `: ${detail}` : ''}`);
    return false;
  }
  finish(skipped = 0) {
    console.log(`${this.passed} passed, ${this.failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
    process.exit(this.failed ? 1 : 0);
  }
}

module.exports = { SKIP, which, kubectl, render, readResources, parseDocs, id, Checks };
