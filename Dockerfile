# tflconv-server image: build on Debian 12 with the project's own installer,
# run from a root filesystem that holds only the two binaries, the Debian 12
# shared libraries they load, and a non-root user. No shell, no package
# manager, no coreutils: `podman run --entrypoint` can run only tflconv-server,
# the tflconv CLI and tflconv-health-probe.
#
#   deploy/build-image.sh            (builds from a local debootstrap base)
#   podman build --isolation=chroot -t tflconv-server .   (with a registry)
#
# DEBIAN_IMAGE must be Debian 12 (bookworm): the runtime stage copies its
# libraries.
ARG DEBIAN_IMAGE=docker.io/library/debian:bookworm

# --- build ------------------------------------------------------------------
FROM ${DEBIAN_IMAGE} AS build
WORKDIR /src
COPY install-deps.sh ./
RUN ./install-deps.sh && apt-get install -y -qq --no-install-recommends binutils >/dev/null \
    && rm -rf /var/lib/apt/lists/*
# The exec health probe (see health_probe.cc for why not the kubelet's own).
COPY deploy/image/ deploy/image/
RUN mkdir -p /build && g++ -std=c++17 -O2 -o /build/tflconv-health-probe \
      deploy/image/health_probe.cc $(pkg-config --cflags --libs grpc++)
COPY . .
RUN cmake -S . -B /build -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null \
    && cmake --build /build -j"$(nproc)" --target tflconv-server tflconv
# /rootfs becomes the whole runtime image.
RUN sh deploy/image/assemble-rootfs.sh /rootfs /build/server/tflconv-server /build/client/tflconv \
      /build/tflconv-health-probe

# --- runtime ----------------------------------------------------------------
FROM scratch
COPY --from=build /rootfs/ /
ENV TMPDIR=/tmp
USER 10001:10001
WORKDIR /home/tflconv
# gRPC (ConvertModel and grpc.health.v1) and Prometheus /metrics.
EXPOSE 50051 9090
# Configured by flags or TFLCONV_* variables (tflconv-server --help). It
# refuses to start without TLS (--tls_cert/--tls_key) or --plaintext.
ENTRYPOINT ["/usr/local/bin/tflconv-server"]
