// An independent ConvertModel client written against the .proto files
// alone (@grpc/grpc-js + @grpc/proto-loader): uploads a graph in chunks,
// checks the stream's shape and every artifact's sha256, writes the
// artifacts, and checks grpc.health.v1.
//
// usage: node client.js TARGET PROTO_DIR GRAPH OUT_DIR
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const [target, protoDir, graphPath, outDir] = process.argv.slice(2);
const loaderOptions = { keepCase: false, longs: Number, enums: String, defaults: true, oneofs: true };
const converterDef = protoLoader.loadSync(path.join(protoDir, 'tflconv/v1/converter.proto'),
  { ...loaderOptions, includeDirs: [protoDir] });
const healthDef = protoLoader.loadSync(
  path.join(__dirname, '../proto/grpc/health/v1/health.proto'), loaderOptions);
const tflconv = grpc.loadPackageDefinition(converterDef).tflconv.v1;
const health = grpc.loadPackageDefinition(healthDef).grpc.health.v1;

function fail(message) {
  console.error('node client: FAIL: ' + message);
  process.exit(1);
}

function checkHealth() {
  return new Promise((resolve, reject) => {
    const client = new health.Health(target, grpc.credentials.createInsecure());
    client.check({ service: 'tflconv.v1.Converter' }, (err, response) => {
      client.close();
      if (err) return reject(err);
      resolve(response.status);
    });
  });
}

function convert(graph) {
  return new Promise((resolve, reject) => {
    const client = new tflconv.Converter(target, grpc.credentials.createInsecure());
    const call = client.convertModel({ deadline: Date.now() + 60000 });
    const responses = [];
    call.on('data', (r) => responses.push(r));
    call.on('error', (e) => reject(e));
    call.on('end', () => resolve(responses));
    const sha = crypto.createHash('sha256').update(graph).digest('hex');
    call.write({ start: {
      options: { inputArrays: [{ name: 'x' }], outputArrays: ['out'] },
      graphName: path.basename(graphPath), graphSize: graph.length, graphSha256: sha } });
    const chunk = 64;  // small chunks: several requests even for a tiny graph
    for (let offset = 0; offset < graph.length; offset += chunk) {
      call.write({ graphChunk: graph.subarray(offset, offset + chunk) });
    }
    call.end();
  });
}

(async () => {
  const status = await checkHealth();
  if (status !== 'SERVING') fail('health is ' + status);
  const graph = fs.readFileSync(graphPath);
  const responses = await convert(graph);
  if (responses.length === 0 || responses[0].payload !== 'accepted') fail('first response is not accepted');
  if (!responses[0].accepted.jobId) fail('no job id');
  if (responses[responses.length - 1].payload !== 'report') fail('last response is not the report');
  const artifacts = {};
  for (const r of responses) {
    if (r.payload !== 'artifact') continue;
    const a = r.artifact;
    const entry = artifacts[a.fileName] || (artifacts[a.fileName] = { parts: [], size: 0, a });
    if (a.offset !== entry.size) fail(`${a.fileName}: offset ${a.offset}, expected ${entry.size}`);
    entry.parts.push(a.data);
    entry.size += a.data.length;
    if (a.last) {
      const bytes = Buffer.concat(entry.parts);
      if (bytes.length !== a.totalSize) fail(`${a.fileName}: ${bytes.length} of ${a.totalSize} bytes`);
      const sha = crypto.createHash('sha256').update(bytes).digest('hex');
      if (sha !== a.sha256) fail(`${a.fileName}: sha256 ${sha} != announced ${a.sha256}`);
      fs.writeFileSync(path.join(outDir, a.fileName), bytes);
      entry.done = true;
    }
  }
  const names = Object.keys(artifacts).sort();
  if (names.join(',') !== 'model_fp16.tflite,model_fp32.tflite') fail('artifacts: ' + names);
  if (!names.every((n) => artifacts[n].done)) fail('an artifact did not end');
  const report = responses[responses.length - 1].report;
  if (report.coverage.builtinOps < 1) fail('report has no builtin ops');
  console.log(`node client: OK job ${responses[0].accepted.jobId}, ` +
    names.map((n) => `${n} ${artifacts[n].size} bytes sha256 ok`).join(', '));
})().catch((e) => fail(e.message || String(e)));
