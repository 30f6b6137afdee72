//! The command line's presentation: text rendering and live progress.

pub mod progress;
pub mod render;
pub mod sanitize;
