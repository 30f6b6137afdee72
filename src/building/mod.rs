//! Building with real Maven: the plan (what to install, in which order), running Maven
//! jobs (logs, cancellation), and `install` itself (stamps after success).

pub mod exec;
pub mod install;
pub mod plan;
