# Sourced by the tool builds that edit a pinned Go module's source before building it (Regal, OpenTofu).
# go_module_copy <module> <version> <go.sum hash>: downloads the module through the module proxy, checks its
# hash, and sets src to a writable copy of it, removed when the script exits.
go_module_copy() {
  local info sum dir
  info="$(go mod download -json "$1@$2")"
  sum="$(sed -n 's/^\t"Sum": "\(.*\)",$/\1/p' <<<"$info")"
  dir="$(sed -n 's/^\t"Dir": "\(.*\)",$/\1/p' <<<"$info")"
  if [ "$sum" != "$3" ]; then
    echo "error: $1 $2 module hash is '$sum', expected $3" >&2
    exit 2
  fi
  src="$(mktemp -d)"
  trap 'chmod -R u+w "$src"; rm -rf "$src"' EXIT
  cp -R "$dir/." "$src"
  chmod -R u+w "$src"
}
