//! Building with real Maven: the plan (what to install, in which order), running Maven
//! jobs (logs, cancellation), `install` itself, and stamping what Maven actually built.

mod aggregator;
pub mod deploy;
pub mod exec;
pub mod install;
pub mod maven;
pub mod plan;
mod reactor;
pub mod stamping;
