#!/usr/bin/env bash
# The version matrix's other end: the test suite against the newest aws-cdk-lib (and constructs).
# The normal build tests against the minimum supported aws-cdk-lib (the devDependency pin); this
# runs the same jest suite in a temporary copy of the repository with the newest release installed.
#   bash scripts/test-newest-cdk.sh            # newest
#   bash scripts/test-newest-cdk.sh 2.250.0    # any other version
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
version=${1:-latest}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The repository's tracked files alone: nothing the tests read lies outside it.
mkdir -p "$work/repo"
git -C "$root" ls-files -z | (cd "$root" && xargs -0 cp --parents -t "$work/repo")
cd "$work/repo"

npm ci --no-audit --no-fund --loglevel=error
npm install --no-save --no-audit --no-fund --loglevel=error "aws-cdk-lib@$version" constructs@latest
installed=$(node -p "require('aws-cdk-lib/package.json').version")
echo "version matrix: testing against aws-cdk-lib $installed"

npx jsii --silence-warnings=reserved-word
npx jest --ci --coverage=false
echo "version matrix: aws-cdk-lib $installed passed"
