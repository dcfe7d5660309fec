# WalSync's container image, made from the native (Native AOT) Linux build, which needs clang and zlib1g-dev:
#   dotnet publish src/WalSync.Cli -c Release -r linux-x64 -p:PublishAot=true -o out/linux-x64
#   docker build --build-arg BASE_IMAGE=debian:bookworm-slim -t walsync .
#   docker run --rm -v "$PWD/samples/walsync.json:/etc/walsync/walsync.json:ro" -e WALSYNC_Typesense__ApiKey=KEY walsync
# Any glibc-based image will do as the base (a build argument); the executable needs no .NET runtime.
ARG BASE_IMAGE=debian:bookworm-slim
FROM ${BASE_IMAGE}
# TLS to https:// Typesense nodes needs OpenSSL and CA certificates; INSTALL_PACKAGES=false skips this (no network, or a
# base that has them).
ARG INSTALL_PACKAGES=true
RUN if [ "$INSTALL_PACKAGES" = "true" ]; then \
        apt-get update && apt-get install -y --no-install-recommends ca-certificates libssl3 && rm -rf /var/lib/apt/lists/*; \
    fi
COPY out/linux-x64/walsync /usr/local/bin/walsync
USER 10001:10001
ENTRYPOINT ["/usr/local/bin/walsync"]
CMD ["run", "--config", "/etc/walsync/walsync.json"]
