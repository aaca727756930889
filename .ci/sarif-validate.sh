#!/usr/bin/env bash
# Checks `blastwall check --format sarif` with Microsoft's SARIF Multitool
# (npm package @microsoft/sarif-multitool, a self-contained binary: no .NET
# needed) for every scenario in testdata/plans and for the whole directory:
# the SARIF specification's rules (SARIF1xxx/2xxx) and GitHub code scanning's
# ingestion rules (GH1xxx/2xxx). Any error or warning fails.
#
# Validity against the official JSON schema is checked by `cargo test`
# (tests/it/sarif.rs, tests/data/sarif-schema-2.1.0.json), not here: the
# Multitool 5.x reports nothing at all for a file it cannot deserialize.
#
# Usage: .ci/sarif-validate.sh   (installs the Multitool into target/ once)
set -euo pipefail
cd "$(dirname "$0")/.."

version=5.7.0
tools=target/sarif-multitool-$version
if [ ! -d "$tools/node_modules/@microsoft/sarif-multitool" ]; then
    mkdir -p "$tools"
    npm install --prefix "$tools" --no-audit --no-fund --no-save --loglevel=error \
        "@microsoft/sarif-multitool@$version" >/dev/null
fi
multitool=$(cd "$tools" && node -p "require('@microsoft/sarif-multitool')")
# npm 11 does not run the package's postinstall script, which makes it executable.
chmod u+x "$multitool"

cargo build --locked --quiet
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for plan in testdata/plans/*/plan.json; do
    name=$(basename "$(dirname "$plan")")
    target/debug/blastwall check --format sarif --exit-zero "$plan" >"$out/$name.sarif"
done
target/debug/blastwall check --format sarif --exit-zero testdata/plans >"$out/all-plans.sarif"

# Without a project URL in Cargo.toml, the driver has no informationUri.
allowed=""
if ! grep -Eq '^(repository|homepage)[[:space:]]*=' Cargo.toml; then
    allowed="SARIF2005"
fi

# Prints "file: level rule: message" for each error or warning; exits 1 if any.
report() {
    node - "$1" "$allowed" <<'EOF'
const [log, allowed] = process.argv.slice(2);
const results = JSON.parse(require("fs").readFileSync(log, "utf8")).runs[0].results || [];
const bad = results.filter(
    (r) => (r.level || "warning") !== "note" && !allowed.split(",").includes(r.ruleId)
);
for (const r of bad) {
    const where = r.locations?.[0]?.physicalLocation?.artifactLocation?.uri ?? "";
    const text = r.message?.text ?? JSON.stringify(r.message?.arguments ?? []);
    console.log(`${where}: ${r.level || "warning"} ${r.ruleId}: ${text}`);
}
process.exit(bad.length ? 1 : 0);
EOF
}

validate() {
    "$multitool" validate "$@" --rule-kind "Sarif;Gh" --output "$out/validation.json" \
        --log ForceOverwrite --quiet >/dev/null
}

# Self-test: a result without a location must be reported, or the rules did not run.
node -e '
const fs = require("fs");
const log = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
log.runs[0].results[0].locations = [];
fs.writeFileSync(process.argv[2], JSON.stringify(log));
' "$out/replace-cascade.sarif" "$out/broken.json"
validate "$out/broken.json"
if report "$out/validation.json" >/dev/null; then
    echo "sarif-validate: the Multitool reported nothing for a result without a location" >&2
    exit 1
fi
rm "$out/broken.json"

count=$(find "$out" -name "*.sarif" | wc -l)
validate "$out"/*.sarif
if ! report "$out/validation.json"; then
    echo "sarif-validate: the Multitool found problems (above) in blastwall's SARIF" >&2
    exit 1
fi
echo "sarif-validate: $count SARIF files pass the SARIF and GitHub rules of SARIF Multitool $version"
