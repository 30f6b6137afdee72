#!/usr/bin/env bash
# The remote repository, timed: `check --remote` against a loopback Maven repository
# (nginx with WebDAV, as the tests use), and what `install --from-remote` saves against
# building, on fixtures/xuecheng and on a generated 500-module workspace. Writes its
# section of BENCHMARKS.md (between the `benches/remote.sh` markers; compare.sh keeps it).
#
#   benches/remote.sh               # RUNS=5 timed runs per check (median kept)
#   MODULES=200 benches/remote.sh   # a smaller generated workspace
#
# Needs mvn, a JDK, nginx (apt-get install nginx) and python3 (a free port). Maven's
# plugins are downloaded once into a seed repository under $WORK; the deploys and builds
# after that need only the loopback server. Nothing here passes or fails on a timing.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK=${WORK:-${TMPDIR:-/tmp}/m2fresh-remote-bench}
RUNS=${RUNS:-5}
MODULES=${MODULES:-500}
OUT=${OUT:-$REPO/BENCHMARKS.md}
TARGET_DIR=${CARGO_TARGET_DIR:-$REPO/target}
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

log() { printf '\n== %s\n' "$*" >&2; }
die() { printf 'remote.sh: %s\n' "$*" >&2; exit 2; }
command -v mvn >/dev/null || die "mvn is not on PATH"
[ -x "$NGINX" ] || die "nginx is missing (apt-get install nginx)"
command -v python3 >/dev/null || die "python3 is missing"

log "building m2fresh and gen-workspace (release)"
(cd "$REPO" && cargo build --release --quiet --bin m2fresh --example gen-workspace)
M2FRESH=$TARGET_DIR/release/m2fresh
GEN=$TARGET_DIR/release/examples/gen-workspace
mkdir -p "$WORK"
# splice_section: benches/lib.sh.
. "$REPO/benches/lib.sh"
export XDG_CACHE_HOME=$WORK/xdg-cache
unset MAVEN_OPTS MAVEN_ARGS MAVEN_CONFIG 2>/dev/null || true
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

# --- the server --------------------------------------------------------------------

SRV=$WORK/server
rm -rf "$SRV" && mkdir -p "$SRV/www/repo" "$SRV/tmp"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
printf 'bench:{PLAIN}bench-password\n' >"$SRV/htpasswd"
USER_LINE=$([ "$(id -u)" = 0 ] && echo "user root;" || true)
cat >"$SRV/nginx.conf" <<EOF
$USER_LINE
daemon off;
master_process off;
worker_processes 1;
pid $SRV/nginx.pid;
error_log $SRV/error.log;
events { worker_connections 256; }
http {
  access_log $SRV/access.log;
  client_body_temp_path $SRV/tmp/body;
  proxy_temp_path $SRV/tmp/proxy;
  fastcgi_temp_path $SRV/tmp/fastcgi;
  uwsgi_temp_path $SRV/tmp/uwsgi;
  scgi_temp_path $SRV/tmp/scgi;
  client_max_body_size 256m;
  server {
    listen 127.0.0.1:$PORT;
    root $SRV/www;
    location /repo/ {
      dav_methods PUT;
      create_full_put_path on;
      dav_access user:rw group:r all:r;
      auth_basic "bench";
      auth_basic_user_file $SRV/htpasswd;
    }
  }
}
EOF
"$NGINX" -e "$SRV/error.log" -c "$SRV/nginx.conf" &
NGINX_PID=$!
trap 'kill $NGINX_PID 2>/dev/null || true' EXIT
for _ in $(seq 50); do
	(exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
	sleep 0.1
done
URL=http://127.0.0.1:$PORT/repo
SETTINGS=$WORK/settings.xml
cat >"$SETTINGS" <<EOF
<settings><servers><server><id>team</id><username>bench</username><password>bench-password</password></server></servers></settings>
EOF
DM="<distributionManagement><repository><id>team</id><url>$URL/releases</url></repository><snapshotRepository><id>team</id><url>$URL/snapshots</url></snapshotRepository></distributionManagement>"

# --- timing --------------------------------------------------------------------------

# timed NAME CMD...: runs CMD once, records wall seconds in $WORK/NAME.s.
timed() {
	local name=$1 start end
	shift
	start=$(date +%s%N)
	"$@" >"$WORK/$name.log" 2>&1 || { [ "${ALLOW_FAIL:-}" = 1 ] || die "$name failed (see $WORK/$name.log)"; }
	end=$(date +%s%N)
	awk -v ns=$((end - start)) 'BEGIN { printf "%.3f\n", ns / 1e9 }' >"$WORK/$name.s"
	log "$name: $(cat "$WORK/$name.s") s"
}
# timed_median NAME CMD...: the median of RUNS runs after one warm-up (check exits 1 when not
# fresh: its status is ignored).
timed_median() {
	local name=$1 i
	shift
	ALLOW_FAIL=1 timed "$name.warmup" "$@"
	for ((i = 1; i <= RUNS; i++)); do ALLOW_FAIL=1 timed "$name.$i" "$@"; done
	for ((i = 1; i <= RUNS; i++)); do cat "$WORK/$name.$i.s"; done | sort -n |
		awk '{ t[NR] = $1 } END { m = (NR % 2) ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2; printf "%.3f\n", m }' >"$WORK/$name.s"
	log "$name: median $(cat "$WORK/$name.s") s"
}
s() { cat "$WORK/$1.s"; }
fmt() { awk -v s="$1" 'BEGIN { if (s < 1) printf "%.0f ms", s * 1000; else printf "%.2f s", s }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b <= 0) print "n/a"; else printf "%.1f", a / b }'; }
requests() { wc -l <"$SRV/access.log"; }

# --- the seed: Maven's plugins, downloaded once ------------------------------------

SEED=$WORK/seed/repository
if [ ! -f "$WORK/seed/complete" ]; then
	log "building the seed repository (downloads Maven's plugins once)"
	rm -rf "$WORK/seed" && mkdir -p "$SEED"
	cp -r "$REPO/fixtures/xuecheng" "$WORK/seed/xuecheng"
	for p in xc-framework-parent xc-framework-model xc-framework-common xc-framework-utils xc-service-api xc-service-portalview; do
		(cd "$WORK/seed/xuecheng/$p" && mvn -B -q -ntp -Dmaven.repo.local="$SEED" clean install -DskipTests) || die "seeding failed in $p"
	done
	(cd "$WORK/seed/xuecheng/xc-framework-utils" && mvn -B -q -ntp -Dmaven.repo.local="$SEED" \
		org.apache.maven.plugins:maven-deploy-plugin:2.7:help org.apache.maven.plugins:maven-deploy-plugin:3.1.4:help >/dev/null) || die "seeding the deploy plugin failed"
	rm -rf "$SEED/com/xuecheng" "$WORK/seed/xuecheng"
	touch "$WORK/seed/complete"
fi
runner() { rm -rf "$1" && cp -r "$SEED" "$1"; }
m2() { "$M2FRESH" -s "$SETTINGS" "$@"; }

# --- fixtures/xuecheng -----------------------------------------------------------

log "fixtures/xuecheng: runner A deploys"
XC=$WORK/xuecheng
rm -rf "$XC" && cp -r "$REPO/fixtures/xuecheng" "$XC"
python3 - "$XC/xc-framework-parent/pom.xml" "$DM" <<'EOF'
import sys
p, dm = sys.argv[1], sys.argv[2]
s = open(p).read()
open(p, "w").write(s.replace("<build>", dm + "\n  <build>", 1))
EOF
T=xc-service-portalview
runner "$WORK/xc-a"
timed xc-deploy m2 -w "$XC" --local-repo "$WORK/xc-a" deploy $T
runner "$WORK/xc-b"
ALLOW_FAIL=1 timed xc-b-seed m2 -w "$XC" --local-repo "$WORK/xc-b" check $T
timed_median xc-check-local m2 -w "$XC" --local-repo "$WORK/xc-a" check $T
before=$(requests)
timed_median xc-check-remote m2 -w "$XC" --local-repo "$WORK/xc-b" check $T --remote
XC_REQ=$(( ($(requests) - before) / (RUNS + 1) ))
# Reuse against building, each from a local repository holding only the plugins.
runner "$WORK/xc-c"
timed xc-from-remote m2 -w "$XC" --local-repo "$WORK/xc-c" install $T --from-remote
runner "$WORK/xc-d"
timed xc-build m2 -w "$XC" --local-repo "$WORK/xc-d" install $T
# After one change to the API: two modules built, four downloaded.
sed -i 's|"/cms/page"|"/api/cms/page"|' "$XC/xc-service-api/src/main/java/com/xuecheng/api/cms/CmsPageControllerApi.java"
runner "$WORK/xc-e"
timed xc-change-from-remote m2 -w "$XC" --local-repo "$WORK/xc-e" install $T --from-remote
runner "$WORK/xc-f"
timed xc-change-build m2 -w "$XC" --local-repo "$WORK/xc-f" install $T

# --- a generated workspace ---------------------------------------------------------

log "generated workspace: $MODULES modules"
G=$WORK/g$MODULES
"$GEN" --modules "$MODULES" --files 8 --seed 1 --force "$G" >"$WORK/gen.env"
python3 - "$G/pom.xml" "$DM" <<'EOF'
import sys
p, dm = sys.argv[1], sys.argv[2]
s = open(p).read()
i = s.rindex("</project>")
open(p, "w").write(s[:i] + dm + "\n" + s[i:])
EOF
G_MODULES=$("$M2FRESH" -w "$G" --local-repo "$SEED" order | wc -l)
runner "$WORK/g-a"
timed g-deploy m2 -w "$G" --local-repo "$WORK/g-a" deploy -j 2
runner "$WORK/g-b"
ALLOW_FAIL=1 timed g-b-seed m2 -w "$G" --local-repo "$WORK/g-b" check
timed_median g-check-local m2 -w "$G" --local-repo "$WORK/g-a" check
before=$(requests)
timed_median g-check-remote m2 -w "$G" --local-repo "$WORK/g-b" check --remote
G_REQ=$(( ($(requests) - before) / (RUNS + 1) ))
runner "$WORK/g-c"
timed g-from-remote m2 -w "$G" --local-repo "$WORK/g-c" install --from-remote
runner "$WORK/g-d"
timed g-build m2 -w "$G" --local-repo "$WORK/g-d" install -j 2

# --- the section ---------------------------------------------------------------------

SECTION=$WORK/section.md
cat >"$SECTION" <<EOF
<!-- benches/remote.sh: begin -->
## The remote repository: \`check --remote\` and \`install --from-remote\`

Written by \`benches/remote.sh\` on $(date -u '+%Y-%m-%d %H:%M') UTC (m2fresh $(cd "$REPO" && git rev-parse --short HEAD 2>/dev/null || echo '?')), load average $LOAD_BEFORE at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end. The repository is nginx with WebDAV on a loopback port (authenticated \`GET\` and \`PUT\`), filled by \`m2fresh deploy\` from runner A; runner B has another local repository holding only Maven's plugins. Checks are the median of $RUNS runs after a warm-up; deploys and installs ran once each, so the ratios are from one run.

| workspace | modules checked | \`check\` (local, A) | \`check --remote\` (B) | requests per \`check --remote\` |
|---|---|---|---|---|
| fixtures/xuecheng (\`$T\`) | 6 | $(fmt "$(s xc-check-local)") | $(fmt "$(s xc-check-remote)") | $XC_REQ |
| generated, $MODULES jar modules (all) | $G_MODULES | $(fmt "$(s g-check-local)") | $(fmt "$(s g-check-remote)") | $G_REQ |

No jar is downloaded by these checks: per stamped SNAPSHOT module, \`maven-metadata.xml\`, the artifact's \`.sha1\`, the stamp and the POM's \`.sha1\`.

| from a local repository with only the plugins | \`install\` (Maven builds) | \`install --from-remote\` | saved |
|---|---|---|---|
| fixtures/xuecheng, nothing changed (6 downloaded) | $(fmt "$(s xc-build)") | $(fmt "$(s xc-from-remote)") | $(ratio "$(s xc-build)" "$(s xc-from-remote)")× faster |
| fixtures/xuecheng, \`xc-service-api\` changed (4 downloaded, 2 built) | $(fmt "$(s xc-change-build)") | $(fmt "$(s xc-change-from-remote)") | $(ratio "$(s xc-change-build)" "$(s xc-change-from-remote)")× faster |
| generated, $MODULES jar modules, nothing changed (all downloaded) | $(fmt "$(s g-build)") | $(fmt "$(s g-from-remote)") | $(ratio "$(s g-build)" "$(s g-from-remote)")× faster |

For scale: runner A's \`deploy\` (Maven \`clean deploy\`, then the stamps) took $(fmt "$(s xc-deploy)") for the fixture's six modules (one Maven per module) and $(fmt "$(s g-deploy)") for the generated workspace (one reactor, \`-T 2\`).
<!-- benches/remote.sh: end -->
EOF

splice_section remote.sh "$SECTION" "$OUT"
log "wrote the remote section of $OUT"
