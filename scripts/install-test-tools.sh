#!/usr/bin/env bash
# The system tools the test suite runs besides Node.js: rsync (gitlab-ci-local's shell executor copies
# the project with it), ruby (Psych, the YAML parser GitLab itself uses, reads the generated jobs back),
# Debian's AWS CLI v2 at /usr/bin/aws (the generated jobs run with it; another `aws` on PATH does not count)
# openssl (the certificate of the proxy that stands in for STS's public endpoints), python3 and Go's gofmt (the
# Python and Go code jsii-pacmak generates must parse: scripts/check-jsii-targets.sh).
# Installs what is missing with apt-get on Debian; elsewhere it says what to install.
set -euo pipefail
missing=()
command -v rsync >/dev/null || missing+=(rsync)
command -v ruby >/dev/null || missing+=(ruby)
[ -x /usr/bin/aws ] || missing+=(awscli)
command -v openssl >/dev/null || missing+=(openssl)
command -v python3 >/dev/null || missing+=(python3)
command -v gofmt >/dev/null || missing+=(golang-go)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "install-test-tools: the tests need: ${missing[*]} (install them with your package manager)" >&2
  exit 1
fi
