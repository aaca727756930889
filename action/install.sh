#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Step "install" of action.yml: makes a blastwall binary available and writes
# the step outputs `bin` (its path) and `version` (`blastwall --version`).
#
# Three ways, in this order:
#   BUILD_FROM_SOURCE=true  cargo install --locked from the action's own source
#                           (ACTION_PATH); needs a Rust toolchain (GitHub-hosted
#                           runners have one)
#   VERSION=path            the blastwall already on PATH
#   otherwise               the release asset of VERSION, or of the action's own
#                           version: blastwall-<target>.tar.gz (.zip on Windows)
#                           from <base>/<repo>/releases/download/<tag>/, checked
#                           against the .sha256 file published beside it
#
# The release tag, when VERSION is empty: ACTION_REF if it is a full version tag
# (v1.2.3), else "v" + the package version in the action's Cargo.toml (so a
# `uses: owner/blastwall@v1` or `@<commit sha>` gets the release that commit
# belongs to). The repository: ACTION_REPOSITORY, else the owner/name in
# ACTION_PATH (…/_actions/OWNER/NAME/REF), else GITHUB_REPOSITORY (`uses: ./`).
#
# Environment: ACTION_PATH, ACTION_REPOSITORY, ACTION_REF, VERSION,
# BUILD_FROM_SOURCE, RUNNER_OS, RUNNER_ARCH, RUNNER_TEMP, GITHUB_OUTPUT;
# BLASTWALL_DOWNLOAD_BASE (default https://github.com) for a mirror, or tests.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

action_path=${ACTION_PATH:-$(cd "$(dirname "$0")/.." && pwd)}
action_path=$(bw_path "$action_path")
version=${VERSION:-}
build_from_source=${BUILD_FROM_SOURCE:-false}
bw_bool build-from-source "$build_from_source"

exe=blastwall
if bw_is_windows; then
    exe=blastwall.exe
fi
root=$(bw_path "${RUNNER_TEMP:-${TMPDIR:-/tmp}}")/blastwall-install

# The Rust target triple of the release asset for this runner.
release_target() {
    local os=${RUNNER_OS:-} arch=${RUNNER_ARCH:-}
    if [ -z "$os" ]; then
        case "$(uname -s)" in
        Linux) os=Linux ;;
        Darwin) os=macOS ;;
        MINGW* | MSYS* | CYGWIN*) os=Windows ;;
        esac
    fi
    if [ -z "$arch" ]; then
        case "$(uname -m)" in
        x86_64 | amd64) arch=X64 ;;
        aarch64 | arm64) arch=ARM64 ;;
        esac
    fi
    case "$os/$arch" in
    Linux/X64) echo x86_64-unknown-linux-musl ;;
    Linux/ARM64) echo aarch64-unknown-linux-musl ;;
    macOS/X64) echo x86_64-apple-darwin ;;
    macOS/ARM64) echo aarch64-apple-darwin ;;
    Windows/X64) echo x86_64-pc-windows-msvc ;;
    Windows/ARM64) echo aarch64-pc-windows-msvc ;;
    *) bw_die "no blastwall release is built for $os/$arch: set build-from-source: true" ;;
    esac
}

sha256_of() {
    if command -v sha256sum >/dev/null 2>&1; then
        sha256sum -- "$1" | cut -d' ' -f1
    elif command -v shasum >/dev/null 2>&1; then
        shasum -a 256 -- "$1" | cut -d' ' -f1
    else
        bw_die "neither sha256sum nor shasum is installed: cannot verify the download"
    fi
}

unzip_to() {
    local archive=$1 dir=$2
    if command -v unzip >/dev/null 2>&1; then
        unzip -q -o "$archive" -d "$dir"
    elif command -v 7z >/dev/null 2>&1; then
        7z x -y "-o$dir" "$archive" >/dev/null
    else
        # Windows' own bsdtar reads zip files.
        "${SYSTEMROOT:-C:/Windows}/System32/tar.exe" -xf "$archive" -C "$dir"
    fi
}

package_version() {
    awk '
        /^\[/ { in_package = ($0 == "[package]") }
        in_package && /^version[ \t]*=/ {
            sub(/^version[ \t]*=[ \t]*"/, ""); sub(/".*/, ""); print; exit
        }
    ' "$action_path/Cargo.toml" | tr -d '\r'
}

download() {
    local repository=${ACTION_REPOSITORY:-} ref=${ACTION_REF:-} tag target asset base url dir archive
    if [ -z "$repository" ]; then
        # …/_actions/OWNER/NAME/REF when the action comes from another repository.
        local unix=${action_path//\\//}
        case "$unix" in
        */_actions/*/*/*)
            unix=${unix#*/_actions/}
            repository=${unix%%/*}
            unix=${unix#*/}
            repository="$repository/${unix%%/*}"
            [ -n "$ref" ] || ref=${unix#*/}
            ;;
        *) repository=${GITHUB_REPOSITORY:-} ;;
        esac
    fi
    [ -n "$repository" ] || bw_die "cannot tell which repository publishes blastwall: set version: path or build-from-source: true"

    if [ -n "$version" ]; then
        tag=$version
    elif [[ $ref =~ ^v[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.+-]*)?$ ]]; then
        tag=$ref
    else
        local package
        package=$(package_version || true)
        [ -n "$package" ] || bw_die "cannot tell which blastwall release to install (ref '$ref'): set version (a release tag such as v1.2.3) or build-from-source: true"
        tag=v$package
    fi
    case "$tag" in
    v*) ;;
    [0-9]*) tag=v$tag ;;
    esac
    case "$tag" in
    *[!0-9A-Za-z._+-]*) bw_die 2 "version '$tag' is not a release tag" ;;
    esac

    target=$(release_target)
    asset=blastwall-$target.tar.gz
    if bw_is_windows; then
        asset=blastwall-$target.zip
    fi
    dir=$root/$tag-$target
    if [ -x "$dir/bin/$exe" ]; then
        bin=$dir/bin/$exe
        echo "blastwall $tag ($target) is already installed in $dir"
        return
    fi
    base=${BLASTWALL_DOWNLOAD_BASE:-https://github.com}
    url="${base%/}/$repository/releases/download/$tag/$asset"
    echo "Downloading $url"
    rm -rf "$dir"
    mkdir -p "$dir/download" "$dir/unpacked" "$dir/bin"
    archive=$dir/download/$asset
    curl -fsSL --retry 3 --retry-delay 2 -o "$archive" "$url" ||
        bw_die "could not download $url: is $tag a blastwall release with an asset for $target? Use version: <tag>, version: path or build-from-source: true"
    curl -fsSL --retry 3 --retry-delay 2 -o "$archive.sha256" "$url.sha256" ||
        bw_die "could not download $url.sha256: a release without checksums is not installed"

    local expected actual
    expected=$(tr -d '\r' <"$archive.sha256" | awk 'NR == 1 { print tolower($1) }')
    actual=$(sha256_of "$archive" | tr 'A-F' 'a-f')
    case "$expected" in
    [0-9a-f]*) ;;
    *) bw_die "$asset.sha256 does not hold a SHA-256 checksum" ;;
    esac
    if [ "${#expected}" -ne 64 ] || [ "$expected" != "$actual" ]; then
        bw_die "checksum mismatch for $asset: expected $expected, got $actual; not installed"
    fi
    echo "SHA-256 verified: $actual"

    case "$asset" in
    *.zip) unzip_to "$archive" "$dir/unpacked" ;;
    *) tar -xzf "$archive" -C "$dir/unpacked" ;;
    esac
    local found
    found=$(find "$dir/unpacked" -type f -name "$exe" | head -n 1)
    [ -n "$found" ] || bw_die "$asset has no $exe in it"
    mv "$found" "$dir/bin/$exe"
    chmod +x "$dir/bin/$exe"
    rm -rf "$dir/download" "$dir/unpacked"
    bin=$dir/bin/$exe
}

bin=
if [ "$build_from_source" = true ]; then
    command -v cargo >/dev/null 2>&1 || bw_die "build-from-source: true needs cargo (a Rust toolchain) on PATH"
    [ -f "$action_path/Cargo.toml" ] || bw_die "no Cargo.toml in the action's directory $action_path"
    echo "Building blastwall from $action_path with cargo install --locked"
    # One target directory for every use of the action in the job: the second
    # build is a no-op.
    CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target} \
        cargo install --locked --path "$action_path" --root "$root/source"
    bin=$root/source/bin/$exe
elif [ "$version" = path ]; then
    bin=$(command -v "$exe" || command -v blastwall || true)
    [ -n "$bin" ] || bw_die "version: path, but there is no blastwall on PATH"
else
    bw_require curl tar
    download
fi

bin=$(bw_path "$bin")
installed=$("$bin" --version | tr -d '\r') || bw_die "$bin does not run"
echo "Using $installed at $bin"
bw_output bin "$bin"
bw_output version "${installed#blastwall }"
