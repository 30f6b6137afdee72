#!/usr/bin/env bash
# Compares `m2fresh effective-pom` with `mvn help:effective-pom` on real multi-module
# projects, for the machine's Maven and for Maven 3.9.16, and times both (one run each,
# after a warm-up run that downloads the projects' parents, BOMs and the help plugin).
#
#   benches/effective-pom.sh [WORKDIR]          (ONLY="mall nacos" runs only those)
#
# Needs git, python3, a JDK, `mvn` on PATH and the network (GitHub for the sources,
# Maven Central for parents and BOMs and for Maven 3.9.16). Each project is cloned at a
# pinned commit into WORKDIR (default: target/effective-pom-bench); nothing of it is
# committed. Prints one line per project and Maven version: the number of projects in
# the reactor, the lines that differ (comments and whitespace ignored, build timestamps
# masked), the time of each tool and the ratio. Differences are in WORKDIR/out/*.diff.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
work=${1:-$root/target/effective-pom-bench}
mkdir -p "$work/out"
repo="$work/m2"
settings="$work/settings.xml"
echo '<settings/>' > "$settings"

# name repository commit
projects=(
  "RuoYi-Cloud yangzongzhuan/RuoYi-Cloud 397971378357db417763bd388c25cdeeaed5d33c"
  "mall macrozheng/mall 74eebe067d4f17b2d0b61691bef2748e3a7daf80"
  "skywalking-java apache/skywalking-java a0c1155598711e174b649026d6dd55091bbc9eb6"
  "apollo apolloconfig/apollo b4ab0ea9fb6556a8c107705f84677cc28db8f41d"
  "nacos alibaba/nacos 486e19848605bbea24902b26e741a433d912e0a8"
)

cargo build --release --quiet
m2fresh="$root/target/release/m2fresh"

maven39="$work/apache-maven-3.9.16/bin/mvn"
if [ ! -x "$maven39" ]; then
  mvn -B -q -s "$settings" -Dmaven.repo.local="$repo" \
    org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy \
    -Dartifact=org.apache.maven:apache-maven:3.9.16:tar.gz:bin -DoutputDirectory="$work"
  tar xzf "$work/apache-maven-3.9.16-bin.tar.gz" -C "$work"
fi

canon() {
  python3 - "$1" <<'EOF'
import re, sys, xml.etree.ElementTree as ET
def strip(t): return t.split('}')[-1]
stamp = re.compile(r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ|\b\d{14}\b')
def dump(e, d, out):
    attrs = ' '.join(f'{strip(k)}="{v}"' for k, v in e.attrib.items() if 'schemaLocation' not in k)
    text = (e.text or '').strip() if len(e) == 0 else ''
    line = '  ' * d + strip(e.tag) + (' [' + attrs + ']' if attrs else '') + (' = ' + text if text else '')
    out.append(stamp.sub('<timestamp>', line))
    for c in e: dump(c, d + 1, out)
out = []
dump(ET.parse(sys.argv[1]).getroot(), 0, out)
print('\n'.join(out))
EOF
}

now() { date +%s.%N; }

for entry in "${projects[@]}"; do
  read -r name github commit <<<"$entry"
  if [ -n "${ONLY:-}" ] && [[ " $ONLY " != *" $name "* ]]; then
    continue
  fi
  src="$work/src/$name"
  if [ ! -d "$src/.git" ]; then
    git clone --quiet "https://github.com/$github.git" "$src"
  fi
  git -C "$src" checkout --quiet "$commit"
  for mvn in "$(command -v mvn)" "$maven39"; do
    version=$("$mvn" -v 2>/dev/null | head -1 | sed 's/\x1b\[[0-9;]*m//g' | awk '{print $3}')
    base="$work/out/$name-$version"
    help=(org.apache.maven.plugins:maven-help-plugin:3.5.2:effective-pom "-Doutput=$base-maven.xml")
    if ! (cd "$src" && MAVEN_SKIP_RC=true "$mvn" -B -q -s "$settings" -Dmaven.repo.local="$repo" \
      "${help[@]}" >"$base-maven.log" 2>&1); then
      echo "$name (Maven $version): Maven failed, see $base-maven.log"
      tail -5 "$base-maven.log"
      continue
    fi
    t0=$(now)
    (cd "$src" && MAVEN_SKIP_RC=true "$mvn" -B -q -o -s "$settings" -Dmaven.repo.local="$repo" \
      "${help[@]}" >"$base-maven.log" 2>&1)
    t1=$(now)
    "$m2fresh" -w "$src" -s "$settings" --local-repo "$repo" effective-pom --mvn "$mvn" \
      --output "$base-m2fresh.xml" 2>"$base-notes.txt"
    t2=$(now)
    canon "$base-maven.xml" >"$base-maven.txt"
    canon "$base-m2fresh.xml" >"$base-m2fresh.txt"
    diff "$base-maven.txt" "$base-m2fresh.txt" >"$base.diff" || true
    count=$(grep -c '^  project$' "$base-maven.txt" || true)
    differ=$(grep -c '^[<>]' "$base.diff" || true)
    python3 -c "m,o=$t1-$t0,$t2-$t1; print(f'$name (Maven $version): $count projects, $differ differing lines; mvn {m:.2f}s, m2fresh {o:.2f}s, {m/o:.0f}x')"
    grep '^note:' "$base-notes.txt" | sed 's/^/    /' || true
  done
done
