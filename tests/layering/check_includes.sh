#!/bin/sh
# Fails when a file under lib/ includes a layer above its own (docs/architecture.md):
# wire includes nothing of ours; core only wire; store only core and wire; server, network and
# sdk sit on top. Every quoted include must name its layer ("core/store.hpp"), so that this
# check can see it. Usage: check_includes.sh <source directory>
set -u
root=${1:-.}
cd "$root/lib" || exit 2

# The layers each layer may include; "resonate" is the public API in include/resonate/.
# network and sdk make up resonate::sdk (remote mode), which links no database client: only
# the files of local mode (resonate::embedded, see embedded_files) may include core and store.
allowed() {
  case $1 in
    wire) echo "wire" ;;
    core) echo "wire core" ;;
    store) echo "wire core store" ;;
    server) echo "wire core store server" ;;
    network) echo "wire network resonate" ;;
    sdk) echo "wire network sdk resonate" ;;
    embedded) echo "wire core store network sdk resonate" ;;
    testing) echo "wire core store network sdk resonate" ;;
    *) echo "" ;;
  esac
}
embedded_files="network/local_network.hpp network/local_network.cpp sdk/resonate_local.cpp"

status=0
# grep -n prints file:line:text for every quoted include of every source file.
for layer_dir in */; do
  layer=${layer_dir%/}
  permitted=$(allowed "$layer")
  if [ -z "$permitted" ]; then
    echo "lib/$layer: not a known layer; add it to tests/layering/check_includes.sh"
    status=1
    continue
  fi
  hits=$(grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' -r "$layer" --include='*.hpp' --include='*.cpp' --include='*.h')
  [ -z "$hits" ] && continue
  while IFS= read -r hit; do
    file=${hit%%:*}
    rest=${hit#*:}
    file_layer=$layer
    file_permitted=$permitted
    for embedded_file in $embedded_files; do
      if [ "$file" = "$embedded_file" ]; then
        file_layer=embedded
        file_permitted=$(allowed embedded)
      fi
    done
    line=${rest%%:*}
    target=$(printf '%s\n' "$rest" | sed -E 's/^[0-9]+:[[:space:]]*#[[:space:]]*include[[:space:]]*"([^"]*)".*/\1/')
    case $target in
      */*) included=${target%%/*} ;;
      *) included="" ;;
    esac
    ok=0
    for layer_ok in $file_permitted; do
      [ "$included" = "$layer_ok" ] && ok=1
    done
    if [ $ok -eq 0 ]; then
      if [ -z "$included" ]; then
        echo "lib/$file:$line: includes \"$target\", which names no layer (write \"<layer>/$target\")"
      else
        echo "lib/$file:$line: $file_layer includes \"$target\"; $file_layer may include only: $file_permitted"
      fi
      status=1
    fi
  done <<HITS
$hits
HITS
done
[ $status -eq 0 ] && echo "layering: every include of lib/ looks down"
exit $status
