//! Freshness: what an artifact is built from (the fingerprint), where Maven installed it
//! (the local repository), what m2fresh recorded when it installed it (the stamp), what
//! the artifact itself says (jars, evidence), and the verdict (status).

pub mod evidence;
pub mod fingerprint;
pub mod installed;
pub mod jar;
pub mod localrepo;
pub mod stamp;
pub mod status;
