// Checks that deploy/ and the server agree: every flag and TFLCONV_* variable
// the manifests set is one `tflconv-server --help` lists, the ports, probes,
// TLS files and drain grace line up, the resources match the admission
// limits, the image's Dockerfile exposes the server's ports, and the Grafana
// dashboard queries only metrics the server registers.
//   node check_server_contract.js --server PATH/tflconv-server [--root REPO]
// Renders with `kubectl kustomize` where kubectl exists; without it, checks
// the base's files as written (the overlay's patches need kubectl).
'use strict';
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');
const { SKIP, kubectl, render, readResources, id, Checks } = require('./lib');

const argv = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : fallback;
};
const root = arg('root', path.resolve(__dirname, '../..'));
const serverBin = arg('server');

// --- what the server accepts ------------------------------------------------
if (!serverBin || !fs.existsSync(serverBin)) {
  console.log(`SKIP: no tflconv-server binary (${serverBin || 'none given'})`);
  process.exit(SKIP);
}
const help = execFileSync(serverBin, ['--help'], { encoding: 'utf8' });
// "  --listen               TFLCONV_LISTEN               default 0.0.0.0:50051"
const flags = new Map();
for (const m of help.matchAll(/^\s+--([a-z0-9_]+)\s+(TFLCONV_[A-Z0-9_]+)\s+default (.*)$/gm)) {
  flags.set(m[1], { env: m[2], def: m[3] === '(empty)' ? '' : m[3].trim() });
}
const envToFlag = new Map([...flags].map(([name, f]) => [f.env, name]));
const memoryFactor = Number((help.match(/reserves (\d+(?:\.\d+)?)x its graph/) || [0, 3])[1]);
// The exec probe's own variables (deploy/image/health_probe.cc).
const probeSource = fs.readFileSync(path.join(root, 'deploy/image/health_probe.cc'), 'utf8');
const probeVars = new Set([...probeSource.matchAll(/\b(TFLCONV_PROBE_[A-Z_]+)/g)].map((m) => m[1]));
const PROBE = '/usr/local/bin/tflconv-health-probe';

const c = new Checks();
c.check(flags.size >= 5, '--help lists the flags', `parsed ${flags.size} from:\n${help}`);
for (const needed of ['listen', 'metrics_listen', 'workers', 'max_queued_jobs', 'max_memory_bytes',
  'drain_grace_seconds', 'plaintext', 'tls_cert', 'tls_key']) {
  c.check(flags.has(needed), `--help lists --${needed}`);
}

// --- units ------------------------------------------------------------------
function serverBytes(text) {  // server/flags.cc ParseBytes: binary K/M/G/T
  const m = String(text).trim().match(/^(\d+)([KMGT]?)$/i);
  if (!m) return NaN;
  return Number(m[1]) * 1024 ** ' KMGT'.indexOf((m[2] || ' ').toUpperCase());
}
function quantity(q) {  // Kubernetes quantity -> number (bytes or cores)
  const m = String(q).match(/^(\d+(?:\.\d+)?)(m|Ki|Mi|Gi|Ti|k|M|G|T)?$/);
  if (!m) return NaN;
  const mult = { m: 1e-3, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, k: 1e3, M: 1e6, G: 1e9, T: 1e12 };
  return Number(m[1]) * (m[2] ? mult[m[2]] : 1);
}
const portOf = (hostPort) => Number(String(hostPort).slice(String(hostPort).lastIndexOf(':') + 1));
const truthy = (v) => ['', '1', 'true', 'yes'].includes(String(v).toLowerCase());
const matches = (selector, labels) =>
  Object.entries(selector || {}).every(([k, v]) => (labels || {})[k] === v);

// --- the image --------------------------------------------------------------
const dockerfile = fs.readFileSync(path.join(root, 'Dockerfile'), 'utf8');
const exposed = [...dockerfile.matchAll(/^EXPOSE\s+(.+)$/gm)]
  .flatMap((m) => m[1].trim().split(/\s+/)).map((p) => Number(p.split('/')[0]));
const imageUser = (dockerfile.match(/^USER\s+(\d+)/m) || [])[1];
c.check(exposed.includes(portOf(flags.get('listen').def)), 'Dockerfile EXPOSEs the default gRPC port',
  `EXPOSE ${exposed.join(' ')}, --listen default ${flags.get('listen').def}`);
c.check(exposed.includes(portOf(flags.get('metrics_listen').def)), 'Dockerfile EXPOSEs the default metrics port');
c.check(/ENTRYPOINT \["\/usr\/local\/bin\/tflconv-server"\]/.test(dockerfile), 'the image runs tflconv-server');
c.check(dockerfile.includes('tflconv-health-probe'), 'the image ships tflconv-health-probe');
c.check(imageUser && imageUser !== '0', 'the image runs as a numeric non-root USER');

// --- the manifests ----------------------------------------------------------
const sets = [];
if (kubectl()) {
  for (const k of ['deploy/k8s/base', 'deploy/k8s/overlays/production']) {
    sets.push([k, render(path.join(root, k))]);
  }
} else {
  console.log('note: kubectl not installed; checking deploy/k8s/base as written (no overlay)');
  sets.push(['deploy/k8s/base (unrendered)', readResources(path.join(root, 'deploy/k8s/base'))]);
}

for (const [where, objects] of sets) {
  const of = (kind) => objects.filter((o) => o.kind === kind);
  const configMaps = new Map(of('ConfigMap').map((o) => [o.metadata.name, o]));
  const deployments = of('Deployment');
  c.check(deployments.length === 1, `${where}: one Deployment`);
  for (const d of deployments) {
    const w = `${where}: ${id(d)}`;
    const pod = d.spec.template.spec;
    const podLabels = d.spec.template.metadata.labels;
    const ctr = pod.containers.find((x) => x.name === 'server');
    if (!c.check(ctr, `${w} has a container named server`)) continue;

    // Flags: args, then env, then envFrom ConfigMaps, then --help defaults.
    const config = new Map([...flags].map(([n, f]) => [n, f.def]));
    const sources = new Map();
    for (const ref of ctr.envFrom || []) {
      if (!ref.configMapRef) continue;
      const cm = configMaps.get(ref.configMapRef.name);
      if (!c.check(cm, `${w} envFrom ConfigMap ${ref.configMapRef.name} exists`)) continue;
      for (const [k, v] of Object.entries(cm.data || {})) {
        const name = envToFlag.get(k);
        c.check(name || probeVars.has(k), `${w}: ConfigMap key ${k} is a server (or probe) variable`,
          `the server reads ${[...envToFlag.keys()].join(' ')}`);
        if (name) { config.set(name, v); sources.set(name, 'configmap'); }
      }
    }
    for (const e of ctr.env || []) {
      if (!e.name.startsWith('TFLCONV_')) continue;
      const name = envToFlag.get(e.name);
      c.check(name || probeVars.has(e.name), `${w}: env ${e.name} is a server (or probe) variable`);
      if (name) { config.set(name, e.value !== undefined ? e.value : '<from secret>'); sources.set(name, e.valueFrom ? 'secret' : 'env'); }
    }
    for (const a of [...(ctr.command || []).slice(1), ...(ctr.args || [])]) {
      const m = String(a).match(/^--([^=]+)(?:=(.*))?$/);
      if (!c.check(m && flags.has(m[1]), `${w}: argument ${a} is a server flag`)) continue;
      config.set(m[1], m[2] === undefined ? '' : m[2]);
      sources.set(m[1], 'args');
    }
    if (ctr.command) c.check(ctr.command[0] === '/usr/local/bin/tflconv-server', `${w}: command runs the server`);

    // Ports.
    const ports = new Map((ctr.ports || []).map((p) => [p.name, p.containerPort]));
    const grpcPort = portOf(config.get('listen'));
    const metricsPort = portOf(config.get('metrics_listen'));
    c.check(ports.get('grpc') === grpcPort, `${w}: containerPort grpc is the --listen port`,
      `grpc ${ports.get('grpc')}, --listen ${config.get('listen')}`);
    c.check(ports.get('metrics') === metricsPort, `${w}: containerPort metrics is the --metrics_listen port`,
      `metrics ${ports.get('metrics')}, --metrics_listen ${config.get('metrics_listen')}`);
    for (const f of ['listen', 'metrics_listen']) {
      const host = config.get(f).slice(0, config.get(f).lastIndexOf(':'));
      c.check(['0.0.0.0', '[::]', ''].includes(host), `${w}: --${f} listens on every interface`, config.get(f));
    }

    // TLS xor plaintext; TLS files on a Secret volume; the token not in a ConfigMap.
    const plaintext = truthy(config.get('plaintext')) && sources.has('plaintext');
    const tls = config.get('tls_cert') !== '';
    c.check(plaintext !== tls, `${w}: exactly one of --plaintext and --tls_cert`);
    const secretMounts = (ctr.volumeMounts || []).filter((m) =>
      (pod.volumes || []).some((v) => v.name === m.name && v.secret));
    for (const f of ['tls_cert', 'tls_key', 'tls_client_ca', 'auth_token_file']) {
      const p = config.get(f);
      if (!p || !flags.has(f)) continue;
      c.check(secretMounts.some((m) => p.startsWith(m.mountPath.replace(/\/?$/, '/'))),
        `${w}: --${f} (${p}) is on a Secret volume`);
    }
    c.check(sources.get('auth_token') !== 'configmap' && sources.get('auth_token') !== 'env',
      `${w}: the bearer token comes from a Secret, not a literal`);

    // Probes: the health service on the gRPC port. The kubelet's grpc probe is
    // plaintext only, so under TLS they must exec the image's probe.
    for (const kind of ['readinessProbe', 'livenessProbe']) {
      const probe = ctr[kind];
      if (!c.check(probe, `${w}: has a ${kind}`)) continue;
      if (probe.grpc) {
        c.check(probe.grpc.port === grpcPort, `${w}: ${kind} grpc port is the --listen port`);
        c.check(!tls, `${w}: ${kind} is a kubelet grpc probe, which cannot speak TLS`);
      } else if (probe.exec) {
        const cmd = probe.exec.command || [];
        c.check(cmd[0] === PROBE, `${w}: ${kind} execs ${PROBE}`, cmd.join(' '));
        for (const a of cmd.slice(1)) {
          c.check(/^--(service|addr|timeout_ms)=/.test(a), `${w}: ${kind} probe argument ${a} is known`);
          if (a.startsWith('--addr=')) c.check(portOf(a) === grpcPort, `${w}: ${kind} dials the --listen port`);
        }
      } else {
        c.check(false, `${w}: ${kind} asks the gRPC health service`, JSON.stringify(probe));
      }
    }
    if (ctr.startupProbe) c.check(ctr.startupProbe.grpc || (ctr.startupProbe.exec || {}).command, `${w}: startupProbe asks health`);

    // Drain: the kubelet waits longer than the server drains.
    const grace = Number(config.get('drain_grace_seconds'));
    const tgp = pod.terminationGracePeriodSeconds;
    c.check(Number.isFinite(grace) && tgp >= grace + 5,
      `${w}: terminationGracePeriodSeconds exceeds --drain_grace_seconds by 5 s or more`, `${tgp} vs ${grace}`);

    // Resources follow the admission limits.
    const res = ctr.resources || {};
    const req = res.requests || {};
    const lim = res.limits || {};
    const workers = Number(config.get('workers'));
    const maxMemory = serverBytes(config.get('max_memory_bytes'));
    const maxGraph = serverBytes(config.get('max_graph_bytes'));
    c.check(workers >= 1, `${w}: --workers is explicit (0 would mean the node's cores)`, String(workers));
    c.check(quantity(req.cpu) >= workers, `${w}: the CPU request covers --workers`, `${req.cpu} vs ${workers}`);
    c.check(quantity(lim.memory) >= maxMemory + 512 * 2 ** 20,
      `${w}: the memory limit is --max_memory_bytes plus 512 MiB or more`, `${lim.memory} vs ${config.get('max_memory_bytes')}`);
    c.check(quantity(req.memory) === quantity(lim.memory), `${w}: memory request equals the limit`);
    c.check(maxGraph * memoryFactor <= maxMemory,
      `${w}: the largest graph (--max_graph_bytes x ${memoryFactor}) fits --max_memory_bytes`);
    c.check(Number(config.get('max_queued_jobs')) >= workers, `${w}: --max_queued_jobs >= --workers`);

    // Hardening.
    const psc = pod.securityContext || {};
    const sc = ctr.securityContext || {};
    c.check(sc.runAsNonRoot === true || psc.runAsNonRoot === true, `${w}: runAsNonRoot`);
    c.check(String(sc.runAsUser ?? psc.runAsUser) === String(imageUser), `${w}: runs as the image's USER ${imageUser}`);
    c.check(sc.readOnlyRootFilesystem === true, `${w}: readOnlyRootFilesystem`);
    c.check(sc.allowPrivilegeEscalation === false, `${w}: allowPrivilegeEscalation false`);
    c.check(((sc.capabilities || {}).drop || []).includes('ALL'), `${w}: drops ALL capabilities`);
    c.check(!(sc.capabilities || {}).add, `${w}: adds no capabilities`);
    c.check(Boolean((sc.seccompProfile || psc.seccompProfile || {}).type), `${w}: has a seccomp profile`);
    c.check(pod.automountServiceAccountToken === false, `${w}: mounts no service account token`);
    const anti = (pod.affinity || {}).podAntiAffinity || {};
    const terms = [...(anti.requiredDuringSchedulingIgnoredDuringExecution || []),
      ...(anti.preferredDuringSchedulingIgnoredDuringExecution || []).map((t) => t.podAffinityTerm)];
    c.check(terms.some((t) => t.topologyKey === 'kubernetes.io/hostname' && matches(t.labelSelector.matchLabels, podLabels)),
      `${w}: pod anti-affinity across nodes`);
    c.check(d.spec.replicas === undefined, `${w}: leaves replicas to the HorizontalPodAutoscaler`);

    // Services, ServiceMonitor, HPA, PDB, NetworkPolicy point at this pod and port.
    const services = of('Service').filter((s) => matches(s.spec.selector, podLabels));
    const grpcSvc = services.find((s) => s.spec.ports.some((p) => p.targetPort === 'grpc' || p.targetPort === grpcPort));
    const metricsSvc = services.find((s) => s.spec.ports.some((p) => p.targetPort === 'metrics' || p.targetPort === metricsPort));
    c.check(grpcSvc && grpcSvc.spec.clusterIP === 'None', `${w}: a headless Service for gRPC`);
    c.check(metricsSvc && metricsSvc.spec.clusterIP !== 'None' && (metricsSvc.spec.type || 'ClusterIP') === 'ClusterIP',
      `${w}: a ClusterIP Service for metrics`);
    for (const sm of of('ServiceMonitor')) {
      c.check(metricsSvc && matches(sm.spec.selector.matchLabels, metricsSvc.metadata.labels),
        `${where}: ${id(sm)} selects the metrics Service`);
      for (const ep of sm.spec.endpoints) {
        c.check(metricsSvc && metricsSvc.spec.ports.some((p) => p.name === ep.port), `${where}: ${id(sm)} port ${ep.port} is the metrics Service's`);
        c.check((ep.path || '/metrics') === '/metrics', `${where}: ${id(sm)} scrapes /metrics`);
      }
    }
    c.check(of('ServiceMonitor').length === 1, `${where}: one ServiceMonitor`);
    const hpas = of('HorizontalPodAutoscaler');
    c.check(hpas.length === 1 && hpas[0].spec.scaleTargetRef.name === d.metadata.name, `${where}: the HPA scales the Deployment`);
    c.check(of('PodDisruptionBudget').some((p) => matches(p.spec.selector.matchLabels, podLabels)), `${where}: a PDB covers the pods`);
    for (const np of of('NetworkPolicy')) {
      c.check(matches(np.spec.podSelector.matchLabels, podLabels), `${where}: ${id(np)} selects the pods`);
      for (const rule of np.spec.ingress || []) {
        for (const p of rule.ports || []) {
          c.check(ports.has(p.port) || [...ports.values()].includes(p.port), `${where}: ${id(np)} port ${p.port} is a container port`);
        }
      }
    }
    c.check(of('NetworkPolicy').length >= 1, `${where}: a NetworkPolicy`);
  }
}

// --- the dashboard ----------------------------------------------------------
const metricsSource = fs.readFileSync(path.join(root, 'server/metrics.cc'), 'utf8');
const registered = new Set([...metricsSource.matchAll(/\.Name\("([a-z0-9_]+)"\)/g)].map((m) => m[1]));
const dashboard = JSON.parse(fs.readFileSync(path.join(root, 'deploy/k8s/base/grafana-dashboard.json'), 'utf8'));
const exprs = dashboard.panels.flatMap((p) => (p.targets || []).map((t) => t.expr));
const used = new Set(exprs.flatMap((e) => [...e.matchAll(/\b(tflconv_[a-z0-9_]+)/g)].map((m) => m[1])));
c.check(used.size > 0, 'the dashboard queries tflconv metrics');
for (const name of used) {
  const family = name.replace(/_(bucket|sum|count)$/, '');
  c.check(registered.has(name) || registered.has(family), `dashboard metric ${name} is registered in server/metrics.cc`,
    `registered: ${[...registered].join(' ')}`);
}
for (const name of registered) {
  c.check([...used].some((u) => u.startsWith(name)), `server metric ${name} is on the dashboard`);
}
c.finish();
