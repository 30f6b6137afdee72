//! criterion benchmarks of m2fresh's library, stage by stage, on generated workspaces of
//! 100, 1,000 and 10,000 modules (see `benches/gen/mod.rs`):
//!
//! - `load`: reading every POM and building the effective models (`Workspace::load`);
//! - `graph`: the reactor edges and Maven's build order (`ReactorGraph::build`);
//! - `fingerprint_cold`: every input file read and hashed (a fresh `StatCache`);
//! - `fingerprint_warm`: the same with a populated `StatCache` (stat calls only);
//! - `queue_build` and `queue_drain`: the install scheduler (`DependencyQueue`) over the
//!   whole graph, driven as `install -j 2` would drive it.
//!
//! Each workspace is generated once into a temporary directory, benchmarked, and removed
//! before the next size. The OS page cache is warm for the cold fingerprints: they measure
//! hashing and file system calls, not the disk. `M2FRESH_BENCH_SIZES=100,1000` picks the
//! sizes; `M2FRESH_BENCH_FILES` the Java files per module (default 8).
//!
//! These are measurements, never pass/fail checks; `benches/compare.sh` sets the numbers
//! against Maven and the hardware.

#[path = "gen/mod.rs"]
mod generator;

use criterion::{BatchSize, BenchmarkId, Criterion, Throughput};
use m2fresh::building::plan::queue::DependencyQueue;
use m2fresh::freshness::fingerprint::{self, files::StatCache, params::BuildParameters};
use m2fresh::maven::effective::runtime::MavenRuntime;
use m2fresh::maven::graph::ReactorGraph;
use m2fresh::maven::workspace::{LoadOptions, ModuleId, Workspace};
use std::hint::black_box;
use std::time::{Duration, Instant};

/// Files modified less than this before they are read are not trusted by the stat cache
/// (m2fresh's racy window is 2 s); the warm benchmark waits this long after generating.
const RACY_WAIT: Duration = Duration::from_millis(2_100);

fn sizes() -> Vec<usize> {
    std::env::var("M2FRESH_BENCH_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .filter(|v: &Vec<usize>| !v.is_empty())
        .unwrap_or_else(|| vec![100, 1_000, 10_000])
}

fn files_per_module() -> usize {
    std::env::var("M2FRESH_BENCH_FILES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(8)
}

/// Settings that keep the whole run to a few minutes on two cores: ten samples, short
/// warm-up; criterion stretches the time when one iteration is slower than that allows.
fn configure(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    n: usize,
) {
    group.sample_size(10);
    group.warm_up_time(Duration::from_millis(if n >= 10_000 { 500 } else { 1_000 }));
    group.measurement_time(Duration::from_secs(if n >= 10_000 { 8 } else { 3 }));
}

/// Runs `install -j 2`'s schedule to the end: two modules run at once, the one started
/// first finishes first.
fn drain(mut queue: DependencyQueue<ModuleId>) -> usize {
    let mut running: std::collections::VecDeque<ModuleId> = std::collections::VecDeque::new();
    let mut done = 0;
    loop {
        while running.len() < 2 {
            match queue.dequeue() {
                Some(m) => running.push_back(m),
                None => break,
            }
        }
        let Some(m) = running.pop_front() else {
            return done;
        };
        black_box(queue.finish(m));
        done += 1;
    }
}

fn queue_nodes(graph: &ReactorGraph) -> Vec<(ModuleId, Vec<ModuleId>)> {
    graph
        .order
        .iter()
        .map(|&id| (id, graph.direct_upstream(id)))
        .collect()
}

fn bench_size(c: &mut Criterion, n: usize) {
    let dir = tempfile::Builder::new()
        .prefix("m2fresh-bench-")
        .tempdir()
        .unwrap_or_else(|e| panic!("cannot create a temporary directory: {e}"));
    let root = dir.path().join("ws");
    let started = Instant::now();
    let summary = generator::generate(
        &root,
        &generator::GenOptions {
            modules: n,
            files: files_per_module(),
            seed: 1,
            scan: false,
        },
    )
    .unwrap_or_else(|e| panic!("cannot generate into {}: {e}", root.display()));
    let generated = Instant::now();
    eprintln!(
        "generated {n} modules ({} POMs, {} input files, {:.1} MB) in {:.1} s",
        summary.poms,
        summary.input_files,
        summary.input_bytes as f64 / 1e6,
        (generated - started).as_secs_f64()
    );
    let opts = LoadOptions::default();
    let ws = Workspace::load(&root, &opts)
        .unwrap_or_else(|e| panic!("cannot load {}: {e}", root.display()));
    let graph = ReactorGraph::build(&ws).unwrap_or_else(|e| panic!("cannot build the graph: {e}"));
    let poms = ws.modules.len();

    let mut group = c.benchmark_group("load");
    configure(&mut group, n);
    group.throughput(Throughput::Elements(poms as u64));
    group.bench_function(BenchmarkId::from_parameter(n), |b| {
        b.iter(|| Workspace::load(black_box(&root), &opts).map(|ws| ws.modules.len()))
    });
    group.finish();

    let mut group = c.benchmark_group("graph");
    configure(&mut group, n);
    group.throughput(Throughput::Elements(poms as u64));
    group.bench_function(BenchmarkId::from_parameter(n), |b| {
        b.iter(|| ReactorGraph::build(black_box(&ws)).map(|g| g.order.len()))
    });
    group.finish();

    let all = graph.order.clone();
    let parameters = BuildParameters::of(&ws);
    let runtime = MavenRuntime::find(&ws.root, None);
    let mut group = c.benchmark_group("fingerprint_cold");
    configure(&mut group, n);
    group.throughput(Throughput::Bytes(summary.input_bytes));
    group.bench_function(BenchmarkId::from_parameter(n), |b| {
        b.iter_batched(
            StatCache::new,
            |cache| {
                fingerprint::fingerprint(
                    &ws,
                    &graph,
                    &all,
                    &fingerprint::Context::without_repository(&cache, &parameters, &runtime),
                )
                .map(|_| cache.stats())
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();

    // Files written within the racy window are hashed again on every run; wait it out so
    // the warm cache is really warm.
    let since = generated.elapsed();
    if since < RACY_WAIT {
        std::thread::sleep(RACY_WAIT - since);
    }
    let cache = StatCache::new();
    if let Err(e) = fingerprint::fingerprint(
        &ws,
        &graph,
        &all,
        &fingerprint::Context::without_repository(&cache, &parameters, &runtime),
    ) {
        panic!("cannot fingerprint {}: {e}", root.display());
    }
    let mut group = c.benchmark_group("fingerprint_warm");
    configure(&mut group, n);
    group.throughput(Throughput::Elements(summary.input_files as u64));
    group.bench_function(BenchmarkId::from_parameter(n), |b| {
        b.iter(|| {
            fingerprint::fingerprint(
                &ws,
                &graph,
                &all,
                &fingerprint::Context::without_repository(&cache, &parameters, &runtime),
            )
            .is_ok()
        })
    });
    group.finish();
    let stats = cache.stats();
    eprintln!(
        "warm stat cache: {} hits, {} misses (the first run's {} files included)",
        stats.hits, stats.misses, summary.input_files
    );

    let nodes = queue_nodes(&graph);
    let mut group = c.benchmark_group("queue_build");
    configure(&mut group, n);
    group.throughput(Throughput::Elements(poms as u64));
    group.bench_function(BenchmarkId::from_parameter(n), |b| {
        b.iter(|| DependencyQueue::new(black_box(nodes.clone())).map(|q| q.len()))
    });
    group.finish();

    let queue = DependencyQueue::new(nodes.clone())
        .unwrap_or_else(|e| panic!("the generated graph has a cycle: {e:?}"));
    let mut group = c.benchmark_group("queue_drain");
    configure(&mut group, n);
    group.throughput(Throughput::Elements(poms as u64));
    group.bench_function(BenchmarkId::from_parameter(n), |b| {
        b.iter_batched(|| queue.clone(), drain, BatchSize::LargeInput)
    });
    group.finish();

    drop(ws);
    if let Err(e) = dir.close() {
        eprintln!("cannot remove the generated workspace: {e}");
    }
}

fn benches(c: &mut Criterion) {
    for n in sizes() {
        bench_size(c, n);
    }
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    benches(&mut c);
    c.final_summary();
}
