# Shared by the scripts in benches/ (sourced, not run).
#
# measure, median, cpu: timing with hyperfine (or a loop of its own when
# HAVE_HYPERFINE is empty), results in $WORK/results; they need WORK, RUNS,
# HAVE_HYPERFINE and a `log` function.
# splice_section SCRIPT SECTION OUT: the section a script writes into OUT.

# measure NAME [--prepare CMD] -- CMD...: runs CMD $RUNS times after one warm-up run
# (CMD's output discarded, its exit status ignored: `check` exits 1 on stale modules),
# and records the median, min and max wall seconds in $WORK/results/NAME.
measure() {
	local name=$1 prepare=""
	shift
	if [ "$1" = --prepare ]; then
		prepare=$2
		shift 2
	fi
	[ "$1" = -- ] && shift
	local cmd
	cmd=$(printf '%q ' "$@")
	log "$name: $cmd"
	if [ -n "$HAVE_HYPERFINE" ]; then
		local args=(--style basic --warmup 1 --runs "$RUNS" -i --export-json "$WORK/results/$name.json")
		[ -n "$prepare" ] && args+=(--prepare "$prepare")
		hyperfine "${args[@]}" "$cmd" >&2
		jq -r '.results[0] | "\(.median) \(.min) \(.max) \(.user + .system)"' "$WORK/results/$name.json" >"$WORK/results/$name"
	else
		local times=() i start end
		for ((i = 0; i <= RUNS; i++)); do
			[ -n "$prepare" ] && bash -c "$prepare"
			start=$(date +%s%N)
			"$@" >/dev/null 2>&1 || true
			end=$(date +%s%N)
			[ "$i" -gt 0 ] && times+=("$(((end - start) / 1000))")
		done
		printf '%s\n' "${times[@]}" | sort -n | awk '{ t[NR] = $1 / 1e6 }
			END { m = (NR % 2) ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2;
			      printf "%.6f %.6f %.6f nan\n", m, t[1], t[NR] }' >"$WORK/results/$name"
		cat "$WORK/results/$name" >&2
	fi
}
median() { cut -d' ' -f1 "$WORK/results/$1"; }
# cpu NAME: mean user+system seconds of a measurement's runs ("nan" without hyperfine).
cpu() { cut -d' ' -f4 "$WORK/results/$1"; }

# splice_section SCRIPT SECTION OUT: puts the file SECTION, which starts with
# `<!-- benches/SCRIPT: begin -->` and ends with `<!-- benches/SCRIPT: end -->`, in place of
# the same markers' section of OUT (before "## Reproducing" when OUT has none yet).
splice_section() {
	python3 - "$1" "$2" "$3" <<'PYTHON'
import sys
script, section, out = sys.argv[1], open(sys.argv[2]).read(), sys.argv[3]
text = open(out).read()
begin, end = f"<!-- benches/{script}: begin -->", f"<!-- benches/{script}: end -->"
if begin in text and end in text:
    text = text[: text.index(begin)] + section.rstrip("\n") + text[text.index(end) + len(end):]
elif "## Reproducing" in text:
    i = text.index("## Reproducing")
    text = text[:i] + section + "\n" + text[i:]
else:
    text += "\n" + section
open(out, "w").write(text)
PYTHON
}
