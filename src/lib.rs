//! m2fresh: is the jar in `~/.m2` built from the sources on disk now?
//!
//! (The architecture map is written as the modules land.)

pub mod coords;
pub mod error;
pub mod exec;
pub mod fingerprint;
pub mod graph;
pub mod image;
pub mod jar;
pub mod localrepo;
pub mod model;
pub mod plan;
pub mod pom;
pub mod report;
pub mod stamp;
pub mod workspace;
pub mod xml;
