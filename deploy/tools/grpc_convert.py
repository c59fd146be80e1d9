#!/usr/bin/env python3
"""A small, independent ConvertModel client for checking a deployed tflconv-server.

  grpc_convert.py health  --target HOST:PORT [tls/auth options]
  grpc_convert.py convert --target HOST:PORT --graph M.pb --input_arrays a --input_shapes 1,2
                          --output_arrays y --output_dir DIR [tls/auth options]
  grpc_convert.py metrics --url http://HOST:PORT/metrics [--expect PREFIX]

It speaks the RPC of proto/tflconv/v1/converter.proto with stubs that protoc
generates at run time (python3-grpcio and python3-protobuf from Debian, protoc
from install-deps.sh), and checks each artifact's size and sha256 against what
the server announced. Used by deploy/build-image.sh; handy against a cluster
through `kubectl port-forward`. Exit status: 0 ok, 1 failure, 2 bad usage.
"""
import argparse
import hashlib
import importlib
import os
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PROTO_DIR = os.path.join(ROOT, "proto")
PROTOS = ["tensorflow/framework/graph_def.proto", "tflconv/v1/options.proto",
          "tflconv/v1/report.proto", "tflconv/v1/converter.proto"]


def load_protos():
    out = tempfile.mkdtemp(prefix="tflconv-pb2-")
    subprocess.run(["protoc", "-I", PROTO_DIR, "--python_out=" + out] +
                   [os.path.join(PROTO_DIR, p) for p in PROTOS], check=True)
    sys.path.insert(0, out)
    return (importlib.import_module("tflconv.v1.converter_pb2"),
            importlib.import_module("tflconv.v1.options_pb2"))


def channel(args):
    import grpc
    options = [("grpc.max_receive_message_length", 64 << 20)]
    if args.plaintext:
        return grpc.insecure_channel(args.target, options=options)
    read = lambda p: open(p, "rb").read() if p else None
    creds = grpc.ssl_channel_credentials(read(args.ca), read(args.key), read(args.cert))
    if args.server_name:
        options.append(("grpc.ssl_target_name_override", args.server_name))
    return grpc.secure_channel(args.target, creds, options=options)


def metadata(args):
    return [("authorization", "Bearer " + args.token)] if args.token else []


def health(args):
    """grpc.health.v1.Health/Check, encoded by hand (HealthCheckRequest.service = 1)."""
    import grpc
    svc = args.service.encode()
    req = (b"\x0a" + bytes([len(svc)]) + svc) if svc else b""
    call = channel(args).unary_unary("/grpc.health.v1.Health/Check",
                                     request_serializer=lambda b: b,
                                     response_deserializer=lambda b: b)
    deadline = time.time() + args.wait
    while True:
        try:
            resp = call(req, timeout=2, metadata=metadata(args))
            status = resp[1] if len(resp) >= 2 and resp[0] == 0x08 else 0
            names = {0: "UNKNOWN", 1: "SERVING", 2: "NOT_SERVING", 3: "SERVICE_UNKNOWN"}
            print("health: %s" % names.get(status, status))
            return 0 if status == 1 else 1
        except grpc.RpcError as e:
            if time.time() > deadline:
                print("health: %s %s" % (e.code(), e.details()), file=sys.stderr)
                return 1
            time.sleep(0.3)


def convert(args):
    import grpc
    pb, opts = load_protos()
    graph = open(args.graph, "rb").read()
    options = opts.ConversionOptions(output_arrays=args.output_arrays.split(","))
    names = args.input_arrays.split(",") if args.input_arrays else []
    shapes = args.input_shapes.split(":") if args.input_shapes else []
    for i, name in enumerate(names):
        arr = options.input_arrays.add(name=name)
        if i < len(shapes):
            arr.has_shape = True
            arr.shape.extend(int(d) for d in shapes[i].split(",") if d)
    for kind in args.artifacts.split(","):
        options.artifacts.append({"fp32": opts.FP32, "fp16": opts.FP16}[kind])

    def requests():
        yield pb.ConvertRequest(start=pb.ConvertStart(
            options=options, graph_name=os.path.basename(args.graph), graph_size=len(graph),
            graph_sha256=hashlib.sha256(graph).hexdigest()))
        for off in range(0, len(graph), args.chunk):
            yield pb.ConvertRequest(graph_chunk=graph[off:off + args.chunk])

    call = channel(args).stream_stream("/tflconv.v1.Converter/ConvertModel",
                                       request_serializer=pb.ConvertRequest.SerializeToString,
                                       response_deserializer=pb.ConvertResponse.FromString)
    os.makedirs(args.output_dir, exist_ok=True)
    files, announced, stages = {}, {}, []
    t0 = time.time()
    try:
        for resp in call(requests(), timeout=args.timeout, metadata=metadata(args)):
            which = resp.WhichOneof("payload")
            if which == "accepted":
                print("accepted: job %s, queue position %d" %
                      (resp.accepted.job_id, resp.accepted.queue_position))
            elif which == "progress":
                if not stages or stages[-1] != resp.progress.stage:
                    stages.append(resp.progress.stage)
            elif which == "artifact":
                a = resp.artifact
                buf = files.setdefault(a.file_name, bytearray())
                if a.offset != len(buf):
                    print("artifact %s: chunk at %d, expected %d" % (a.file_name, a.offset, len(buf)),
                          file=sys.stderr)
                    return 1
                buf += a.data
                announced[a.file_name] = (a.total_size, a.sha256)
            elif which == "report":
                with open(os.path.join(args.output_dir, "report.json"), "w") as f:
                    from google.protobuf import json_format
                    f.write(json_format.MessageToJson(resp.report))
    except grpc.RpcError as e:
        print("convert: %s: %s" % (e.code(), e.details()), file=sys.stderr)
        return 1
    ok = bool(files)
    for name, data in files.items():
        size, sha = announced[name]
        digest = hashlib.sha256(data).hexdigest()
        good = len(data) == size and (not sha or sha == digest) and data[4:8] == b"TFL3"
        ok &= good
        with open(os.path.join(args.output_dir, name), "wb") as f:
            f.write(data)
        print("artifact %s: %d bytes, sha256 %s %s" % (name, len(data), digest[:16],
                                                     "ok" if good else "MISMATCH"))
    print("stages: %s; %.2f s" % (" ".join(stages), time.time() - t0))
    return 0 if ok else 1


def tiny_graph(args):
    """Writes a 3-node frozen graph (y = relu(x + c), x float[1,4]) for a smoke test."""
    sys.path.insert(0, tempfile.mkdtemp(prefix="tflconv-pb2-"))
    subprocess.run(["protoc", "-I", PROTO_DIR, "--python_out=" + sys.path[0],
                    os.path.join(PROTO_DIR, PROTOS[0])], check=True)
    gd = importlib.import_module("tensorflow.framework.graph_def_pb2")
    g = gd.GraphDef()
    dt_float = 1
    x = g.node.add(name="x", op="Placeholder")
    x.attr["dtype"].type = dt_float
    x.attr["shape"].shape.dim.add(size=1)
    x.attr["shape"].shape.dim.add(size=4)
    c = g.node.add(name="c", op="Const")
    c.attr["dtype"].type = dt_float
    t = c.attr["value"].tensor
    t.dtype = dt_float
    t.tensor_shape.dim.add(size=4)
    t.float_val.extend([0.5, -1.0, 2.0, -3.0])
    add = g.node.add(name="add", op="AddV2", input=["x", "c"])
    add.attr["T"].type = dt_float
    y = g.node.add(name="y", op="Relu", input=["add"])
    y.attr["T"].type = dt_float
    with open(args.out, "wb") as f:
        f.write(g.SerializeToString())
    print("tiny graph: %s (inputs x:1,4, outputs y)" % args.out)
    return 0


def metrics(args):
    body = urllib.request.urlopen(args.url, timeout=5).read().decode()
    families = sorted({l.split()[2] for l in body.splitlines() if l.startswith("# TYPE ")})
    print("metrics: %d families: %s" % (len(families), " ".join(families)))
    missing = [p for p in args.expect if not any(f.startswith(p) for f in families)]
    if missing:
        print("metrics: nothing named %s*" % ", ".join(missing), file=sys.stderr)
        return 1
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    for name in ("health", "convert"):
        s = sub.add_parser(name)
        s.add_argument("--target", required=True)
        s.add_argument("--plaintext", action="store_true")
        s.add_argument("--ca"); s.add_argument("--cert"); s.add_argument("--key")
        s.add_argument("--server_name")
        s.add_argument("--token", default=os.environ.get("TFLCONV_TOKEN"))
        if name == "health":
            s.add_argument("--service", default="")
            s.add_argument("--wait", type=float, default=20)
        else:
            s.add_argument("--graph", required=True)
            s.add_argument("--input_arrays", default="")
            s.add_argument("--input_shapes", default="")
            s.add_argument("--output_arrays", required=True)
            s.add_argument("--artifacts", default="fp32,fp16")
            s.add_argument("--output_dir", required=True)
            s.add_argument("--chunk", type=int, default=1 << 20)
            s.add_argument("--timeout", type=float, default=300)
    t = sub.add_parser("tiny-graph")
    t.add_argument("out")
    m = sub.add_parser("metrics")
    m.add_argument("--url", required=True)
    m.add_argument("--expect", action="append", default=[])
    args = p.parse_args()
    return {"health": health, "convert": convert, "metrics": metrics,
            "tiny-graph": tiny_graph}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
