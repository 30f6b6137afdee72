//! The command line's presentation: text rendering and live progress.

pub mod interface;
pub mod progress;
pub mod remote;
pub mod render;
pub mod sanitize;
