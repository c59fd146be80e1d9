#!/usr/bin/env bash
# Builds the tflconv-server image with podman (buildah underneath,
# --isolation=chroot: no container engine or daemon needed) from a Debian 12
# base made here with debootstrap, then checks it end to end: starts the
# server from the image's root filesystem with TLS, mutual TLS and a bearer
# token as the Kubernetes manifests configure it, asks the image's health
# probe, converts a model through the RPC, scrapes /metrics, runs the image's
# CLI on the artifact, and drains it with SIGTERM. Prints the image size and
# fails over MAX_MB (150).
#
#   deploy/build-image.sh [--tag NAME] [--base NAME] [--no-verify | --no-build]
#   (--no-build checks an image built before)
#
# Run as root on Debian 12 (it apt-installs podman, buildah, debootstrap and
# the checker's python3-grpcio). With a registry at hand, --base
# docker.io/library/debian:bookworm skips debootstrap. Not run by CI: a
# debootstrap and a full Release build take a while.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
tag=localhost/tflconv-server:latest
base=localhost/debian:bookworm
verify=1
build=1
max_mb=${MAX_MB:-150}
work=${TFLCONV_IMAGE_WORK:-/var/tmp/tflconv-image}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
while [ $# -gt 0 ]; do
  case $1 in
    --tag) tag=$2; shift 2 ;;
    --tag=*) tag=${1#*=}; shift ;;
    --base) base=$2; shift 2 ;;
    --base=*) base=${1#*=}; shift ;;
    --no-verify) verify=0; shift ;;
    --no-build) build=0; shift ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "build-image: unknown argument $1" >&2; exit 2 ;;
  esac
done
log() { echo "build-image: $*"; }
die() { echo "build-image: FAILED: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "run as root (podman storage, debootstrap, chroot)"

need=()
for tool in podman buildah debootstrap; do command -v $tool >/dev/null || need+=("$tool"); done
if [ "$verify" = 1 ]; then
  /usr/bin/python3 -c 'import grpc, google.protobuf' 2>/dev/null || need+=(python3-grpcio python3-protobuf)
  command -v protoc >/dev/null || need+=(protobuf-compiler)
  command -v openssl >/dev/null || need+=(openssl)
fi
if [ ${#need[@]} -gt 0 ]; then
  log "installing ${need[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

# 1. The Debian 12 base, made locally (no registry needed).
if ! podman image exists "$base"; then
  [ "$base" = localhost/debian:bookworm ] || die "base image $base not found"
  log "debootstrap bookworm into $work/bookworm"
  rm -rf "$work/bookworm" && mkdir -p "$work"
  debootstrap --variant=minbase bookworm "$work/bookworm" "$mirror" >"$work/debootstrap.log" 2>&1 \
    || die "debootstrap (log: $work/debootstrap.log)"
  tar -C "$work/bookworm" -c . | podman import -q - "$base" >/dev/null
  rm -rf "$work/bookworm"
fi
log "base $base: $(podman image inspect --format '{{.Size}}' "$base" | awk '{printf "%.0f MB", $1/1e6}')"

# 2. The image.
start=$(date +%s)
if [ "$build" = 1 ]; then
  podman build --isolation=chroot --layers --build-arg "DEBIAN_IMAGE=$base" -t "$tag" \
    -f "$repo/Dockerfile" "$repo"
fi
size=$(podman image inspect --format '{{.Size}}' "$tag")
size_mb=$(awk -v s="$size" 'BEGIN { printf "%.1f", s / 1e6 }')
log "built $tag in $(( $(date +%s) - start )) s"
log "image size: $size_mb MB ($size bytes; limit $max_mb MB)"
log "user $(podman image inspect --format '{{.Config.User}}' "$tag"), entrypoint $(podman image inspect --format '{{.Config.Entrypoint}}' "$tag"), exposed $(podman image inspect --format '{{range $p, $_ := .Config.ExposedPorts}}{{$p}} {{end}}' "$tag")"
awk -v s="$size" -v m="$max_mb" 'BEGIN { exit !(s / 1e6 <= m) }' || die "image is over $max_mb MB"
[ "$verify" = 1 ] || exit 0

# 3. Run it from the image's root filesystem: a container made from the image
#    (its writable layer gets the TLS files, as the Secret volume would), the
#    server chrooted into it as the image's user, configured by environment
#    variables only, as deploy/k8s does.
ctr=$(podman create "$tag")
mnt=$(podman mount "$ctr")
tmp=$(mktemp -d)
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill -9 "$server_pid" 2>/dev/null || true
  podman umount "$ctr" >/dev/null 2>&1 || true
  podman rm -f "$ctr" >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT
log "image root filesystem at $mnt: $(find "$mnt" -type f | wc -l) files; shells: $(ls "$mnt"/bin/sh "$mnt"/usr/bin/*sh 2>/dev/null | wc -l)"
[ ! -e "$mnt/bin/sh" ] || die "the image has a shell"

# A CA, a server certificate for localhost (the probe's default name) and a
# client certificate: mutual TLS.
tls=$tmp/tls && mkdir -p "$tls"
(
  cd "$tls"
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=tflconv-test-ca -keyout ca.key -out ca.crt
  openssl req -newkey rsa:2048 -nodes -subj /CN=localhost -keyout tls.key -out server.csr
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >server.ext
  openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -extfile server.ext -out tls.crt
  openssl req -newkey rsa:2048 -nodes -subj /CN=build-farm -keyout client.key -out client.csr
  openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -out client.crt
) >/dev/null 2>&1 || die "openssl"
mkdir -p "$mnt/etc/tflconv/tls"
cp "$tls/tls.crt" "$tls/tls.key" "$tls/ca.crt" "$mnt/etc/tflconv/tls/"
chown -R 10001:10001 "$mnt/etc/tflconv/tls" && chmod 0440 "$mnt/etc/tflconv/tls/"*
token=$(openssl rand -hex 16)
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(free_port); mport=$(free_port)
server_env=(TFLCONV_LISTEN=127.0.0.1:$port TFLCONV_METRICS_LISTEN=127.0.0.1:$mport
  TFLCONV_WORKERS=2 TFLCONV_MAX_QUEUED_JOBS=8 TFLCONV_MAX_MEMORY_BYTES=1G TFLCONV_DRAIN_GRACE_SECONDS=10
  TFLCONV_TLS_CERT=/etc/tflconv/tls/tls.crt TFLCONV_TLS_KEY=/etc/tflconv/tls/tls.key
  TFLCONV_TLS_CLIENT_CA=/etc/tflconv/tls/ca.crt TFLCONV_AUTH_TOKEN=$token)
in_image() { env -i "${server_env[@]}" /usr/sbin/chroot --userspec=10001:10001 "$mnt" "$@"; }

# A simple command, not the function: $! is then the server itself.
env -i "${server_env[@]}" /usr/sbin/chroot --userspec=10001:10001 "$mnt" /usr/local/bin/tflconv-server \
  >"$tmp/server.out" 2>"$tmp/server.err" &
server_pid=$!
for _ in $(seq 100); do
  grep -q "listening" "$tmp/server.out" 2>/dev/null && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$tmp/server.err" >&2; die "the server exited"; }
  sleep 0.1
done
log "server from the image: $(head -1 "$tmp/server.out")"

log "health probe from the image: $(in_image /usr/local/bin/tflconv-health-probe 2>&1)" \
  || die "tflconv-health-probe"
in_image /usr/local/bin/tflconv-health-probe >/dev/null 2>&1 || die "tflconv-health-probe: not SERVING"

client=(/usr/bin/python3 "$repo/deploy/tools/grpc_convert.py")
tls_args=(--target "localhost:$port" --ca "$tls/ca.crt" --cert "$tls/client.crt" --key "$tls/client.key"
  --token "$token")
fixture=$repo/../shared/fixtures/corpus/char_rnn_frozen_model/model.pb
if [ -f "$fixture" ]; then
  m_graph=$fixture m_in=input_data m_shape=10,10 m_out=probs
else
  "${client[@]}" tiny-graph "$tmp/tiny.pb" >/dev/null
  m_graph=$tmp/tiny.pb m_in=x m_shape=1,4 m_out=y
fi
model=(--graph "$m_graph" --input_arrays "$m_in" --input_shapes "$m_shape" --output_arrays "$m_out")
log "converting $(basename "$(dirname "${model[1]}")")/$(basename "${model[1]}") ($(stat -c %s "${model[1]}") bytes) through the server"
if "${client[@]}" convert "${tls_args[@]}" "${model[@]}" --output_dir "$tmp/out" >"$tmp/convert.out" 2>&1; then
  sed 's/^/  /' "$tmp/convert.out"
else
  sed 's/^/  /' "$tmp/convert.out"; die "conversion through the server"
fi
"${client[@]}" convert "${tls_args[@]}" "${model[@]}" --output_dir "$tmp/out2" --token wrong \
  >"$tmp/denied.out" 2>&1 && die "a wrong bearer token was accepted"
log "wrong token: $(grep -o 'UNAUTHENTICATED.*' "$tmp/denied.out" | head -1)"
"${client[@]}" convert --target "127.0.0.1:$port" --plaintext "${model[@]}" --output_dir "$tmp/out3" \
  >/dev/null 2>&1 && die "a plaintext call was accepted"

"${client[@]}" metrics --url "http://127.0.0.1:$mport/metrics" --expect tflconv_requests_total \
  --expect tflconv_stage_duration_seconds || die "/metrics"
ok_calls=$(/usr/bin/python3 -c 'import sys, urllib.request
body = urllib.request.urlopen(sys.argv[1]).read().decode()
print(sum(float(l.split()[-1]) for l in body.splitlines() if l.startswith("tflconv_requests_total{") and "code=\"OK\"" in l))' \
  "http://127.0.0.1:$mport/metrics")
log "tflconv_requests_total{code=\"OK\"} = $ok_calls"

# The image's own CLI reads the artifact the server made.
cp "$tmp/out/model_fp16.tflite" "$mnt/tmp/" && chmod 0644 "$mnt/tmp/model_fp16.tflite"
log "tflconv inspect (from the image) on the fp16 artifact:"
in_image /usr/local/bin/tflconv inspect /tmp/model_fp16.tflite >"$tmp/inspect.out" || die "tflconv inspect"
head -8 "$tmp/inspect.out" | sed 's/^/  /'

# The image's CLI in remote mode (where it has one) through the same server:
# the artifacts must be the very bytes the independent client received.
cli_usage=$(in_image /usr/local/bin/tflconv 2>&1 || true)
if [[ $cli_usage == *--server=* ]]; then
  cli=$mnt/tmp/cli && mkdir -p "$cli"
  cp "$m_graph" "$cli/model.pb" && cp "$tls/ca.crt" "$tls/client.crt" "$tls/client.key" "$cli/"
  chown -R 10001:10001 "$cli"
  # ipv4: the chroot has no /etc/hosts (a container runtime mounts one).
  in_image /usr/local/bin/tflconv convert --server="ipv4:127.0.0.1:$port" --tls_server_name=localhost \
    --tls_ca=/tmp/cli/ca.crt \
    --tls_cert=/tmp/cli/client.crt --tls_key=/tmp/cli/client.key --graph_def_file=/tmp/cli/model.pb \
    --input_arrays="$m_in" --input_shapes="$m_shape" --output_arrays="$m_out" --output_dir=/tmp/cli/out \
    --quiet >"$tmp/cli.out" 2>&1 || { cat "$tmp/cli.out" >&2; die "tflconv --server (from the image)"; }
  for f in model_fp32.tflite model_fp16.tflite; do
    cmp -s "$cli/out/$f" "$tmp/out/$f" || die "tflconv --server: $f differs from the RPC client's"
  done
  log "tflconv convert --server (the image's CLI, mutual TLS, token from TFLCONV_AUTH_TOKEN): same artifacts"
fi

# Drain: SIGTERM, the server reports NOT_SERVING and exits 0 within the grace.
kill -TERM "$server_pid"
t0=$(date +%s)
wait "$server_pid" && rc=0 || rc=$?
server_pid=
log "SIGTERM: exit $rc after $(( $(date +%s) - t0 )) s; $(grep -v '"event":"convert"' "$tmp/server.err" | tr '\n' ' ')"
[ "$rc" = 0 ] || die "the server did not drain cleanly"
log "OK: $tag, $size_mb MB"
