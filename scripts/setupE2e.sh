#!/usr/bin/env bash
# Installs what the VS Code end-to-end test (test/e2e) needs: Debian's chromium, ripgrep and
# libkrb5-dev, and code-server (a real VS Code) under .e2e/code-server. Idempotent: when
# everything is there it only checks and exits. Works offline except for the npm registry and
# Debian's archive. Exits non-zero naming what could not be installed.
set -euo pipefail
cd "$(dirname "$0")/.."

codeServerVersion=4.100.3
# code-server pins @vscode/ripgrep 1.15.11, whose postinstall downloads rg from GitHub.
ripgrepCache=vscode-ripgrep-cache-1.15.11
ripgrepAsset=ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz
root=$PWD/.e2e
prefix=$root/code-server
codeServer=$prefix/node_modules/.bin/code-server

fail() { echo "setupE2e: $*" >&2; exit 1; }

debInstalled() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'; }

installDebianPackages() {
  local missing=()
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  command -v rg >/dev/null || missing+=(ripgrep)
  debInstalled libkrb5-dev || missing+=(libkrb5-dev) # kerberos (a VS Code dependency) compiles against it
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "$(id -u)" = 0 ] || fail "cannot install ${missing[*]}: not root (install them with apt-get first)"
  command -v apt-get >/dev/null || fail "cannot install ${missing[*]}: no apt-get on this machine"
  echo "setupE2e: apt-get install ${missing[*]}"
  apt-get update -qq >/dev/null || fail "apt-get update failed; could not install ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null \
    || fail "apt-get install failed for ${missing[*]}"
}

codeServerReady() {
  # Even --version writes a config and logs under XDG dirs: keep them out of $HOME.
  XDG_CONFIG_HOME=$root/xdg/config XDG_DATA_HOME=$root/xdg/data \
    "$codeServer" --version 2>/dev/null | grep -q "^$codeServerVersion " || return 1
  # The postinstall builds these; without them code-server starts but has no search or terminal.
  local vscode=$prefix/node_modules/code-server/lib/vscode
  [ -x "$vscode/node_modules/@vscode/ripgrep/bin/rg" ] && [ -e "$vscode/node_modules.asar" ] \
    && [ -e "$vscode/node_modules/node-pty/build/Release/pty.node" ]
}

installCodeServer() {
  codeServerReady && return 0
  echo "setupE2e: npm install code-server@$codeServerVersion into .e2e/code-server (about a minute)"
  command -v node >/dev/null && command -v npm >/dev/null || fail "cannot install code-server: node and npm are required"
  rm -rf "$prefix"
  mkdir -p "$prefix" "$root/tmp/$ripgrepCache"
  # @vscode/ripgrep looks in $TMPDIR's cache before downloading: seed it with Debian's rg.
  tar -czf "$root/tmp/$ripgrepCache/$ripgrepAsset" -C "$(dirname "$(command -v rg)")" rg
  # npm 11 runs no dependency install scripts unless allowed, and refuses --allow-scripts (flag or
  # environment, which npm also exports to child scripts) in a project install. code-server's
  # postinstall runs nested `npm install`s in lib/vscode whose native modules need their scripts
  # too, so: fetch without scripts, give those nested projects an .npmrc, then run the scripts
  # (argon2 builds its native module with node-gyp when its prebuilt download fails).
  cat >"$prefix/package.json" <<EOF
{ "private": true, "dependencies": { "code-server": "$codeServerVersion" }, "allowScripts": { "code-server": true, "argon2": true } }
EOF
  local vscode=$prefix/node_modules/code-server/lib/vscode
  local allowed=@parcel/watcher,@vscode/deviceid,@vscode/ripgrep,@vscode/spdlog,kerberos,native-watchdog,node-pty,esbuild
  if ! (cd "$prefix" && npm install --ignore-scripts --no-audit --no-fund --loglevel=error >"$root/install.log" 2>&1 \
        && echo "allow-scripts=$allowed" >"$vscode/.npmrc" && echo "allow-scripts=$allowed" >"$vscode/extensions/.npmrc" \
        && TMPDIR=$root/tmp npm_config_unsafe_perm=true npm_config_yes=true \
           npm rebuild --no-audit --no-fund --loglevel=error >>"$root/install.log" 2>&1); then
    tail -n 30 "$root/install.log" >&2
    fail "npm install code-server@$codeServerVersion failed (full log: .e2e/install.log)"
  fi
  codeServerReady || { tail -n 30 "$root/install.log" >&2; fail "code-server@$codeServerVersion installed but incomplete (its postinstall did not finish; log: .e2e/install.log)"; }
  echo "setupE2e: code-server $codeServerVersion ready"
}

installDebianPackages
installCodeServer
