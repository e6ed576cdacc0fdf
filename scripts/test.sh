#!/usr/bin/env bash
# The one gate: installs what the tests need, starts PostgreSQL, then type-check, lint, every test.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
bash scripts/setup.sh test
source scripts/postgres.sh
export NEARGATE_TEST_POSTGRES_URL
# The SDK warns that its 2027 releases will need Node 22; package-lock.json pins one that runs on 20.
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
export UV_THREADPOOL_SIZE=64
node_modules/.bin/tsc --noEmit
node_modules/.bin/biome check .
shopt -s globstar nullglob
files=(test/**/*.test.ts)
if [ $# -gt 0 ]; then files=("$@"); fi
exec node --import tsx --test --test-reporter=spec --test-concurrency=1 "${files[@]}"
