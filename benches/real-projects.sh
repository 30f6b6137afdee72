#!/usr/bin/env bash
# m2fresh on real multi-module projects, against Maven and git on the same trees, in one
# run; writes its section of BENCHMARKS.md.
#
#   benches/real-projects.sh [WORKDIR]     (default: target/real-projects-bench)
#   ONLY="dubbo nacos" RUNS=10 benches/real-projects.sh
#   MIRRORS=DIR benches/real-projects.sh   (clone from DIR/owner+name/repo when it exists)
#
# For each project, at a pinned commit (cloned into WORKDIR/src; nothing of it is
# committed):
# - seed (once, online, not timed): Maven reads the project the way the timed runs do, so
#   that its parents, BOMs and plugins are in WORKDIR/m2; dubbo first installs its own
#   Maven plugin (the reactor uses it);
# - Maven's "Reactor Build Order" against `m2fresh order` (not timed);
# - `m2fresh graph` against `mvn -o -q validate` (when the project's validate phase runs
#   offline without the project's own artifacts) and `mvn -o -q pre-clean` (a phase no
#   project binds a plugin to: Maven's reading of the reactor alone);
# - `m2fresh check` of every module (all of them missing from the local repository, so
#   every module's inputs are found and hashed and no jar is read): cold disk (page cache
#   dropped, when this runs as root), cold stat cache (`--no-cache`, page cache warm) and
#   warm (the stat cache of the run before), against `git status` on the same tree, cold
#   disk and warm: the floor for a scan that stats every file.
#
# Needs git, python3, jq, hyperfine, a JDK and `mvn` on PATH, and the network for the
# sources and the seed. Benchmarks are not tests: nothing fails on a timing.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK=${1:-$REPO/target/real-projects-bench}
RUNS=${RUNS:-5}
OUT=${OUT:-$REPO/BENCHMARKS.md}
MIRRORS=${MIRRORS:-}
TARGET_DIR=${CARGO_TARGET_DIR:-$REPO/target}

log() { printf '\n== %s\n' "$*" >&2; }
die() { printf 'real-projects.sh: %s\n' "$*" >&2; exit 2; }
for tool in git python3 jq hyperfine mvn java; do
	command -v "$tool" >/dev/null || die "$tool is not on PATH"
done

# name github commit phase: phase is the Maven phase timed besides pre-clean (validate,
# or pre-clean alone when the project's validate needs its own artifacts).
projects=(
	"skywalking-java apache/skywalking-java a0c1155598711e174b649026d6dd55091bbc9eb6 validate"
	"dubbo apache/dubbo 324c62550ab22ffa53bce15f219bbc1d67b8c4a3 validate"
	"seatunnel apache/seatunnel 15431c94d9b9f34839173d67c1b638f058f58722 pre-clean"
	"nacos alibaba/nacos 486e19848605bbea24902b26e741a433d912e0a8 pre-clean"
	"RuoYi-Cloud yangzongzhuan/RuoYi-Cloud 397971378357db417763bd388c25cdeeaed5d33c validate"
	"apollo apolloconfig/apollo b4ab0ea9fb6556a8c107705f84677cc28db8f41d validate"
)
# Why a project's validate is not timed.
declare -A NO_VALIDATE=(
	[seatunnel]="its validate phase resolves every dependency (a connector's is on repo.huaweicloud.com, out of reach here)"
	[nacos]="its validate phase runs an enforcer rule that resolves the reactor's own artifacts"
)

log "building m2fresh (release)"
(cd "$REPO" && cargo build --release --quiet --bin m2fresh)
M2FRESH=$TARGET_DIR/release/m2fresh
mkdir -p "$WORK/src" "$WORK/results"
SETTINGS=$WORK/settings.xml
echo '<settings/>' >"$SETTINGS"
M2=$WORK/m2
export XDG_CACHE_HOME=$WORK/xdg-cache
export MAVEN_OPTS=${MAVEN_OPTS:-}
unset MAVEN_ARGS MAVEN_CONFIG 2>/dev/null || true
MVN=(mvn -B -s "$SETTINGS" -Dmaven.repo.local="$M2")
DROP=""
if [ "$(id -u)" = 0 ] && [ -w /proc/sys/vm/drop_caches ]; then
	DROP='sync; echo 3 > /proc/sys/vm/drop_caches'
fi
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

HAVE_HYPERFINE=1
# measure, median: benches/lib.sh.
. "$REPO/benches/lib.sh"
fmt() { awk -v s="$1" 'BEGIN { if (s == "") print "n/a"; else if (s < 1) printf "%.0f ms", s * 1000; else printf "%.2f s", s }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b <= 0) print "n/a"; else printf "%.1f", a / b }'; }
m() { [ -f "$WORK/results/$1" ] && fmt "$(median "$1")" || echo "n/a"; }
med() { [ -f "$WORK/results/$1" ] && median "$1" || true; }

ROWS_GRAPH=() ROWS_CHECK=() ORDERS=() SKIPPED=()
for entry in "${projects[@]}"; do
	read -r name github commit phase <<<"$entry"
	if [ -n "${ONLY:-}" ] && [[ " $ONLY " != *" $name "* ]]; then
		continue
	fi
	src=$WORK/src/$name
	if [ ! -d "$src/.git" ]; then
		from=https://github.com/$github.git
		[ -n "$MIRRORS" ] && [ -d "$MIRRORS/${github/\//+}/repo" ] && from=$MIRRORS/${github/\//+}/repo
		log "cloning $name from $from"
		git clone --quiet "$from" "$src"
	fi
	git -C "$src" checkout --quiet "$commit"
	git -C "$src" status --porcelain | grep -q . && die "$src has local changes"

	if [ ! -f "$WORK/seeded-$name" ]; then
		log "seeding $WORK/m2 for $name (online, not timed)"
		if [ "$name" = dubbo ]; then
			(cd "$src" && "${MVN[@]}" -q -Dmaven.build.cache.enabled=false -pl dubbo-maven-plugin -am \
				install -DskipTests -Dcheckstyle.skip -Drat.skip -Dspotless.check.skip=true) ||
				die "dubbo's Maven plugin did not install"
		fi
		(cd "$src" && "${MVN[@]}" -q "$phase") >"$WORK/results/seed-$name.log" 2>&1 ||
			die "seeding $name failed: see $WORK/results/seed-$name.log"
		touch "$WORK/seeded-$name"
	fi

	# Not timed: Maven's reactor order against m2fresh's.
	(cd "$src" && "${MVN[@]}" -o pre-clean) >"$WORK/results/order-$name.log" 2>&1 ||
		die "mvn -o pre-clean failed on $name: see $WORK/results/order-$name.log"
	grep -oE -- '--< [^ ]+ >--' "$WORK/results/order-$name.log" | sed -E 's/--< (.*) >--/\1/' >"$WORK/results/order-mvn-$name"
	"$M2FRESH" -w "$src" -s "$SETTINGS" --local-repo "$M2" order 2>/dev/null |
		sed -E 's/^([^:]+:[^:]+):.*/\1/' >"$WORK/results/order-m2fresh-$name"
	projects_n=$(wc -l <"$WORK/results/order-mvn-$name")
	if cmp -s "$WORK/results/order-mvn-$name" "$WORK/results/order-m2fresh-$name"; then
		ORDERS+=("$name: same order ($projects_n projects)")
	else
		ORDERS+=("$name: **orders differ** (see $WORK/results/order-*-$name)")
	fi

	ws=(-w "$src" -s "$SETTINGS" --local-repo "$M2")
	measure "graph-$name" -- "$M2FRESH" "${ws[@]}" graph
	measure "preclean-$name" -- bash -c "cd $(printf %q "$src") && $(printf '%q ' "${MVN[@]}") -o -q pre-clean"
	if [ "$phase" = validate ]; then
		measure "validate-$name" -- bash -c "cd $(printf %q "$src") && $(printf '%q ' "${MVN[@]}") -o -q validate"
	else
		SKIPPED+=("$name: ${NO_VALIDATE[$name]}")
	fi
	g=$(median "graph-$name")
	v=$(med "validate-$name")
	p=$(median "preclean-$name")
	ROWS_GRAPH+=("| $name | $projects_n | $(m "graph-$name") | $(m "validate-$name") | $( [ -n "$v" ] && echo "**$(ratio "$v" "$g")×**" || echo "–") | $(m "preclean-$name") | **$(ratio "$p" "$g")×** |")

	# check: every module, none of them in the local repository.
	check=("$M2FRESH" "${ws[@]}" check)
	files=$(git -C "$src" ls-files | wc -l)
	if [ -n "$DROP" ]; then
		measure "check-disk-$name" --prepare "$DROP" -- "${check[@]}" --no-cache
		measure "git-disk-$name" --prepare "$DROP" -- git -C "$src" status
	fi
	measure "check-cold-$name" -- "${check[@]}" --no-cache
	measure "check-warm-$name" -- "${check[@]}"
	measure "git-$name" -- git -C "$src" status
	# (check exits 1: every module is missing.)
	modules=$({ "${check[@]}" --format json 2>/dev/null || true; } | jq '.summary.total')
	w=$(median "check-warm-$name")
	gs=$(median "git-$name")
	ROWS_CHECK+=("| $name | $modules | $files | $(m "check-disk-$name") | $(m "git-disk-$name") | $(ratio "$(med "check-disk-$name")" "$(med "git-disk-$name")") | $(m "check-cold-$name") | $(m "check-warm-$name") | $(m "git-$name") | **$(ratio "$w" "$gs")** — $(awk -v a="$w" -v b="$gs" 'BEGIN { print (a <= b) ? "met" : "**missed**" }') |")
done

SECTION=$WORK/section.md
{
	cat <<EOF
<!-- benches/real-projects.sh: begin -->
## Real projects: \`graph\` against Maven, \`check\` against \`git status\`

Written by \`benches/real-projects.sh\` on $(date -u '+%Y-%m-%d %H:%M') UTC (m2fresh $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?')), load average $LOAD_BEFORE at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end. Median of $RUNS runs after a warm-up (hyperfine). Each project at the commit the script pins, with a local repository seeded once online (parents, BOMs, plugins); every timed Maven run is offline (\`-o\`) with that repository, and m2fresh reads the same one.

| project | reactor projects | \`m2fresh graph\` | \`mvn -o -q validate\` | m2fresh is faster by | \`mvn -o -q pre-clean\` (nothing bound: reading the reactor) | m2fresh is faster by |
|---|---|---|---|---|---|---|
EOF
	printf '%s\n' "${ROWS_GRAPH[@]}"
	echo
	echo "Reactor order, m2fresh against Maven's \"Reactor Build Order\": $(IFS=';'; echo "${ORDERS[*]}" | sed 's/;/; /g')."
	if [ "${#SKIPPED[@]}" -gt 0 ]; then
		echo
		echo "\`validate\` not timed: $(IFS=';'; echo "${SKIPPED[*]}" | sed 's/;/; /g')."
	fi
	cat <<EOF

\`m2fresh check\` of every module of the reactor, into a local repository holding none of the project's artifacts (so every module's inputs are listed and hashed, and no jar is read), against \`git status\` on the same clean checkout. "Cold disk": the page cache dropped before each run (\`sync; echo 3 > /proc/sys/vm/drop_caches\`), with \`--no-cache\`. "Cold": no stat cache (\`--no-cache\`), page cache warm. "Warm": the stat cache of the run before. \`git status\` stats every tracked file and lists every directory for untracked files: the floor for a scan that stats every input; the target is a warm \`check\` at or below 1.0× of it.

| project | modules | tracked files | \`check\`, cold disk | \`git status\`, cold disk | ratio | \`check\`, cold | \`check\`, warm | \`git status\`, warm | warm \`check\` / \`git status\` (target ≤1.0) |
|---|---|---|---|---|---|---|---|---|---|
EOF
	printf '%s\n' "${ROWS_CHECK[@]}"
	echo "<!-- benches/real-projects.sh: end -->"
} >"$SECTION"

splice_section real-projects.sh "$SECTION" "$OUT"
log "wrote the real-projects section of $OUT"
