//! m2fresh: is the jar in `~/.m2` built from the sources on disk now?
//!
//! (The architecture map is written as the modules land.)

pub mod coords;
pub mod exec;
pub mod fingerprint;
pub mod image;
pub mod jar;
pub mod localrepo;
pub mod plan;
pub mod stamp;
