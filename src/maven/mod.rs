//! The Maven model, without a JVM: XML, the POM as written, the effective model, the
//! profiles of `settings.xml`, the workspace's modules and Maven's reactor graph.

pub mod effective;
pub mod findings;
pub mod graph;
pub mod model;
pub mod pom;
pub mod settings;
pub mod workspace;
pub mod xml;
