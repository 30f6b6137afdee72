//! (work in progress)
pub mod files;
