# syntax=docker/dockerfile:1
# Taskward container image: a multi-stage build, a small Debian runtime, a non-root user,
# SQLite data in the /data volume. Build with `docker build -t taskward .`.

# --- build ---------------------------------------------------------------------------
FROM rust:1.95-bookworm AS build
WORKDIR /src
# Dependencies first, so source edits do not rebuild them: a dummy crate with the real
# manifest and lock file.
COPY Cargo.toml Cargo.lock ./
RUN mkdir -p src \
    && echo 'fn main() {}' > src/main.rs \
    && echo '' > src/lib.rs \
    && cargo build --release --locked \
    && rm -rf src
# Everything the binary embeds: migrations, templates, static assets.
COPY src ./src
COPY migrations ./migrations
COPY templates ./templates
COPY static ./static
RUN touch src/main.rs src/lib.rs \
    && cargo build --release --locked \
    && cp target/release/taskward /usr/local/bin/taskward

# --- runtime -------------------------------------------------------------------------
FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 taskward \
    && useradd --system --uid 10001 --gid taskward --home-dir /data --shell /usr/sbin/nologin taskward \
    && mkdir -p /data \
    && chown taskward:taskward /data
COPY --from=build /usr/local/bin/taskward /usr/local/bin/taskward

USER taskward:taskward
WORKDIR /data
VOLUME ["/data"]
ENV DATABASE_URL=sqlite:///data/taskward.db \
    BIND=0.0.0.0:8000 \
    LOG_FORMAT=json
EXPOSE 8000
# The image has no curl: the binary checks its own /healthz (on the port of BIND).
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["taskward", "healthcheck"]
ENTRYPOINT ["taskward"]
CMD ["serve"]
