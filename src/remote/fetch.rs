//! Downloading a matching remote artifact into the local repository.
