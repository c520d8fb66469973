# syntax=docker/dockerfile:1
#
# Portcullis container image: a Rust binary (glibc and libssl3) on Debian slim, run as uid 1001.
#
#   docker build -t portcullis:local .
#   docker run --rm -p 8787:8787 -v portcullis-data:/data \
#     -e BETTER_AUTH_SECRET=$(openssl rand -hex 32) portcullis:local
#
# With no DATABASE_URL the server uses SQLite in the /data volume; set DATABASE_URL
# (postgres://…, mysql://…) and REDIS_URL for more than one instance. See deploy/README.md.

# ---- build ---------------------------------------------------------------------------------
# Pinned toolchain tag; keep it at or above the version CI uses (rust-toolchain of the day).
FROM rust:1.95.0-slim-bookworm AS builder
# OpenSSL's headers: the passkey plugin's WebAuthn crate (webauthn-rs-core) links OpenSSL.
RUN apt-get update \
    && apt-get install -y --no-install-recommends pkg-config libssl-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Cargo loads every workspace member, so each member directory is copied (deploy/check.sh
# checks this list against Cargo.toml's `members`).
COPY Cargo.toml Cargo.lock ./
COPY crates ./crates
COPY bench ./bench
COPY examples ./examples
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked -p portcullis \
    && install -D -m 0755 target/release/portcullis /out/portcullis

# ---- runtime -------------------------------------------------------------------------------
FROM debian:bookworm-slim
# Beyond glibc, only OpenSSL's library (libssl3, for WebAuthn's signature checks); and the user.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libssl3 \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 1001 portcullis \
    && useradd --system --uid 1001 --gid 1001 --home-dir /data --no-create-home \
       --shell /usr/sbin/nologin portcullis \
    && install -d -o 1001 -g 1001 -m 0700 /data
COPY --from=builder /out/portcullis /usr/local/bin/portcullis

ENV HOST=0.0.0.0 \
    PORT=8787 \
    PORTCULLIS_DATA_DIR=/data \
    DATABASE_URL=sqlite:///data/portcullis.db \
    LOG_FORMAT=json

USER 1001:1001
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8787

# `portcullis healthcheck` probes GET /api/health on HOST:PORT; no curl in the image.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["portcullis", "healthcheck"]

# SIGTERM (docker stop) drains in-flight requests before exiting.
STOPSIGNAL SIGTERM
ENTRYPOINT ["portcullis"]
CMD ["serve"]
