#!/usr/bin/env bash
# Packages release assets exactly as .github/workflows/release.yml publishes
# them and action/install.sh installs them.
#
#   scripts/package-release.sh asset TARGET BINARY OUTDIR
#       OUTDIR/blastwall-TARGET.tar.gz (.zip for *-windows-* targets) holding
#       one directory blastwall-TARGET/ with the binary (blastwall, or
#       blastwall.exe), README.md, LICENSE-MIT and LICENSE-APACHE; and
#       OUTDIR/<asset>.sha256, one line in sha256sum's format: "<hex>  <asset>".
#   scripts/package-release.sh sums DIR
#       DIR/SHA256SUMS: every DIR/*.sha256 line, sorted by asset name, so
#       `sha256sum -c SHA256SUMS` checks every archive at once.
#
# tests/it/release.rs runs both and installs the result with action/install.sh.
set -euo pipefail

die() {
    echo "package-release: $*" >&2
    exit 2
}

sha256_line() { # FILE: "<hex>  <basename>"
    local file=$1 name hex
    name=$(basename "$file")
    if command -v sha256sum >/dev/null 2>&1; then
        hex=$(sha256sum -- "$file" | cut -d' ' -f1)
    elif command -v shasum >/dev/null 2>&1; then
        hex=$(shasum -a 256 -- "$file" | cut -d' ' -f1)
    else
        die "neither sha256sum nor shasum is installed"
    fi
    printf '%s  %s\n' "$hex" "$name"
}

asset() {
    local target=$1 binary=$2 out=$3
    local repo exe name stage asset
    repo=$(cd "$(dirname "$0")/.." && pwd)
    case "$target" in
    *[!A-Za-z0-9_.-]* | '') die "'$target' is not a Rust target triple" ;;
    esac
    [ -f "$binary" ] || die "no binary at $binary"
    mkdir -p "$out"
    out=$(cd "$out" && pwd)
    name=blastwall-$target
    exe=blastwall
    case "$target" in
    *-windows-*) exe=blastwall.exe ;;
    esac
    stage=$(mktemp -d)
    mkdir "$stage/$name"
    cp "$binary" "$stage/$name/$exe"
    chmod 755 "$stage/$name/$exe"
    cp "$repo/README.md" "$repo/LICENSE-MIT" "$repo/LICENSE-APACHE" "$stage/$name/"
    case "$target" in
    *-windows-*)
        asset=$name.zip
        rm -f "$out/$asset"
        if command -v 7z >/dev/null 2>&1; then
            (cd "$stage" && 7z a -tzip "$out/$asset" "$name" >/dev/null)
        elif command -v zip >/dev/null 2>&1; then
            (cd "$stage" && zip -qr "$out/$asset" "$name")
        else
            die "neither 7z nor zip is installed to make $asset"
        fi
        ;;
    *)
        asset=$name.tar.gz
        # Owner and order fixed, so the archive does not depend on who builds it.
        tar -C "$stage" --owner=0 --group=0 --numeric-owner --sort=name -czf "$out/$asset" "$name" 2>/dev/null ||
            tar -C "$stage" -czf "$out/$asset" "$name"
        ;;
    esac
    rm -rf "$stage"
    (cd "$out" && sha256_line "$asset" >"$asset.sha256")
    echo "$out/$asset"
}

sums() {
    local dir=$1
    [ -d "$dir" ] || die "no directory $dir"
    local files=("$dir"/*.sha256)
    [ -e "${files[0]}" ] || die "no *.sha256 in $dir"
    cat "${files[@]}" | tr -d '\r' | sort -k2 >"$dir/SHA256SUMS"
    echo "$dir/SHA256SUMS"
}

case "${1:-}" in
asset)
    [ "$#" -eq 4 ] || die "usage: $0 asset TARGET BINARY OUTDIR"
    asset "$2" "$3" "$4"
    ;;
sums)
    [ "$#" -eq 2 ] || die "usage: $0 sums DIR"
    sums "$2"
    ;;
*) die "usage: $0 asset TARGET BINARY OUTDIR | $0 sums DIR" ;;
esac
