#!/usr/bin/env bash
# m2fresh against Maven and against the hardware, on the same inputs, in one run.
#
#   benches/compare.sh              # everything; writes BENCHMARKS.md
#   RUNS=10 benches/compare.sh      # more runs per measurement (default 5, median kept)
#   SECTIONS="analyse hashing" benches/compare.sh   # a subset (for trying things out)
#
# Sections: analyse (graph vs mvn validate), hashing (cold/warm check vs b3sum and cat,
# and growth 100/1,000/10,000), memory (peak RSS), xuecheng (install after one change vs
# the story's build script), aggregator (install after one change vs mvn -pl -am),
# firstinstall (the story's first install into a seeded repository: one reactor vs
# --per-module).
#
# Needs mvn and a JDK on PATH; installs hyperfine, b3sum, GNU time and jq with apt-get
# when they are missing and it can (else times with its own loop). Maven's plugins are
# downloaded once into a seed repository under $WORK (the only network use); every
# Maven run after that is offline, each with a private copy of the seed.
#
# Benchmarks are not tests: nothing here passes or fails on a timing. The script stops
# only when something it runs breaks (a build that fails, a tool that is missing).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK=${WORK:-${TMPDIR:-/tmp}/m2fresh-compare}
RUNS=${RUNS:-5}
OUT=${OUT:-$REPO/BENCHMARKS.md}
SECTIONS=${SECTIONS:-"analyse hashing memory xuecheng aggregator firstinstall"}
FILES=${FILES:-8}
SEED=${SEED:-1}
TARGET_DIR=${CARGO_TARGET_DIR:-$REPO/target}
# fixtures/xuecheng, from this checkout or the one named.
XUECHENG=${XUECHENG:-$REPO/fixtures/xuecheng}

log() { printf '\n== %s\n' "$*" >&2; }
die() { printf 'compare.sh: %s\n' "$*" >&2; exit 2; }
want() { [[ " $SECTIONS " == *" $1 "* ]]; }

# --- tools -------------------------------------------------------------------------

apt_updated=
apt_install() { # apt-get install PKG when root and apt-get exist; quiet on success
	command -v apt-get >/dev/null && [ "$(id -u)" = 0 ] || return 1
	if [ -z "$apt_updated" ]; then
		apt-get update -qq >/dev/null 2>&1 || true
		apt_updated=1
	fi
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$1" >/dev/null 2>&1
}
command -v mvn >/dev/null || die "mvn is not on PATH (apt-get install maven openjdk-17-jdk-headless)"
command -v java >/dev/null || die "java is not on PATH"
command -v hyperfine >/dev/null || apt_install hyperfine || true
command -v b3sum >/dev/null || apt_install b3sum || die "b3sum is missing (apt-get install b3sum)"
[ -x /usr/bin/time ] || apt_install time || die "GNU time is missing (apt-get install time)"
command -v jq >/dev/null || apt_install jq || die "jq is missing (apt-get install jq)"
HAVE_HYPERFINE=$(command -v hyperfine >/dev/null && echo 1 || echo "")

log "building m2fresh and gen-workspace (release)"
(cd "$REPO" && cargo build --release --quiet --bin m2fresh --example gen-workspace)
M2FRESH=$TARGET_DIR/release/m2fresh
GEN=$TARGET_DIR/release/examples/gen-workspace
[ -x "$M2FRESH" ] && [ -x "$GEN" ] || die "no binaries in $TARGET_DIR/release (set CARGO_TARGET_DIR?)"

mkdir -p "$WORK/results"
SETTINGS=$WORK/settings.xml
echo '<settings xmlns="http://maven.apache.org/SETTINGS/1.2.0"/>' >"$SETTINGS"
EMPTY_REPO=$WORK/empty-repo
# m2fresh's stat cache lives under XDG_CACHE_HOME: keep it (and its removal) in $WORK.
export XDG_CACHE_HOME=$WORK/xdg-cache
export MAVEN_OPTS=${MAVEN_OPTS:-}
unset MAVEN_ARGS MAVEN_CONFIG 2>/dev/null || true
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

# --- measuring ---------------------------------------------------------------------

# measure, median, cpu: benches/lib.sh.
. "$REPO/benches/lib.sh"
# fmt_s SECONDS: a readable duration.
fmt_s() { awk -v s="$1" 'BEGIN { if (s == "nan") print "n/a"; else if (s < 0.001) printf "%.0f µs", s * 1e6; else if (s < 1) printf "%.1f ms", s * 1000; else printf "%.2f s", s }'; }
# ratio A B: A / B, one decimal.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "nan" || b == "nan" || b <= 0) print "n/a"; else printf "%.1f", a / b }'; }
# mbps BYTES SECONDS
mbps() { awk -v b="$1" -v s="$2" 'BEGIN { if (s > 0) printf "%.0f", b / s / 1e6; else print "n/a" }'; }
# verdict OK-CONDITION-AS-AWK-EXPR: "met" or "**missed**".
verdict() { awk "BEGIN { exit !($1) }" && echo "met" || echo "**missed**"; }
# range NAME: "min–max" of a measurement.
range() { read -r _ lo hi _ <"$WORK/results/$1" && echo "$(fmt_s "$lo")–$(fmt_s "$hi")"; }

# gen NAME MODULES: generates $WORK/NAME (replacing it) and sources its summary.
declare -A META
gen() {
	local name=$1 modules=$2 line
	log "generating $name ($modules modules, $FILES files each)"
	"$GEN" --modules "$modules" --files "$FILES" --seed "$SEED" --force "$WORK/$name" >"$WORK/$name.env"
	while IFS='=' read -r k v; do META[$name.$k]=$v; done <"$WORK/$name.env"
}

# The files m2fresh fingerprints (src/main/**), NUL-separated, for b3sum and cat.
input_list() { find "$WORK/$1" -path '*/src/main/*' -type f -print0 >"$WORK/$1.files"; }

declare -A RSS
# peak_rss NAME CMD...: max RSS (KB) of one run of CMD.
peak_rss() {
	local name=$1
	shift
	/usr/bin/time -v -o "$WORK/results/$name.time" "$@" >/dev/null 2>&1 || true
	RSS[$name]=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$WORK/results/$name.time")
	log "$name: max RSS ${RSS[$name]} KB"
}

# --- the Maven seed repository -----------------------------------------------------

XC_ORDER=(xc-framework-parent xc-framework-model xc-framework-common xc-framework-utils
	xc-service-api xc-service-manage-cms xc-service-portalview)
# The upstream of xc-service-portalview, in the story's build order.
XC_UPSTREAM=(xc-framework-parent xc-framework-model xc-framework-common xc-framework-utils
	xc-service-api xc-service-portalview)

seed_repo() {
	[ -d "$XUECHENG" ] || die "no xuecheng fixture at $XUECHENG (set XUECHENG=...)"
	local key
	key=$({ mvn -v 2>/dev/null | head -1; cat "$XUECHENG"/*/pom.xml; } | b3sum --no-names)
	SEED_REPO=$WORK/seed/repository
	if [ "$(cat "$WORK/seed/complete" 2>/dev/null)" = "$key" ]; then
		return
	fi
	log "building the seed repository (downloads Maven's plugins once)"
	rm -rf "$WORK/seed"
	mkdir -p "$SEED_REPO"
	cp -r "$XUECHENG" "$WORK/seed/xuecheng"
	local p
	for p in "${XC_ORDER[@]}"; do
		(cd "$WORK/seed/xuecheng/$p" && mvn -B -q --no-transfer-progress -s "$SETTINGS" \
			-Dmaven.repo.local="$SEED_REPO" clean install -DskipTests) || die "seeding failed in $p"
	done
	rm -rf "$SEED_REPO/com/xuecheng" "$WORK/seed/xuecheng"
	echo "$key" >"$WORK/seed/complete"
}
fresh_repo() { rm -rf "$1" && cp -r "$SEED_REPO" "$1"; }

# --- analyse: m2fresh graph vs mvn validate ----------------------------------------

SAME_ORDER=()
if want analyse; then
	rm -rf "$EMPTY_REPO" && mkdir -p "$EMPTY_REPO"
	for n in 100 500; do
		gen "g$n" "$n"
		ws=$WORK/g$n
		# Not timed: Maven's reactor order, to show m2fresh computes the same one.
		mvn -B -o -f "$ws/pom.xml" -s "$SETTINGS" -Dmaven.repo.local="$EMPTY_REPO" validate \
			>"$WORK/results/validate-$n.log" 2>&1 || die "mvn validate failed on $ws (see $WORK/results/validate-$n.log)"
		grep -oE -- '--< [^ ]+ >--' "$WORK/results/validate-$n.log" | sed -E 's/--< (.*) >--/\1/' >"$WORK/results/order-mvn-$n"
		"$M2FRESH" -w "$ws" --local-repo "$EMPTY_REPO" order | sed -E 's/^([^:]+:[^:]+):.*/\1/' >"$WORK/results/order-m2fresh-$n"
		if cmp -s "$WORK/results/order-mvn-$n" "$WORK/results/order-m2fresh-$n"; then
			SAME_ORDER+=("$n: same order ($(wc -l <"$WORK/results/order-mvn-$n") projects)")
		else
			SAME_ORDER+=("$n: **orders differ** (see $WORK/results/order-*-$n)")
		fi
		measure "graph-$n" -- "$M2FRESH" -w "$ws" --local-repo "$EMPTY_REPO" graph
		measure "validate-$n" -- mvn -B -o -q -f "$ws/pom.xml" -s "$SETTINGS" -Dmaven.repo.local="$EMPTY_REPO" validate
	done
fi

# --- hashing and growth: check cold/warm vs b3sum and cat ----------------------------

if want hashing || want memory; then
	rm -rf "$EMPTY_REPO" && mkdir -p "$EMPTY_REPO"
	for n in 100 1000 10000; do
		[ -n "${META[g$n.modules]:-}" ] || gen "g$n" "$n"
		# A Git repository of it, for `git status` (the floor for a scan that stats every
		# file); kept beside the tree (no `.git` in it for find and m2fresh to meet), and
		# never garbage-collected while the files are being measured.
		if want hashing && [ "$n" != 100 ]; then
			rm -rf "$WORK/g$n.git"
			git --git-dir="$WORK/g$n.git" --work-tree="$WORK/g$n" init -q
			git --git-dir="$WORK/g$n.git" config gc.auto 0
			git --git-dir="$WORK/g$n.git" --work-tree="$WORK/g$n" add -A
			git --git-dir="$WORK/g$n.git" --work-tree="$WORK/g$n" \
				-c user.name=bench -c user.email=bench@localhost commit -q -m generated
		fi
	done
	# The stat cache does not trust files modified within 2 s of being read.
	sleep 3
fi
if want hashing; then
	for n in 100 1000 10000; do
		ws=$WORK/g$n
		measure "graph-$n" -- "$M2FRESH" -w "$ws" --local-repo "$EMPTY_REPO" graph
		measure "check-cold-$n" -- "$M2FRESH" -w "$ws" --local-repo "$EMPTY_REPO" --no-cache check
		rm -rf "$XDG_CACHE_HOME"
		"$M2FRESH" -w "$ws" --local-repo "$EMPTY_REPO" check >/dev/null 2>&1 || true
		measure "check-warm-$n" -- "$M2FRESH" -w "$ws" --local-repo "$EMPTY_REPO" check
		if [ "$n" != 100 ]; then
			input_list "g$n"
			measure "b3sum-$n" -- bash -c 'xargs -0 b3sum <"$0" >/dev/null' "$WORK/g$n.files"
			measure "b3sum-p2-$n" -- bash -c 'xargs -0 -P 2 -n 1000 b3sum <"$0" >/dev/null' "$WORK/g$n.files"
			# The same job as m2fresh's: find the files, then hash them.
			measure "find-b3sum-p2-$n" -- bash -c 'find "$0" -path "*/src/main/*" -type f -print0 | xargs -0 -P 2 -n 1000 b3sum >/dev/null' "$ws"
			measure "cat-$n" -- bash -c 'xargs -0 cat <"$0" >/dev/null' "$WORK/g$n.files"
			measure "git-status-$n" -- git --git-dir="$WORK/g$n.git" --work-tree="$ws" status
		fi
	done
fi
if want memory; then
	for n in 1000 10000; do
		ws=$WORK/g$n
		peak_rss "rss-cold-$n" "$M2FRESH" -w "$ws" --local-repo "$EMPTY_REPO" --no-cache check
		"$M2FRESH" -w "$ws" --local-repo "$EMPTY_REPO" check >/dev/null 2>&1 || true
		peak_rss "rss-warm-$n" "$M2FRESH" -w "$ws" --local-repo "$EMPTY_REPO" check
		peak_rss "rss-graph-$n" "$M2FRESH" -w "$ws" --local-repo "$EMPTY_REPO" graph
	done
fi

# --- xuecheng: install after one change in xc-service-api ---------------------------

if want xuecheng; then
	seed_repo
	api=xc-service-api/src/main/java/com/xuecheng/api/cms/CmsPageControllerApi.java
	for side in m2 mvn; do
		rm -rf "$WORK/xc-$side" && cp -r "$XUECHENG" "$WORK/xc-$side" && rm -rf "$WORK/xc-$side"/*/target
		fresh_repo "$WORK/repo-xc-$side"
	done
	log "xuecheng: first install on both sides (not timed)"
	"$M2FRESH" -w "$WORK/xc-m2" --local-repo "$WORK/repo-xc-m2" install xc-service-portalview --offline \
		-s "$SETTINGS" >&2 || die "m2fresh install failed on xuecheng"
	# The story's build script, as the fixture's README gives it (plain `install`), and the
	# same with `clean install`, which is what it takes for a jar built against a changed
	# upstream: maven-compiler-plugin's incremental check does not look at dependency jars.
	for goals in install "clean install"; do
		script=$WORK/xc-build-${goals// /-}.sh
		{
			echo '#!/usr/bin/env bash'
			echo "# The story build script: mvn $goals in each project of the upstream, in order."
			echo 'set -e'
			for p in "${XC_UPSTREAM[@]}"; do
				printf '(cd %q && mvn -B -q -o %s -DskipTests -s %q -Dmaven.repo.local=%q)\n' \
					"$WORK/xc-mvn/$p" "$goals" "$SETTINGS" "$WORK/repo-xc-mvn"
			done
		} >"$script"
	done
	bash "$WORK/xc-build-install.sh" || die "the story's build script failed"
	# m2fresh cannot be told to clean; a Maven wrapper passed with --mvn adds the goal.
	printf '#!/bin/sh\nexec mvn clean "$@"\n' >"$WORK/mvn-clean"
	chmod +x "$WORK/mvn-clean"
	# One change: the REST prefix, new on every run.
	change_api() { printf 'sed -i -E "s|API_PREFIX = \\"[^\\"]*\\"|API_PREFIX = \\"/cms/page/$(date +%%s%%N)\\"|" %q' "$1/$api"; }
	xc_m2fresh=("$M2FRESH" -w "$WORK/xc-m2" --local-repo "$WORK/repo-xc-m2" install xc-service-portalview --offline)
	measure xc-m2fresh --prepare "$(change_api "$WORK/xc-m2")" -- "${xc_m2fresh[@]}" -s "$SETTINGS"
	measure xc-script --prepare "$(change_api "$WORK/xc-mvn")" -- bash "$WORK/xc-build-install.sh"
	measure xc-m2fresh-clean --prepare "$(change_api "$WORK/xc-m2")" -- "${xc_m2fresh[@]}" --mvn "$WORK/mvn-clean" -s "$SETTINGS"
	measure xc-script-clean --prepare "$(change_api "$WORK/xc-mvn")" -- bash "$WORK/xc-build-clean-install.sh"
	# Not timed: what m2fresh would install after one change, and whether the jar each
	# way leaves behind was built from the change.
	bash -c "$(change_api "$WORK/xc-m2")"
	XC_PLANNED=$("$M2FRESH" -w "$WORK/xc-m2" --local-repo "$WORK/repo-xc-m2" plan xc-service-portalview -s "$SETTINGS" --format json | jq '.install | length')
	# prefix_check SIDE: whether SIDE's portalview jar prints SIDE's current prefix.
	prefix_check() {
		local want got
		want=$(grep -oE 'API_PREFIX = "[^"]*"' "$WORK/xc-$1/$api" | cut -d'"' -f2)
		got=$(java -jar "$WORK/xc-$1/xc-service-portalview/target/xc-service-portalview-1.0-SNAPSHOT.jar" 2>&1 || true)
		if [[ "$got" == *"$want" ]]; then echo "built from the change"; else echo "**stale: prints \`${got##* }\`, the source says \`$want\`**"; fi
	}
	declare -A XC_OK
	bash -c "$(change_api "$WORK/xc-m2")" && "${xc_m2fresh[@]}" -s "$SETTINGS" >/dev/null 2>&1
	XC_OK[m2fresh]=$(prefix_check m2)
	XC_STATUS=$("$M2FRESH" -w "$WORK/xc-m2" --local-repo "$WORK/repo-xc-m2" check xc-service-portalview -s "$SETTINGS" --format json | jq -r '[.modules[] | select(.id == "com.xuecheng:xc-service-portalview") | .status] | first // "?"' 2>/dev/null || echo "?")
	bash -c "$(change_api "$WORK/xc-m2")" && "${xc_m2fresh[@]}" --mvn "$WORK/mvn-clean" -s "$SETTINGS" >/dev/null 2>&1
	XC_OK[m2fresh-clean]=$(prefix_check m2)
	bash -c "$(change_api "$WORK/xc-mvn")" && bash "$WORK/xc-build-install.sh" >/dev/null 2>&1
	XC_OK[script]=$(prefix_check mvn)
	bash -c "$(change_api "$WORK/xc-mvn")" && bash "$WORK/xc-build-clean-install.sh" >/dev/null 2>&1
	XC_OK[script-clean]=$(prefix_check mvn)
	measure xc-check-fresh -- "$M2FRESH" -w "$WORK/xc-m2" --local-repo "$WORK/repo-xc-m2" check xc-service-portalview -s "$SETTINGS"
fi

# --- first install: the story's fixture into a seeded repository -------------------

if want firstinstall; then
	seed_repo
	rm -rf "$WORK/fi" && cp -r "$XUECHENG" "$WORK/fi" && rm -rf "$WORK/fi"/*/target
	# Every run starts from the seed: plugins there, none of the story's artifacts.
	fi_reset=$(printf 'rm -rf %q && cp -r %q %q' "$WORK/repo-fi" "$SEED_REPO" "$WORK/repo-fi")
	fi_install=("$M2FRESH" -w "$WORK/fi" --local-repo "$WORK/repo-fi" install xc-service-portalview --offline)
	declare -A FI_MODE
	for mode in reactor per-module; do
		flags=()
		[ "$mode" = per-module ] && flags=(--per-module)
		bash -c "$fi_reset"
		# Not timed: which way m2fresh ran, and that everything was installed.
		FI_MODE[$mode]=$("${fi_install[@]}" "${flags[@]}" --format json -s "$SETTINGS" |
			jq -r '"`\(.mode)`, \([.modules[] | select(.result == "installed")] | length) of \(.modules | length) installed"')
		measure "fi-$mode" --prepare "$fi_reset" -- "${fi_install[@]}" "${flags[@]}" -s "$SETTINGS"
	done
fi

# --- aggregator: install after one change in a low module ---------------------------

if want aggregator; then
	seed_repo
	gen agg20 20
	AGG_TARGET=${META[agg20.target]}
	AGG_LOW=${META[agg20.low]}
	low_file=${META[agg20.low_file]}
	for side in m2 mvn; do
		rm -rf "$WORK/agg-$side" && cp -r "$WORK/agg20" "$WORK/agg-$side"
		fresh_repo "$WORK/repo-agg-$side"
	done
	log "aggregator: first install on both sides (not timed)"
	"$M2FRESH" -w "$WORK/agg-m2" --local-repo "$WORK/repo-agg-m2" install "$AGG_TARGET" --offline \
		-s "$SETTINGS" >&2 || die "m2fresh install failed on agg20"
	mvn_am=(mvn -B -q -o -f "$WORK/agg-mvn/pom.xml" -s "$SETTINGS" -Dmaven.repo.local="$WORK/repo-agg-mvn"
		install -DskipTests -pl ":$AGG_TARGET" -am)
	"${mvn_am[@]}" >&2 || die "mvn -pl -am install failed on agg20"
	# bump DIR FILE: the shell command that changes one constant in FILE under DIR.
	bump() { printf 'sed -i -E "s/REVISION = [0-9]+L;/REVISION = $(date +%%s%%N)L;/" %q' "$1/$2"; }
	# Not timed: what one change makes stale, and the reactor Maven builds with -am.
	bash -c "$(bump "$WORK/agg-m2" "$low_file")"
	"$M2FRESH" -w "$WORK/agg-m2" --local-repo "$WORK/repo-agg-m2" plan "$AGG_TARGET" -s "$SETTINGS" --format json >"$WORK/results/agg-plan.json"
	AGG_PLANNED=$(jq '.install | length' "$WORK/results/agg-plan.json")
	AGG_STALE=$(jq -r '[.install[].id] | join(",")' "$WORK/results/agg-plan.json")
	AGG_REACTOR=$(mvn -B -o -f "$WORK/agg-mvn/pom.xml" -s "$SETTINGS" -Dmaven.repo.local="$WORK/repo-agg-mvn" \
		validate -pl ":$AGG_TARGET" -am 2>&1 | grep -cE -- '--< [^ ]+ >--' || true)
	measure agg-m2fresh --prepare "$(bump "$WORK/agg-m2" "$low_file")" -- \
		"$M2FRESH" -w "$WORK/agg-m2" --local-repo "$WORK/repo-agg-m2" install "$AGG_TARGET" --offline -s "$SETTINGS"
	measure agg-mvn-am --prepare "$(bump "$WORK/agg-mvn" "$low_file")" -- "${mvn_am[@]}"
	measure agg-mvn-am-t2 --prepare "$(bump "$WORK/agg-mvn" "$low_file")" -- "${mvn_am[@]:0:1}" -T 2 "${mvn_am[@]:1}"
	# Maven's full upstream rebuild with `clean`, as m2fresh runs it (a plain `install`
	# can keep classes compiled against the old upstream).
	measure agg-mvn-am-t2-clean --prepare "$(bump "$WORK/agg-mvn" "$low_file")" -- "${mvn_am[@]:0:1}" -T 2 "${mvn_am[@]:1:8}" clean "${mvn_am[@]:9}"
	# m2fresh's other mode, one Maven process per module (fewer runs: it is slow).
	RUNS_SAVED=$RUNS
	RUNS=3
	measure agg-m2fresh-per-module --prepare "$(bump "$WORK/agg-m2" "$low_file")" -- \
		"$M2FRESH" -w "$WORK/agg-m2" --local-repo "$WORK/repo-agg-m2" install "$AGG_TARGET" --offline --per-module -s "$SETTINGS"
	RUNS=$RUNS_SAVED

	# The story's case: a module just below the target changes (both sides are fresh
	# again after the runs above).
	AGG_NEAR=${META[agg20.near]}
	near_file=${META[agg20.near_file]}
	bash -c "$(bump "$WORK/agg-m2" "$near_file")"
	"$M2FRESH" -w "$WORK/agg-m2" --local-repo "$WORK/repo-agg-m2" plan "$AGG_TARGET" -s "$SETTINGS" --format json >"$WORK/results/agg-near-plan.json"
	AGG_NEAR_PLANNED=$(jq '.install | length' "$WORK/results/agg-near-plan.json")
	measure agg-near-m2fresh --prepare "$(bump "$WORK/agg-m2" "$near_file")" -- \
		"$M2FRESH" -w "$WORK/agg-m2" --local-repo "$WORK/repo-agg-m2" install "$AGG_TARGET" --offline -s "$SETTINGS"
	measure agg-near-mvn-am --prepare "$(bump "$WORK/agg-mvn" "$near_file")" -- "${mvn_am[@]}"
	measure agg-near-mvn-am-t2 --prepare "$(bump "$WORK/agg-mvn" "$near_file")" -- "${mvn_am[@]:0:1}" -T 2 "${mvn_am[@]:1}"
	measure agg-near-mvn-am-t2-clean --prepare "$(bump "$WORK/agg-mvn" "$near_file")" -- "${mvn_am[@]:0:1}" -T 2 "${mvn_am[@]:1:8}" clean "${mvn_am[@]:9}"
fi

# --- BENCHMARKS.md -------------------------------------------------------------------

LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
have() { [ -f "$WORK/results/$1" ]; }
m() { fmt_s "$(median "$1")"; }

{
	cat <<EOF
# Benchmarks

Written by \`benches/compare.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC') (m2fresh $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?')). Each time is the **median of $RUNS runs** after one warm-up run$([ -n "$HAVE_HYPERFINE" ] && echo " (hyperfine $(hyperfine --version | cut -d' ' -f2))" || echo " (own timing loop)"); the range is min–max. Ratios are what matter. The machine is small and was **shared with other jobs** (see the load average): wall times are noisy, so some tables also give the CPU time (user+sys, mean of the runs), which contention disturbs less.

| machine | |
|---|---|
| CPU | $(nproc) × $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo) |
| memory | $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) |
| OS | $(. /etc/os-release && echo "$PRETTY_NAME"), Linux $(uname -r) |
| Maven | $(mvn -v 2>/dev/null | head -1 | sed -E 's/\x1b\[[0-9;]*m//g'), $(java -version 2>&1 | head -1) |
| load average | $LOAD_BEFORE at the start, $LOAD_AFTER at the end |

Workspaces come from \`cargo run --release --example gen-workspace -- --modules N --files $FILES --seed $SEED DIR\`: a root aggregator that is also the root parent, a chain of three intermediate parents, an aggregator per layer, properties and \`dependencyManagement\`, a random DAG of dependencies (some test-scoped), $FILES Java files (1.5–6 KB) and 1–2 resources per module, tests in half of them. N counts the jar modules; the reactor also holds the parents and aggregators.
EOF

	if want analyse; then
		cat <<EOF

## Reading the reactor: \`m2fresh graph\` vs \`mvn -o -q validate\`

Both read every POM, build the effective models and sort the reactor (Maven also starts a JVM and runs the validate phase, which binds no plugin for these projects).

| jar modules | m2fresh graph | mvn -o validate | m2fresh is faster by (wall) | target ≥50× at 500 | CPU (user+sys): m2fresh / Maven | faster by (CPU) |
|---|---|---|---|---|---|---|
EOF
		for n in 100 500; do
			g=$(median "graph-$n")
			v=$(median "validate-$n")
			t=$([ "$n" = 500 ] && verdict "$v / $g >= 50" || echo "")
			echo "| $n | $(fmt_s "$g") ($(range "graph-$n")) | $(fmt_s "$v") ($(range "validate-$n")) | **$(ratio "$v" "$g")×** | $t | $(fmt_s "$(cpu "graph-$n")") / $(fmt_s "$(cpu "validate-$n")") | $(ratio "$(cpu "validate-$n")" "$(cpu "graph-$n")")× |"
		done
		echo
		echo "Reactor order, m2fresh vs Maven's \"Reactor Build Order\": $(IFS=';'; echo "${SAME_ORDER[*]}" | sed 's/;/; /g')."
	fi

	if want hashing; then
		cat <<EOF

## Hashing: \`m2fresh check\` vs \`b3sum\` and \`cat\` over the same files

The files are every file under \`src/main/\` (what m2fresh fingerprints). The OS page cache is **warm** (the files were just generated and read): this measures hashing and system calls, not the disk. A cold \`check\` (\`--no-cache\`) also reads and models every POM, builds the graph and looks each module up in the (empty) local repository; \`b3sum\` and \`cat\` only read files. \`b3sum\` gets the file list through \`xargs\` (one process at a time, which hashes small files on one core) and through \`xargs -P 2\` (both cores). A warm \`check\` uses the stat cache saved by the previous run. "Hashing alone" is the cold \`check\` minus \`graph\` on the same workspace in the same run (reading and modelling the POMs and sorting, which \`b3sum\` does not do): the walk that finds the files, the stat calls, reading and hashing them, the model hashes and the repository lookups. \`cat\` and \`b3sum\` are handed the list of files, made beforehand and not timed; \`find | b3sum -P 2\` does the same job as m2fresh's hashing, finding the files in the directory tree (the generated Java packages are seven directories deep) and hashing them on both cores. The target is judged on the same job: hashing alone against \`find | b3sum -P 2\`. \`git status\` runs in a Git checkout of the same tree (everything committed, clean): it stats every tracked file and lists every directory, the floor for a scan that stats every input; the target is a warm \`check\` at or below it.

| jar modules | input files | MB | cat | b3sum | b3sum -P 2 | find \\| b3sum -P 2 | m2fresh check, cold | whole cold check vs best listed b3sum | hashing alone (cold − graph) | hashing alone vs find \\| b3sum -P 2 (target ≥0.8) | m2fresh check, warm | warm vs cold (target ≥10×) | \`git status\` | warm check / \`git status\` (target ≤1.0) | CPU (user+sys): b3sum / cold / warm |
|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|
EOF
		for n in 1000 10000; do
			b=${META[g$n.input_bytes]}
			c=$(median "check-cold-$n")
			w=$(median "check-warm-$n")
			b1=$(median "b3sum-$n")
			b2=$(median "b3sum-p2-$n")
			best=$(awk -v a="$b1" -v b="$b2" 'BEGIN { print (a < b) ? a : b }')
			h=$(awk -v c="$c" -v g="$(median "graph-$n")" 'BEGIN { print c - g }')
			f=$(median "find-b3sum-p2-$n")
			echo "| $n | ${META[g$n.input_files]} | $(awk -v b="$b" 'BEGIN { printf "%.0f", b / 1e6 }') | $(m "cat-$n") ($(mbps "$b" "$(median "cat-$n")") MB/s) | $(m "b3sum-$n") ($(mbps "$b" "$b1") MB/s) | $(m "b3sum-p2-$n") ($(mbps "$b" "$b2") MB/s) | $(fmt_s "$f") ($(mbps "$b" "$f") MB/s) | $(fmt_s "$c") ($(mbps "$b" "$c") MB/s) | $(ratio "$best" "$c") | $(fmt_s "$h") ($(mbps "$b" "$h") MB/s) | **$(ratio "$f" "$h")** — $(verdict "$f / $h >= 0.8") | $(fmt_s "$w") | **$(ratio "$c" "$w")×** — $(verdict "$c / $w >= 10") | $(m "git-status-$n") | **$(ratio "$w" "$(median "git-status-$n")")** — $(verdict "$w <= $(median "git-status-$n")") | $(fmt_s "$(cpu "b3sum-$n")") / $(fmt_s "$(cpu "check-cold-$n")") / $(fmt_s "$(cpu "check-warm-$n")") |"
		done
		cat <<EOF

## How the cost grows

Per jar module, wall time. \`graph\` reads the POMs and sorts; \`check\` adds fingerprints (cold: every file hashed; warm: stat cache) and the local repository lookup.

| jar modules | reactor projects | input files | graph | per module | check, cold | per module | check, warm | per module | CPU (user+sys): graph / cold / warm |
|---|---|---|---|---|---|---|---|---|---|
EOF
		for n in 100 1000 10000; do
			g=$(median "graph-$n")
			c=$(median "check-cold-$n")
			w=$(median "check-warm-$n")
			per() { awk -v s="$1" -v n="$n" 'BEGIN { printf "%.0f µs", s / n * 1e6 }'; }
			echo "| $n | ${META[g$n.poms]} | ${META[g$n.input_files]} | $(fmt_s "$g") | $(per "$g") | $(fmt_s "$c") | $(per "$c") | $(fmt_s "$w") | $(per "$w") | $(fmt_s "$(cpu "graph-$n")") / $(fmt_s "$(cpu "check-cold-$n")") / $(fmt_s "$(cpu "check-warm-$n")") |"
		done
		g=$(median graph-10000)
		w=$(median check-warm-10000)
		echo
		echo "10,000 modules analysed in under 1 s: \`graph\` $(fmt_s "$g") — $(verdict "$g < 1"); warm \`check\` $(fmt_s "$w") — $(verdict "$w < 1"). Warm vs cold in CPU time: $(ratio "$(cpu check-cold-1000)" "$(cpu check-warm-1000)")× at 1,000 modules, $(ratio "$(cpu check-cold-10000)" "$(cpu check-warm-10000)")× at 10,000."
	fi

	if want memory; then
		cat <<EOF

## Peak memory (max RSS, \`/usr/bin/time -v\`, one run)

| jar modules | m2fresh graph | m2fresh check, cold | m2fresh check, warm | target <500 MB at 10,000 |
|---|---|---|---|---|
EOF
		for n in 1000 10000; do
			mb() { awk -v k="${RSS[$1]}" 'BEGIN { printf "%.0f MB", k / 1024 }'; }
			t=$([ "$n" = 10000 ] && verdict "${RSS[rss-cold-$n]} / 1024 < 500 && ${RSS[rss-warm-$n]} / 1024 < 500" || echo "")
			echo "| $n | $(mb "rss-graph-$n") | $(mb "rss-cold-$n") | $(mb "rss-warm-$n") | $t |"
		done
	fi

	if want xuecheng; then
		cat <<EOF

## After one change: fixtures/xuecheng

The story's layout: seven sibling projects, no aggregator. Before each run \`xc-service-api\`'s \`API_PREFIX\` gets a new value; then either \`m2fresh install xc-service-portalview --offline\` (it installs the stale part of the upstream, $XC_PLANNED of 6 projects, in one Maven reactor) or the story's build script, which runs \`mvn -B -q -o install -DskipTests\` in each of the $(echo "${#XC_UPSTREAM[@]}") projects of the upstream, in order. Both with their own copy of the same seeded local repository (plugins already there, nothing downloaded), warm \`target/\` directories (Maven's incremental compilation sees the one change), one JVM start per Maven run, as in real life.

| | time | m2fresh is faster by | the portalview jar afterwards (checked once, not timed) |
|---|---|---|---|
| the story's build script (6 × \`mvn install\`) | $(m xc-script) ($(range xc-script)) | | ${XC_OK[script]} |
| \`m2fresh install xc-service-portalview\` | $(m xc-m2fresh) ($(range xc-m2fresh)) | **$(ratio "$(median xc-script)" "$(median xc-m2fresh)")×** — target ≥3×: $(verdict "$(median xc-script) / $(median xc-m2fresh) >= 3") | ${XC_OK[m2fresh]}; m2fresh then reports it \`$XC_STATUS\` |
| the script with \`mvn clean install\` | $(m xc-script-clean) ($(range xc-script-clean)) | | ${XC_OK[script-clean]} |
| \`m2fresh install\` running \`mvn clean install\` (a \`--mvn\` wrapper) | $(m xc-m2fresh-clean) ($(range xc-m2fresh-clean)) | **$(ratio "$(median xc-script-clean)" "$(median xc-m2fresh-clean)")×** against the clean script | ${XC_OK[m2fresh-clean]} |
| \`m2fresh check xc-service-portalview\`, all fresh (stamps verified) | $(m xc-check-fresh) ($(range xc-check-fresh)) | | |

A plain \`mvn install\` of \`xc-service-portalview\` after \`xc-service-api\` changed says "Nothing to compile - all classes are up to date": maven-compiler-plugin 3.14.1 does not look at dependency jars, and \`API_PREFIX\` is a compile-time constant inlined into portalview's class. Only \`clean install\` gives a jar built from today's sources.
EOF
	fi

	if want firstinstall; then
		cat <<EOF

## First install: fixtures/xuecheng into a seeded repository

\`m2fresh install xc-service-portalview --offline\` into a local repository holding Maven's plugins but none of the story's artifacts (a fresh copy of the seed before each run): all 6 projects of the upstream are planned. By default the sibling projects go to one Maven reactor of an aggregator POM m2fresh writes in its cache directory; \`--per-module\` starts one Maven per project (at most two at once, as the dependency queue allows). Both run \`clean install\` with \`-j\` = the 2 cores.

| | time | CPU (user+sys) | what ran (checked once, not timed) |
|---|---|---|---|
| \`m2fresh install --per-module\` | $(m fi-per-module) ($(range fi-per-module)) | $(fmt_s "$(cpu fi-per-module)") | ${FI_MODE[per-module]} |
| \`m2fresh install\` (one reactor) | $(m fi-reactor) ($(range fi-reactor)) | $(fmt_s "$(cpu fi-reactor)") | ${FI_MODE[reactor]} |
| one reactor is faster by | **$(ratio "$(median fi-per-module)" "$(median fi-reactor)")×** — target ≥1.5×: $(verdict "$(median fi-per-module) / $(median fi-reactor) >= 1.5") | $(ratio "$(cpu fi-per-module)" "$(cpu fi-reactor)")× | |
EOF
	fi

	if want aggregator; then
		cat <<EOF

## After one change: an aggregator workspace (generated, 20 jar modules)

Target \`$AGG_TARGET\` (its reactor with \`-am\`: $AGG_REACTOR projects, parents included); before each run the low module \`$AGG_LOW\` gets a one-line change. m2fresh installs what the change made stale ($AGG_PLANNED modules: the changed one and what is built against it) in one Maven reactor (\`mvn -pl STALE -T 2 clean install\`, the default in an aggregator workspace), or with \`--per-module\` one \`mvn -f MODULE/pom.xml clean install\` per module, two at most at once; Maven rebuilds the target's whole upstream. All \`-o -DskipTests\`, after a first install (not timed), each side with its own copy of the seeded repository.

| | time | m2fresh is faster by |
|---|---|---|
| \`mvn -pl :TARGET -am install\` | $(m agg-mvn-am) ($(range agg-mvn-am)) | **$(ratio "$(median agg-mvn-am)" "$(median agg-m2fresh)")×** |
| \`mvn -T 2 -pl :TARGET -am install\` | $(m agg-mvn-am-t2) ($(range agg-mvn-am-t2)) | **$(ratio "$(median agg-mvn-am-t2)" "$(median agg-m2fresh)")×** |
| \`mvn -T 2 -pl :TARGET -am clean install\` (jars built from today's sources, as m2fresh's) | $(m agg-mvn-am-t2-clean) ($(range agg-mvn-am-t2-clean)) | **$(ratio "$(median agg-mvn-am-t2-clean)" "$(median agg-m2fresh)")×** |
| \`m2fresh install TARGET\` (one reactor) | $(m agg-m2fresh) ($(range agg-m2fresh)) | target ≥2× against the fastest: $(verdict "($(median agg-mvn-am) < $(median agg-mvn-am-t2) ? $(median agg-mvn-am) : $(median agg-mvn-am-t2)) / $(median agg-m2fresh) >= 2") |
| \`m2fresh install TARGET --per-module\` (3 runs) | $(m agg-m2fresh-per-module) ($(range agg-m2fresh-per-module)) | |

When a low module changes, most of the target's upstream is stale ($AGG_PLANNED of $AGG_REACTOR projects here), so no plan can be much smaller than \`-am\`; m2fresh's gain is what is not stale, and grows as the change sits higher in the graph. \`--per-module\` pays one JVM and Maven start-up per module.

The story's case on the same workspace: the change is in \`$AGG_NEAR\`, a module just below the target (as \`xc-service-api\` is below \`xc-service-portalview\`); m2fresh's plan is $AGG_NEAR_PLANNED of the $AGG_REACTOR projects.

| | time | m2fresh is faster by |
|---|---|---|
| \`mvn -pl :TARGET -am install\` | $(m agg-near-mvn-am) ($(range agg-near-mvn-am)) | **$(ratio "$(median agg-near-mvn-am)" "$(median agg-near-m2fresh)")×** |
| \`mvn -T 2 -pl :TARGET -am install\` | $(m agg-near-mvn-am-t2) ($(range agg-near-mvn-am-t2)) | **$(ratio "$(median agg-near-mvn-am-t2)" "$(median agg-near-m2fresh)")×** |
| \`mvn -T 2 -pl :TARGET -am clean install\` | $(m agg-near-mvn-am-t2-clean) ($(range agg-near-mvn-am-t2-clean)) | **$(ratio "$(median agg-near-mvn-am-t2-clean)" "$(median agg-near-m2fresh)")×** |
| \`m2fresh install TARGET\` (one reactor) | $(m agg-near-m2fresh) ($(range agg-near-m2fresh)) | target ≥2× against the fastest: $(verdict "($(median agg-near-mvn-am) < $(median agg-near-mvn-am-t2) ? $(median agg-near-mvn-am) : $(median agg-near-mvn-am-t2)) / $(median agg-near-m2fresh) >= 2") |
EOF
	fi

	crit=$TARGET_DIR/criterion
	if [ -d "$crit" ] && ls "$crit"/*/*/new/estimates.json >/dev/null 2>&1; then
		cat <<EOF

## Library stages (criterion, \`cargo bench --bench pipeline\`)

From the last \`cargo bench\` on this machine ($(date -u -r "$(ls -t "$crit"/*/*/new/estimates.json | head -1)" '+%Y-%m-%d %H:%M UTC')), median of 10 samples; same generator, $FILES files per module. \`load\` = \`Workspace::load\`, \`graph\` = \`ReactorGraph::build\`, \`fingerprint\` over all modules (cold: fresh \`StatCache\`; warm: populated), \`queue\` = \`DependencyQueue\` built over the whole graph and drained as \`-j 2\` would.

| stage | 100 | 1,000 | 10,000 | 10,000 / 1,000 |
|---|---|---|---|---|
EOF
		for stage in load graph fingerprint_cold fingerprint_warm queue_build queue_drain; do
			row="| $stage"
			vals=()
			for n in 100 1000 10000; do
				f=$crit/$stage/$n/new/estimates.json
				if [ -f "$f" ]; then
					v=$(jq -r '.median.point_estimate / 1e9' "$f")
					vals+=("$v")
					row+=" | $(fmt_s "$v")"
				else
					vals+=("")
					row+=" | –"
				fi
			done
			if [ -n "${vals[1]}" ] && [ -n "${vals[2]}" ]; then
				row+=" | $(ratio "${vals[2]}" "${vals[1]}")× |"
			else
				row+=" | – |"
			fi
			echo "$row"
		done
	fi

	# The sections the other scripts write (and the effective POM's, written by hand from
	# benches/effective-pom.sh) survive a rerun of this script.
	for kept in effective-pom.sh real-projects.sh remote.sh; do
		if [ -f "$OUT" ] && grep -q "^<!-- benches/$kept: begin -->" "$OUT"; then
			echo
			sed -n "/^<!-- benches\/$kept: begin -->/,/^<!-- benches\/$kept: end -->/p" "$OUT"
		fi
	done

	cat <<EOF

## Reproducing

\`\`\`sh
cargo bench --bench pipeline          # library stages (a few minutes on 2 cores)
benches/compare.sh                    # this file (about 15 minutes; needs mvn, a JDK; apt installs the rest)
benches/real-projects.sh              # its real-projects section (about 30 minutes the first time: clones and seeds)
benches/remote.sh                     # its remote repository section (about 15 minutes; also nginx)
benches/effective-pom.sh              # the effective POM against Maven's (its table is written by hand)
\`\`\`
EOF
} >"$OUT.tmp"

# Hand-written notes (the analysis of the numbers) survive a rerun: everything from the
# "## Notes" heading of the previous file on is kept.
if [ -f "$OUT" ] && grep -q '^## Notes' "$OUT"; then
	{
		echo
		sed -n '/^## Notes/,$p' "$OUT"
	} >>"$OUT.tmp"
fi
mv "$OUT.tmp" "$OUT"
log "wrote $OUT"
