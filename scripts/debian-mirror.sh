# The Debian archive this machine already uses, for the scripts that fetch from Debian beyond
# the host's own suite (scripts/wine-chroot.sh, tests/windows/wine-conformance.sh,
# scripts/curl-mingw.sh). Sourced:
#   debian_mirror            the archive's URI: $NTLMSSP_DEBIAN_MIRROR when set, else, on a
#                            Debian host, the first active apt source serving its release (its
#                            codename or codename-updates)
#   debian_security_mirror   the URI of the first active source whose suite ends in -security,
#                            empty when there is none
#   debian_source            a source package's files, through a private apt source list (below)
# Active sources are the deb/deb-src lines of /etc/apt/sources.list and sources.list.d/*.list and
# the deb822 stanzas of sources.list.d/*.sources (Enabled: no skipped); a commented line never
# counts. One archive URI serves every Debian release, so the chroots' other suites (bookworm
# i386, trixie) come from the same place as the host's. APT_SOURCES_DIR (default /etc/apt)
# points the search elsewhere, for tests of this file.

# Every active source as lines "URI SUITE", in apt's order.
debian_sources() {
  local dir=${APT_SOURCES_DIR:-/etc/apt}
  local f
  for f in "$dir/sources.list" "$dir"/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    # deb [options] URI SUITE COMPONENT...
    awk '{ sub(/#.*/, "") }
         $1 == "deb" || $1 == "deb-src" {
           i = 2
           if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
           if (i + 1 <= NF) print $i, $(i + 1)
         }' "$f"
  done
  for f in "$dir"/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk 'function flush() {
           if (uri != "" && suites != "" && enabled != "no")
             { n = split(suites, s, " "); for (k = 1; k <= n; k++) print uri, s[k] }
           uri = ""; suites = ""; enabled = ""
         }
         /^[ \t]*#/ { next }
         /^[ \t]*$/ { flush(); next }
         { sub(/[ \t]+#.*/, "") }
         tolower($1) == "uris:" { uri = $2 }
         tolower($1) == "suites:" { suites = $0; sub(/^[^:]*:[ \t]*/, "", suites) }
         tolower($1) == "enabled:" { enabled = tolower($2) }
         END { flush() }' "$f"
  done
}

debian_mirror() {
  if [ -n "${NTLMSSP_DEBIAN_MIRROR:-}" ]; then
    echo "${NTLMSSP_DEBIAN_MIRROR%/}"
    return
  fi
  local id codename uri
  read -r id codename < <(. /etc/os-release 2>/dev/null && echo "${ID:-} ${VERSION_CODENAME:-}")
  if [ "$id" = debian ]; then
    uri=$(debian_sources | awk -v c="$codename" '!uri && ($2 == c || $2 == c "-updates") { uri = $1 } END { print uri }')
  fi
  if [ -z "${uri:-}" ]; then
    echo "no active apt source of this machine serves Debian ${codename:-}; set NTLMSSP_DEBIAN_MIRROR to a Debian archive" >&2
    return 1
  fi
  echo "${uri%/}"
}

debian_security_mirror() {
  # The whole list is read (no early exit), so the writer never meets a closed pipe.
  debian_sources | awk '!uri && $2 ~ /-security$/ { uri = $1 } END { sub(/\/$/, "", uri); print uri }'
}

# debian_source PACKAGE VERSION CODENAME DIR [REGEX]: downloads the files of Debian's source
# package PACKAGE at VERSION whose names match REGEX (an awk pattern; default every file) into
# DIR, from the archive above (CODENAME, CODENAME-updates and the security archive), through a
# private apt source list: the system's apt configuration is not touched, and apt checks each
# file's hash. Prints the names fetched; fails when none matched.
debian_source() (
  set -euo pipefail
  local pkg=$1 version=$2 codename=$3 dir=$4 regex=${5:-.}
  local work mirror security keyring=/usr/share/keyrings/debian-archive-keyring.gpg
  work=$(mktemp -d "$dir/.apt.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  mirror=$(debian_mirror) || return 1
  security=$(debian_security_mirror)
  {
    echo "deb-src [signed-by=$keyring] $mirror $codename main"
    echo "deb-src [signed-by=$keyring] $mirror $codename-updates main"
    if [ -n "$security" ]; then
      echo "deb-src [signed-by=$keyring] $security $codename-security main"
    fi
  } > "$work/sources.list"
  mkdir -p "$work/lists/partial" "$work/cache/archives/partial"
  local apt_opts=(-q -o Dir::Etc::SourceList="$work/sources.list" -o Dir::Etc::SourceParts=/dev/null
    -o Dir::State::Lists="$work/lists" -o Dir::Cache="$work/cache")
  apt-get "${apt_opts[@]}" update > "$work/update.log" 2>&1 || { cat "$work/update.log" >&2; return 1; }
  apt-get "${apt_opts[@]}" --print-uris source "$pkg=$version" 2>/dev/null \
    | awk -v r="$regex" '$2 ~ r {print $1, $2, $4}' | tr -d "'" > "$work/files"
  [ -s "$work/files" ] || { echo "no file of $pkg $version matches $regex" >&2; return 1; }
  local uri name hash
  while read -r uri name hash; do
    echo "fetching $name (hash checked by apt: $hash)" >&2
    /usr/lib/apt/apt-helper download-file "$uri" "$dir/$name" "$hash" > "$work/download.log" 2>&1 \
      || { cat "$work/download.log" >&2; return 1; }
    echo "$name"
  done < "$work/files"
)
