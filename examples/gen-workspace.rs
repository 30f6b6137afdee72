//! Generates a realistic Maven workspace for benchmarks (see `benches/gen/mod.rs`).
//!
//! ```text
//! cargo run --release --example gen-workspace -- --modules 100 --files 8 --seed 1 DIR
//! cargo run --release --example gen-workspace -- --modules 100 --scan DIR
//! ```
//!
//! Prints `key=value` lines about what it wrote (module count, input bytes, a target with
//! a deep upstream, a low module in it and a module just below the target), which
//! `benches/compare.sh` reads.

#[path = "../benches/gen/mod.rs"]
mod generator;

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str =
    "usage: gen-workspace --modules N [--files M] [--seed S] [--scan] [--force] DIR";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("gen-workspace: {message}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<(), String> {
    let mut opts = generator::GenOptions {
        modules: 0,
        files: 8,
        seed: 1,
        scan: false,
    };
    let mut dir: Option<PathBuf> = None;
    let mut force = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut number = |name: &str| -> Result<u64, String> {
            let value = args
                .next()
                .ok_or(format!("{name} needs a value\n{USAGE}"))?;
            value
                .parse()
                .map_err(|_| format!("{name}: `{value}` is not a number\n{USAGE}"))
        };
        match arg.as_str() {
            "--modules" => opts.modules = number("--modules")? as usize,
            "--files" => opts.files = number("--files")? as usize,
            "--seed" => opts.seed = number("--seed")?,
            "--scan" => opts.scan = true,
            "--force" => force = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            other if other.starts_with('-') => {
                return Err(format!("unknown option {other}\n{USAGE}"));
            }
            other => {
                if dir.replace(PathBuf::from(other)).is_some() {
                    return Err(format!("only one DIR, please\n{USAGE}"));
                }
            }
        }
    }
    let dir = dir.ok_or(format!("DIR is missing\n{USAGE}"))?;
    if opts.modules == 0 {
        return Err(format!("--modules must be at least 1\n{USAGE}"));
    }
    if dir.exists() {
        let empty = std::fs::read_dir(&dir)
            .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
            .next()
            .is_none();
        if !empty {
            if !force {
                return Err(format!(
                    "{} is not empty; pass --force to replace it",
                    dir.display()
                ));
            }
            std::fs::remove_dir_all(&dir)
                .map_err(|e| format!("cannot remove {}: {e}", dir.display()))?;
        }
    }
    let summary = generator::generate(&dir, &opts)
        .map_err(|e| format!("cannot write into {}: {e}", dir.display()))?;

    let target = summary.target();
    println!("root={}", dir.display());
    println!("layout={}", if opts.scan { "scan" } else { "aggregator" });
    println!("modules={}", summary.modules.len());
    println!("poms={}", summary.poms);
    println!("layers={}", summary.layers);
    println!("input_files={}", summary.input_files);
    println!("input_bytes={}", summary.input_bytes);
    println!("all_files={}", summary.all_files);
    println!("target={}", summary.modules[target].artifact_id);
    println!("target_upstream={}", summary.upstream(target).len());
    if let Some(low) = summary.low_module(target) {
        println!("low={}", summary.modules[low].artifact_id);
        println!("low_file={}", summary.entry_file(low));
    }
    if let Some(near) = summary.near_module(target) {
        println!("near={}", summary.modules[near].artifact_id);
        println!("near_file={}", summary.entry_file(near));
    }
    Ok(())
}
