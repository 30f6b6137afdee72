//! (work in progress)
pub mod queue;
