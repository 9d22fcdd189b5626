#!/usr/bin/env bash
# Builds the web app into webapp/dist, which every pop-sidecar serves at / (`--web-dir`):
# `npm ci` (the pinned lockfile; skipped while node_modules matches it) and `npm run build`
# (esbuild: dist/index.html, app.js, app.css). Skipped when dist is newer than every source.
# Prints the dist folder's path on stdout, for callers: `web_dir="$(scripts/webapp.sh)"`.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
webapp="$REPO_ROOT/webapp"
dist="$webapp/dist"

# index.html is written last by the build, so anything newer than it is unbuilt work.
if [[ -f "$dist/index.html" ]] &&
	[[ -z "$(find "$webapp/src" "$webapp/build.mjs" "$webapp/package.json" "$webapp/package-lock.json" \
		-newer "$dist/index.html" -print -quit)" ]]; then
	log "web app up to date in $dist"
else
	command -v npm >/dev/null 2>&1 || "$REPO_ROOT/scripts/setup.sh"
	npm_ci "$webapp"
	log "building the web app into $dist"
	(cd "$webapp" && npm run --silent build) >&2
fi
echo "$dist"
