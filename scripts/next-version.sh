#!/usr/bin/env bash
# projen's nextVersionCommand: the version the release after $VERSION gets, or nothing to let the conventional
# commits since the last release decide (commit-and-tag-version: below 1.0, a breaking change bumps the minor
# version, anything else the patch). The first release, with no v* tag yet ($VERSION is projen's 0.0.0), is 0.1.0.
set -euo pipefail
if [ "${VERSION:-}" = 0.0.0 ] && [ -z "$(git tag --list 'v*')" ]; then
  echo 0.1.0
fi
