// Renders each kustomization of deploy/k8s with `kubectl kustomize` and
// validates every object against the Kubernetes API schema
// (kubernetes-models; the ServiceMonitor CRD with
// @kubernetes-models/prometheus-operator). Exit 77 (skip) without kubectl.
//   node validate_manifests.js REPO_ROOT
'use strict';
const fs = require('fs');
const path = require('path');
const { SKIP, kubectl, render, id, Checks } = require('./lib');

const root = process.argv[2] || path.resolve(__dirname, '../..');
const kustomizations = ['deploy/k8s/base', 'deploy/k8s/overlays/production'];

// The model class of an apiVersion/kind, or null.
function model(apiVersion, kind) {
  const candidates = apiVersion === 'monitoring.coreos.com/v1'
    ? [`@kubernetes-models/prometheus-operator/${apiVersion}/${kind}`]
    : [`kubernetes-models/${apiVersion}/${kind}`];
  for (const c of candidates) {
    try { return require(c)[kind]; } catch (_) { /* next */ }
  }
  return null;
}

if (!kubectl()) {
  console.log('SKIP: kubectl is not installed; the manifests were not rendered');
  process.exit(SKIP);
}

const c = new Checks();
for (const k of kustomizations) {
  let objects;
  try {
    objects = render(path.join(root, k));
  } catch (e) {
    c.check(false, `${k} renders`, String(e.stderr || e.message).trim());
    continue;
  }
  c.check(objects.length > 0, `${k} renders objects`);
  const seen = new Set();
  for (const o of objects) {
    const where = `${k}: ${id(o)}`;
    const key = `${o.apiVersion}/${o.kind}/${(o.metadata || {}).namespace}/${(o.metadata || {}).name}`;
    c.check(!seen.has(key), `${where} is unique`);
    seen.add(key);
    const Model = model(o.apiVersion, o.kind);
    if (!c.check(Model !== null, `${where} has a schema`, `no model for ${o.apiVersion} ${o.kind}`)) continue;
    try {
      new Model(o).validate();
      c.check(true);
    } catch (e) {
      c.check(false, `${where} validates`, e.message);
    }
    // Every ConfigMap entry ending in .json (the Grafana dashboard) parses.
    if (o.kind === 'ConfigMap') {
      for (const [name, text] of Object.entries(o.data || {})) {
        if (!name.endsWith('.json')) continue;
        try { JSON.parse(text); c.check(true); } catch (e) { c.check(false, `${where} ${name} is JSON`, e.message); }
      }
    }
  }
  console.log(`${k}: ${objects.length} objects (${[...new Set(objects.map((o) => o.kind))].join(', ')})`);
}
c.finish();
